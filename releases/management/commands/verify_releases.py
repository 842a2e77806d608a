"""`manage.py verify_releases [VERSION ...]`: read back every file of every
release (or those named) and compare it with the SHA-256 recorded when it
was published. Exits with an error naming each file missing or altered."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from releases.models import Release
from releases.services import verify_release


class Command(BaseCommand):
    help = "Check that every stored release file is present and unaltered (SHA-256)."

    def add_arguments(self, parser):
        parser.add_argument("versions", nargs="*", help="Release dates to check, e.g. 2026-12-07 (default: all).")

    def handle(self, *args, versions=(), **options):
        releases = Release.objects.all()
        if versions:
            try:
                releases = releases.filter(version__in=[datetime.date.fromisoformat(v) for v in versions])
            except ValueError:
                raise CommandError("Name releases by their dates, e.g. 2026-12-07.") from None
            missing = set(versions) - {r.version_name for r in releases}
            if missing:
                raise CommandError("No release has these dates: " + ", ".join(sorted(missing)))
        problems = []
        checked = 0
        for release in releases:
            problems += verify_release(release)
            checked += 1
        if problems:
            raise CommandError("Release files missing or altered:\n" + "\n".join(str(p) for p in problems))
        self.stdout.write(f"{checked} release{'s' if checked != 1 else ''} checked: every file is as published.")
