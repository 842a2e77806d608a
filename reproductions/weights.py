"""Where a model's weights are, and whether they are the pinned ones."""

import hashlib
from pathlib import Path

from django.conf import settings

from .errors import RunRefused

CHUNK = 8 * 1024 * 1024


def weights_dir(local_path: str) -> Path:
    """The weights folder: absolute, or relative to AIKB_MODELS_DIR."""
    path = Path(local_path)
    return path if path.is_absolute() else Path(settings.AIKB_MODELS_DIR) / path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def weight_files(folder: Path) -> list[Path]:
    """The files that decide a model's behaviour: weights, config, tokenizer
    and chat template (every visible file in the folder)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def compute_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a weights folder, by relative name."""
    return {str(path.relative_to(folder)): file_sha256(path) for path in weight_files(folder)}


def verify_weights(local_path: str, pinned: dict[str, str]) -> Path:
    """Check every pinned file exists and has its pinned SHA-256; return the
    folder. Raises RunRefused with the first difference, in words."""
    folder = weights_dir(local_path)
    if not folder.is_dir():
        raise RunRefused(f"The weights folder {folder} does not exist on this worker ({_host_hint()}).")
    if not pinned:
        raise RunRefused(
            f"No SHA-256 is pinned for the weights in {folder}; register the model with "
            "`manage.py register_model` so the worker can check them."
        )
    for name, expected in sorted(pinned.items()):
        path = folder / name
        if not path.is_file():
            raise RunRefused(f"The weight file {name} is missing from {folder}.")
        actual = file_sha256(path)
        if actual != expected:
            raise RunRefused(
                f"The weight file {name} has SHA-256 {actual}, but the reference pins {expected}: "
                "these are not the weights the harness was registered with."
            )
    return folder


def _host_hint() -> str:
    return f"AIKB_MODELS_DIR is {settings.AIKB_MODELS_DIR}"
