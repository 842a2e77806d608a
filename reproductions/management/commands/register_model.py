"""Register a local model's weights (with their SHA-256s) for evaluation."""

from pathlib import Path

from django.core.exceptions import ValidationError
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
        "pins the SHA-256 of every file and, with --harness, schedules it on those harnesses. With --provider "
        "openai-compatible, register a server run elsewhere instead (--base-url and --served-name, no --path)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--path", help="The weights folder (local weights).")
        parser.add_argument("--slug")
        parser.add_argument("--provider", choices=[*sorted(EvalModel.LOCAL_WEIGHTS), "openai-compatible"], default="hf",
                            help="vllm on GPUs; hf runs in the worker; llama-cpp serves a GGUF on a CPU.")
        parser.add_argument("--base-url", default="", help="A server already running (http://host:port/v1).")
        parser.add_argument("--served-name", default="", help="For openai-compatible: the model name it serves.")
        parser.add_argument("--max-model-len", type=int, help="Context the engine reserves, in tokens.")
        parser.add_argument("--upstream-id", default="")
        parser.add_argument("--revision", default="")
        parser.add_argument("--dtype", choices=[c for c, _ in EvalModel.DType.choices], default="auto")
        parser.add_argument("--system", help="Slug of the AI system the model is.")
        parser.add_argument("--stand-in", action="store_true", help="A small stand-in: its runs are pipeline checks.")
        parser.add_argument("--harness", action="append", default=[], help="Harness slug to run it on (repeatable).")

    def handle(self, *args, **options):
        if options["provider"] == "openai-compatible":
            return self._endpoint(options)
        if not options["path"]:
            raise CommandError("Give the weights folder with --path.")
        folder = weights_dir(options["path"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        harnesses, system = self._harnesses(options), self._system(options)
        files = weight_files(folder)
        if not files:
            raise CommandError(f"{folder} holds no files.")
        digests = {}
        for path in tqdm(files, desc="SHA-256", unit="file", disable=not self.stdout.isatty()):
            digests[str(path.relative_to(folder))] = file_sha256(path)
        model = self._register(
            options, system, local_path=str(Path(options["path"])), digests=digests, base_url=options["base_url"],
            max_model_len=options["max_model_len"],
        )
        self._schedule(model, harnesses, f"Registered {model} with {len(digests)} files pinned.")

    def _endpoint(self, options):
        if options["path"]:
            raise CommandError("An openai-compatible endpoint has no weights folder here: leave out --path.")
        system, harnesses = self._system(options), self._harnesses(options)
        model = self._register(options, system, local_path="", digests={}, base_url=options["base_url"],
                               api_model=options["served_name"])
        self._schedule(model, harnesses, f"Registered {model} at {model.base_url} (weights not hashed here).")

    def _register(self, options, system, **fields):
        try:
            return register_model(
                name=options["name"], slug=options["slug"] or slugify(options["name"]), provider=options["provider"],
                upstream_id=options["upstream_id"], revision=options["revision"], dtype=options["dtype"],
                system=system, is_stand_in=options["stand_in"], **fields,
            )
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error

    def _system(self, options):
        if not options["system"]:
            return None
        system = AISystem.objects.filter(slug=options["system"]).first()
        if system is None:
            raise CommandError(f"Unknown AI system {options['system']!r}.")
        return system

    def _harnesses(self, options):
        harnesses = list(Harness.objects.filter(slug__in=options["harness"]))
        missing = set(options["harness"]) - {h.slug for h in harnesses}
        if missing:
            raise CommandError(f"Unknown harness(es): {', '.join(sorted(missing))}.")
        return harnesses

    def _schedule(self, model, harnesses, message):
        for harness in harnesses:
            harness.eval_models.add(model)
        self.stdout.write(self.style.SUCCESS(message))
        if harnesses:
            self.stdout.write(f"Scheduled on: {', '.join(h.name for h in harnesses)}.")
