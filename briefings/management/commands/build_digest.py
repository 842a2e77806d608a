"""Build (or rebuild) the digest PDF of one period and filter, e.g. to fill
the archive for a past week: `manage.py build_digest weekly 2026-11-09`.
Sends nothing; subscribers get digests from the beat schedules."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from briefings.digests import DigestFilter, previous_period
from briefings.models import Cadence
from incidents.models import Incident, Organisation, TaxonomyTerm


def _period(cadence: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    if cadence == Cadence.DAILY:
        return start, start + datetime.timedelta(days=1)
    if cadence == Cadence.WEEKLY:
        if start.weekday() != 0:
            raise CommandError("A weekly digest starts on a Monday.")
        return start, start + datetime.timedelta(days=7)
    if start.day != 1:
        raise CommandError("A monthly digest starts on the first day of a month.")
    return start, (start + datetime.timedelta(days=32)).replace(day=1)


class Command(BaseCommand):
    help = (
        "Build the digest PDF of a period (default: the last complete one) and filter; sends no email. Its links "
        "use the site's address: AIKB_SITE_URL when set, else the address the run command serves at "
        "(recorded in var/site-url), else http://127.0.0.1:8000."
    )

    def add_arguments(self, parser):
        parser.add_argument("cadence", choices=Cadence.values)
        parser.add_argument("start", nargs="?", type=datetime.date.fromisoformat, help="First day, YYYY-MM-DD.")
        parser.add_argument("--taxonomy", help="Taxonomy term slug.")
        parser.add_argument("--kind", choices=Incident.Kind.values)
        parser.add_argument("--organisation", help="Organisation slug.")
        parser.add_argument("--min-severity", type=int, choices=Incident.Severity.values)

    def handle(self, cadence, start, taxonomy, kind, organisation, min_severity, **options):
        from briefings.digests import build_digest

        try:
            digest_filter = DigestFilter(
                taxonomy=TaxonomyTerm.objects.get(slug=taxonomy) if taxonomy else None,
                kind=kind or "",
                organisation=Organisation.objects.get(slug=organisation) if organisation else None,
                min_severity=min_severity,
            )
        except (TaxonomyTerm.DoesNotExist, Organisation.DoesNotExist) as error:
            raise CommandError(f"Unknown filter value: {error}") from None
        first, end = _period(cadence, start) if start else previous_period(cadence)
        digest = build_digest(cadence, first, end, digest_filter)
        if digest is None:
            self.stdout.write(f"Nothing changed from {first} to {end - datetime.timedelta(days=1)}: no digest.")
            return
        briefing = digest.briefing
        self.stdout.write(
            f"{digest}: {briefing.page_count} pages, {briefing.size_bytes} bytes, SHA-256 {briefing.sha256}, "
            f"{briefing.file.path}, links to {settings.SITE_URL}"
        )
