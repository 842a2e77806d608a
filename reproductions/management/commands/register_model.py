"""Register a local model's weights (with their SHA-256s) for evaluation."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify
from tqdm import tqdm

from incidents.models import AISystem
from reproductions.models import EvalModel, Harness
from reproductions.services import register_model
from reproductions.weights import file_sha256, weight_files, weights_dir


class Command(BaseCommand):
    help = (
        "Register a model whose weights are in a local folder (absolute, or relative to AIKB_MODELS_DIR): "
        "pins the SHA-256 of every file and, with --harness, schedules it on those harnesses."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--path", required=True, help="The weights folder.")
        parser.add_argument("--slug")
        parser.add_argument("--provider", choices=["hf", "vllm"], default="hf")
        parser.add_argument("--upstream-id", default="")
        parser.add_argument("--revision", default="")
        parser.add_argument("--dtype", choices=[c for c, _ in EvalModel.DType.choices], default="auto")
        parser.add_argument("--system", help="Slug of the AI system the model is.")
        parser.add_argument("--stand-in", action="store_true", help="A small stand-in: its runs are pipeline checks.")
        parser.add_argument("--harness", action="append", default=[], help="Harness slug to run it on (repeatable).")

    def handle(self, *args, **options):
        folder = weights_dir(options["path"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        harnesses = list(Harness.objects.filter(slug__in=options["harness"]))
        missing = set(options["harness"]) - {h.slug for h in harnesses}
        if missing:
            raise CommandError(f"Unknown harness(es): {', '.join(sorted(missing))}.")
        system = None
        if options["system"]:
            system = AISystem.objects.filter(slug=options["system"]).first()
            if system is None:
                raise CommandError(f"Unknown AI system {options['system']!r}.")
        files = weight_files(folder)
        if not files:
            raise CommandError(f"{folder} holds no files.")
        digests = {}
        for path in tqdm(files, desc="SHA-256", unit="file", disable=not self.stdout.isatty()):
            digests[str(path.relative_to(folder))] = file_sha256(path)
        model = register_model(
            name=options["name"],
            slug=options["slug"] or slugify(options["name"]),
            local_path=str(Path(options["path"])),
            digests=digests,
            provider=options["provider"],
            upstream_id=options["upstream_id"],
            revision=options["revision"],
            dtype=options["dtype"],
            system=system,
            is_stand_in=options["stand_in"],
        )
        for harness in harnesses:
            harness.eval_models.add(model)
        self.stdout.write(self.style.SUCCESS(f"Registered {model} with {len(digests)} files pinned."))
        if harnesses:
            self.stdout.write(f"Scheduled on: {', '.join(h.name for h in harnesses)}.")
