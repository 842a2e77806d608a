"""The management command every importer shares: paths, --dry-run, a
progress bar, and a per-item error report that does not abort the batch."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from .pipeline import Importer, run_import

SHOWN_ERRORS = 50


class ImportCommand(BaseCommand):
    importer_class: type[Importer]
    default_paths: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Files or folders to import.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report everything; write nothing.")
        parser.add_argument(
            "--all-errors", action="store_true", help=f"List every error (default: the first {SHOWN_ERRORS})."
        )

    def handle(self, *args, paths, dry_run, all_errors, verbosity, **options):
        paths = paths or self.default_paths
        if not paths:
            raise CommandError("Give at least one file or folder to import.")
        show_bar = verbosity > 0

        def progress(items):
            return tqdm(items, desc="items", unit=" item", disable=not show_bar, file=self.stderr._out)

        report = run_import(self.importer_class(), paths, dry_run=dry_run, progress=progress)
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        self.stdout.write(prefix + report.summary())
        errors = report.errors if all_errors else report.errors[:SHOWN_ERRORS]
        for error in errors:
            self.stderr.write(f"error: {error}")
        if len(report.errors) > len(errors):
            self.stderr.write(f"... and {len(report.errors) - len(errors)} more (--all-errors lists them)")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
