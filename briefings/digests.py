"""Digests: which period a cadence covers, which incidents a filter selects,
and the digest PDF of a period and filter (rendered once, then reused by
every subscriber with the same filter)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, Organisation, TaxonomyTerm
from incidents.visibility import public_incidents

from .charts import bar_chart_svg
from .models import Briefing, Cadence, Digest
from .selectors import digest_content
from .services import GENERATED_AT, SITE_AUTHOR, briefing_for_html, render_briefing

EMAIL_HIGHLIGHTS = 10
# The cover fits on its one page: this many headlines of each kind, the
# rest counted ("and 3 more") and listed in the digest's sections.
COVER_INCIDENTS = 5
COVER_STATUS_CHANGES = 4
COVER_CHART_WIDTH = 300  # units across the chart's 90 mm (briefing.css): its text at about 9 pt
COVER_CHART_LABELS = 80  # the severities' names beside their bars: a low chart


@dataclass(frozen=True)
class DigestFilter:
    """Which published incidents a digest covers; every part is optional."""

    taxonomy: TaxonomyTerm | None = None
    kind: str = ""
    organisation: Organisation | None = None
    min_severity: int | None = None

    @classmethod
    def for_subscription(cls, subscription) -> "DigestFilter":
        return cls(
            taxonomy=subscription.taxonomy,
            kind=subscription.kind,
            organisation=subscription.organisation,
            min_severity=subscription.min_severity,
        )

    def apply(self, incidents):
        if self.taxonomy is not None:
            incidents = incidents.filter(taxonomy=self.taxonomy)
        if self.kind:
            incidents = incidents.filter(kind=self.kind)
        if self.organisation is not None:
            incidents = incidents.filter(organisation_links__organisation=self.organisation)
        if self.min_severity:
            incidents = incidents.filter(severity__gte=self.min_severity)
        return incidents.distinct()

    @property
    def key(self) -> str:
        """Canonical text form: equal filters share one digest."""
        parts = []
        if self.taxonomy is not None:
            parts.append(f"taxonomy={self.taxonomy.slug}")
        if self.kind:
            parts.append(f"kind={self.kind}")
        if self.organisation is not None:
            parts.append(f"organisation={self.organisation.slug}")
        if self.min_severity:
            parts.append(f"severity>={self.min_severity}")
        return ";".join(parts)

    @property
    def label(self) -> str:
        parts = []
        if self.taxonomy is not None:
            parts.append(f"taxonomy: {self.taxonomy.name}")
        if self.kind:
            parts.append(f"kind: {Incident.Kind(self.kind).label}")
        if self.organisation is not None:
            parts.append(f"organisation: {self.organisation.name}")
        if self.min_severity:
            parts.append(f"severity: {Incident.Severity(self.min_severity).label} or higher")
        return "; ".join(parts)

    def matches_anything(self) -> bool:
        return self.apply(public_incidents()).exists()


def previous_period(cadence: str, moment: datetime.datetime | None = None) -> tuple[datetime.date, datetime.date]:
    """The last complete period of a cadence before `moment` (UTC): yesterday,
    last Monday-to-Sunday week, or last calendar month, as (first day, first
    day after)."""
    today = timezone.localdate(moment or timezone.now(), datetime.timezone.utc)
    if cadence == Cadence.DAILY:
        return today - datetime.timedelta(days=1), today
    if cadence == Cadence.WEEKLY:
        this_monday = today - datetime.timedelta(days=today.weekday())
        return this_monday - datetime.timedelta(days=7), this_monday
    if cadence == Cadence.MONTHLY:
        first = today.replace(day=1)
        return (first - datetime.timedelta(days=1)).replace(day=1), first
    raise ValueError(f"Unknown cadence {cadence!r}")


def _as_datetime(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.timezone.utc)


def _severity_chart(incidents: list[Incident], title: str):
    counts = {value: 0 for value, _ in Incident.Severity.choices}
    for incident in incidents:
        counts[incident.severity] += 1
    rows = [{"label": label, "value": counts[value], "lower": None, "upper": None}
            for value, label in reversed(Incident.Severity.choices)]
    return bar_chart_svg(rows, "count", title, width=COVER_CHART_WIDTH, label_width=COVER_CHART_LABELS)


def digest_cover(content: dict) -> dict:
    """What the digest's cover shows besides its period: the headline
    changes (the most severe new incidents, then claim status changes, the
    status changes of the most severe incidents first) and one chart, the
    period's new incidents by severity (or its updated ones when none is
    new). Deterministic: ties go by public id and time of change."""
    new = content["new_incidents"]  # most severe first (digest_content)
    changes = sorted(content["status_changes"], key=lambda c: (-c.claim.incident.severity, c.changed_at, c.pk))
    charted, chart_title = (new, "New incidents in the period by severity") if new else (
        content["updated_incidents"], "Updated incidents in the period by severity")
    return {
        "incidents": new[:COVER_INCIDENTS],
        "more_incidents": max(len(new) - COVER_INCIDENTS, 0),
        "status_changes": changes[:COVER_STATUS_CHANGES],
        "more_status_changes": max(len(changes) - COVER_STATUS_CHANGES, 0),
        "chart_title": chart_title if charted else "",
        "chart": _severity_chart(charted, chart_title) if charted else "",
    }


def digest_html(cadence: str, start: datetime.date, end: datetime.date, digest_filter: DigestFilter, content: dict) -> str:
    return render_to_string(
        "briefings/pdf/digest.html",
        {
            **content,
            "cover": digest_cover(content),
            "cadence": Cadence(cadence).label,
            "period_start": start,
            "period_last_day": end - datetime.timedelta(days=1),
            "filter_label": digest_filter.label,
            "generated_at": GENERATED_AT,
            "author": SITE_AUTHOR,
            "site_url": settings.SITE_URL,
            "archive_url": f"{settings.SITE_URL}{reverse('digest-archive')}",
        },
    )


def build_digest(cadence: str, start: datetime.date, end: datetime.date, digest_filter: DigestFilter) -> Digest | None:
    """The digest of a period and filter with its PDF rendered, or None when
    nothing changed in it (an empty digest is never sent). Reuses the stored
    PDF when the content is unchanged."""
    content = digest_content(_as_datetime(start), _as_datetime(end), digest_filter)
    if not content["incident_count"] and not content["change_count"]:
        return None
    html = digest_html(cadence, start, end, digest_filter, content)
    title = f"{Cadence(cadence).label} digest, {start:%d %B %Y}" + (
        f" ({digest_filter.label})" if digest_filter.label else ""
    )
    briefing = briefing_for_html(Briefing.Kind.DIGEST, html, title)
    if not briefing.is_ready:
        briefing = render_briefing(briefing.pk)
    if not briefing.is_ready:
        raise RuntimeError(f"The digest PDF failed to render: {briefing.error}")
    digest, _ = Digest.objects.update_or_create(
        cadence=cadence,
        period_start=start,
        filter_key=digest_filter.key,
        defaults={
            "period_end": end,
            "filter_label": digest_filter.label,
            "briefing": briefing,
            "incident_count": content["incident_count"],
            "change_count": content["change_count"],
        },
    )
    # Not stored: the email's summary lists the incidents of this very build.
    digest.highlights = [
        {"incident": incident, "url": f"{settings.SITE_URL}{incident.get_absolute_url()}", "is_new": is_new}
        for is_new, group in ((True, content["new_incidents"]), (False, content["updated_incidents"]))
        for incident in group
    ][:EMAIL_HIGHLIGHTS]
    return digest
