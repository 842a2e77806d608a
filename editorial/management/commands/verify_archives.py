import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from editorial.archives import verify_archives


class Command(BaseCommand):
    help = "Recheck the SHA-256 of every archived source copy; exit 1 on any mismatch or missing file."

    def handle(self, *args, verbosity, **options):
        def progress(items):
            return tqdm(items, desc="archives", unit=" file", disable=verbosity == 0, file=sys.stderr)

        result = verify_archives(progress=progress)
        for problem in result.problems:
            self.stderr.write(f"{problem.kind}: source {problem.source_id} ({problem.name}): {problem.detail}")
        self.stdout.write(f"{result.checked} archived copies checked, {len(result.problems)} problems.")
        if result.problems:
            sys.exit(1)
