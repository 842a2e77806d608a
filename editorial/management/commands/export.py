import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from editorial.dataset import export_dataset, write_dataset


class Command(BaseCommand):
    help = "Write the published dataset as versioned JSON (schema: editorial/export_schema.md)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="File to write (default: standard output).")

    def handle(self, *args, output, verbosity, **options):
        def progress(items):
            return tqdm(items, desc="sections", unit=" section", disable=verbosity == 0, file=sys.stderr)

        document = export_dataset(progress=progress)
        if output == "-":
            write_dataset(document, self.stdout._out)
        else:
            with open(output, "w", encoding="utf-8") as handle:
                write_dataset(document, handle)
        total = sum(document["counts"].values())
        self.stderr.write(f"Exported {total} records ({document['counts'].get('incidents.incident', 0)} incidents).")
