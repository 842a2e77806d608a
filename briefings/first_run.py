"""The first digest of a fresh installation, so the archive at /digests/
is not empty on the first start (`manage.py seed_first_run`, which the run
command calls after the curated data).

It is built by the same `build_digest` as beat's weekly delivery, for the
week in which the public record last changed (the curated data's own
dates), and only while the archive is empty: running it on every start adds
nothing once a digest exists.
"""

import datetime

from django.db.models import Max

from incidents.visibility import public_incidents

from .digests import DigestFilter, build_digest
from .models import Cadence, Digest


def first_digest_period() -> tuple[datetime.date, datetime.date] | None:
    """The Monday-to-Sunday week in which the public record last changed, as
    (first day, first day after); None when nothing is published."""
    latest = public_incidents().aggregate(latest=Max("updated"))["latest"]
    if latest is None:
        return None
    day = latest.astimezone(datetime.timezone.utc).date()
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=7)


def ensure_first_digest() -> tuple[Digest | None, str]:
    """While the archive is empty, build the weekly digest (all incidents)
    of the week the record last changed in, as beat's weekly delivery would
    for a subscriber; once any digest exists, nothing."""
    if (existing := Digest.objects.order_by("-period_start", "-id").first()) is not None:
        return existing, f"Digest archive already has {existing}."
    period = first_digest_period()
    if period is None:
        return None, "No published incident yet: no digest."
    digest = build_digest(Cadence.WEEKLY, *period, DigestFilter())
    if digest is None:
        return None, f"Nothing changed in the week of {period[0]:%d %B %Y}: no digest."
    return digest, f"Digest built: {digest} ({digest.incident_count} incidents)."
