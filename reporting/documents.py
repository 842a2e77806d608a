"""What the Article 73 and Code of Practice documents share: a field that
says where its value came from, the clocks as JSON, and the report loaded
with everything the documents, the page and the PDF read (a fixed number of
queries)."""

import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from incidents.models import Evidence, IncidentOrganisation, IncidentSystem

from .clocks import Clock

REPORT = "report"
INCIDENT = "incident"
NOT_YET_KNOWN = "not yet known"
SCHEMA_PATH = "/api/schema/serious-incident-report.json"


def is_blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def field(label: str, report_value=None, incident_value=None, basis: str = "") -> dict:
    """A document field: the report's value when it has one, else the
    value prefilled from the incident's record, else "not yet known"."""
    if not is_blank(report_value):
        value, source = report_value, REPORT
    elif not is_blank(incident_value):
        value, source = incident_value, INCIDENT
    else:
        value, source = None, NOT_YET_KNOWN
    entry = {"label": label, "value": value, "source": source}
    if basis:
        entry["basis"] = basis
    return entry


def iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat()


def clock_json(clock: Clock) -> dict:
    return {
        "key": clock.key,
        "label": clock.label,
        "basis": clock.basis,
        "due_at": iso(clock.due_at),
        "status": clock.status,
        "submitted_at": iso(clock.submitted_at),
        "late_by_seconds": clock.late_by.total_seconds() if clock.late_by is not None else None,
        "note": clock.note,
    }


def clocks_json(report, now: datetime.datetime | None = None) -> list[dict]:
    return [clock_json(clock) for clock in report.clocks(now or timezone.now())]


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def document_head(report, format_name: str, version: int) -> dict:
    """What every report document opens with: its schema, format and
    version, and the addresses of the report and its incident."""
    incident = report.incident
    return {
        "$schema": site_url(SCHEMA_PATH),
        "format": format_name,
        "version": version,
        "regime": report.regime,
        "report": report.pk,
        "url": site_url(report.get_absolute_url()),
        "incident": incident.public_id,
        "incident_url": site_url(incident.get_absolute_url()),
    }


def with_document_data(reports):
    """Reports with what the documents read: incident, provider, system and
    its developer, submissions, the incident's links, evidence with sources
    and causal attributions."""
    return reports.select_related("incident", "provider", "system__developer", "system__base_system").prefetch_related(
        "submissions",
        Prefetch(
            "incident__organisation_links",
            queryset=IncidentOrganisation.objects.select_related("organisation").order_by("role", "organisation__name"),
        ),
        Prefetch("incident__system_links", queryset=IncidentSystem.objects.select_related("system")),
        Prefetch("incident__evidence", queryset=Evidence.objects.select_related("source").order_by("id")),
        "incident__attributions",
    )
