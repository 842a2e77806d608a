from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reproductions.synthetic import delete_synthetic, generate_synthetic


class Command(BaseCommand):
    help = "Add N realistic synthetic incidents (with claims, sources, evidence, measurements) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, required=True, help="How many incidents to add.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=20251230)
        parser.add_argument("--no-history", action="store_true", help="Skip the revision rows.")
        parser.add_argument("--clear", action="store_true", help="Delete earlier synthetic incidents first.")

    def handle(self, *args, incidents, batch_size, seed, no_history, clear, **options):
        if incidents < 0 or batch_size < 1:
            raise CommandError("--incidents must be 0 or more and --batch-size at least 1.")
        if clear:
            self.stdout.write(f"Deleted {delete_synthetic()} synthetic rows.")
        with tqdm(total=incidents, unit="incident", disable=options["verbosity"] == 0) as bar:
            counts = generate_synthetic(
                incidents, batch_size=batch_size, seed=seed, with_history=not no_history, progress=bar.update
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {counts.incidents} incidents, {counts.claims} claims, {counts.sources} sources, "
                f"{counts.evidence} evidence items, {counts.measurements} measurements, "
                f"{counts.runs} reproduction runs with verdicts."
            )
        )
