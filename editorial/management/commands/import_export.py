import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from editorial.dataset import DatasetError, import_dataset


class Command(BaseCommand):
    help = "Load a file written by `manage.py export` into an empty database, keeping every identifier."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export file (JSON).")

    def handle(self, *args, file, verbosity, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file} is not a JSON export: {error}") from None

        def progress(items):
            return tqdm(items, desc="records", unit=" record", disable=verbosity == 0, file=sys.stderr)

        try:
            counts = import_dataset(document, progress=progress)
        except DatasetError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Loaded {sum(counts.values())} records:")
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
