"""`manage.py publish_release [--date 2026-12-07] [--if-none]`: what the
weekly beat entry does, by hand (releases.services.publish_release)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from releases.models import Release
from releases.schema import SchemaMismatch
from releases.services import ReleaseError, publish_release


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date: write it as 2026-12-07.") from None


class Command(BaseCommand):
    help = (
        "Publish the release of the public dataset dated today (UTC) or --date, unless it exists: then show it. "
        "Idempotent. --if-none publishes only while no release exists (the first start)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=str, help="The release date, e.g. 2026-12-07 (default: today, UTC).")
        parser.add_argument("--if-none", action="store_true", help="Publish only if no release exists yet.")

    def handle(self, *args, date=None, if_none=False, **options):
        on = _date(date) if date else None
        if if_none and (latest := Release.objects.first()) is not None:
            self.stdout.write(f"Releases exist already (latest {latest.version_name}): none published.")
            return
        try:
            release = publish_release(on)
        except (ReleaseError, SchemaMismatch) as error:
            raise CommandError(str(error)) from None
        if release is None:
            self.stdout.write("No published incident yet: no release.")
            return
        self.stdout.write(
            f"Release {release.version_name}: {release.incident_count} incidents, {len(release.files)} files, "
            f"at {release.get_absolute_url()}"
        )
