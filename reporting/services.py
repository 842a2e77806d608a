"""The rules a serious-incident report obeys, in one place.

`SeriousIncidentReport.clean()` and `ReportSubmission.clean()` call these,
so the admin, the API and any script get the same messages; the API and the
admin run `full_clean` inside one transaction, so a refused write leaves
nothing behind. This module reads the incident through its relations and
imports no model of this app (reporting.models imports it).

- `check_reportable`: an Article 73 / Code of Practice report is for a
  serious incident that happened: kind "incident" and OECD level serious
  incident or disaster (incidents.oecd.SERIOUS_LEVELS).
- `check_parties`: the AI system is linked to the incident, and the
  provider is that system's developer, or a developer or deployer linked to
  the incident (Art. 26(5): a deployer reports when the provider cannot).
- `check_dates`: occurrence <= detection <= awareness (local dates in the
  report's time zone; occurrence compared at its recorded precision), start
  <= end, a valid IANA time zone.
- `check_submission`: a report is not sent before its provider became aware.
"""

import datetime

from django.core.exceptions import ValidationError

from incidents.models import DatePrecision, IncidentOrganisation, format_with_precision
from incidents.oecd import SERIOUS_LEVELS

from .clocks import zone_named

PROVIDER_ROLES = (IncidentOrganisation.Role.DEVELOPER, IncidentOrganisation.Role.DEPLOYER)

HAZARD = (
    "{id} is a {what} (harm that could happen, OECD): an Article 73 report is for a serious incident that happened."
)
NOT_SERIOUS = (
    "{id} is an incident whose OECD level is {level}: an Article 73 report is for a serious incident; "
    "mark its OECD level serious incident or disaster first."
)


def check_reportable(incident) -> None:
    """Raise ValidationError({"incident": message}) unless `incident` may
    carry a serious-incident report."""
    if incident.kind != "incident":
        what = "hazard" if incident.kind == "hazard" else f"{incident.get_kind_display().lower()}, an OECD hazard"
        raise ValidationError({"incident": HAZARD.format(id=incident.public_id, what=what)})
    if incident.oecd_severity not in SERIOUS_LEVELS:
        level = f"'{incident.oecd_severity}'" if incident.oecd_severity else "not set"
        raise ValidationError({"incident": NOT_SERIOUS.format(id=incident.public_id, level=level)})


def check_parties(incident, system, provider) -> dict[str, str]:
    """Field -> message for a system or provider that does not belong to `incident`."""
    errors = {}
    if system is not None and not incident.system_links.filter(system=system).exists():
        errors["system"] = f"{system} is not linked to {incident.public_id}; link it on the incident first."
    if provider is not None:
        is_developer = system is not None and system.developer_id == provider.pk
        linked = incident.organisation_links.filter(organisation=provider, role__in=PROVIDER_ROLES).exists()
        if not (is_developer or linked):
            errors["provider"] = (
                f"{provider} is neither the developer of the system nor linked to {incident.public_id} as its "
                "developer or deployer."
            )
    return errors


def _day(value: datetime.date) -> str:
    return format_with_precision(value, DatePrecision.DAY)


def _moment(value: datetime.datetime, zone) -> str:
    local = value.astimezone(zone)
    return f"{_day(local.date())}, {local:%H:%M} {local.tzname()}"


def before_occurrence(day: datetime.date, occurred_on: datetime.date) -> bool:
    """Whether `day` is before the occurrence. An occurrence known to the
    month or year is stored as the first day of that period
    (incidents.models.precision_constraint), so comparing days compares at
    the recorded precision: any day of the month is not "before" it."""
    return day < occurred_on


def check_dates(report) -> dict[str, str]:
    """Field -> message for dates out of order or an unknown time zone."""
    errors = {}
    try:
        zone = zone_named(report.time_zone)
    except ValueError as error:
        return {"time_zone": str(error)}
    incident = report.incident if report.incident_id else None
    occurred_on = incident.occurred_on if incident else None
    if occurred_on is not None:
        precision = incident.occurred_precision
        occurred = format_with_precision(occurred_on, precision)
        for field, word in (("aware_at", "Awareness"), ("detected_at", "Detection")):
            value = getattr(report, field)
            if value is not None and before_occurrence(value.astimezone(zone).date(), occurred_on):
                errors[field] = f"{word} ({_moment(value, zone)}) is before the incident occurred ({occurred})."
        if report.started_on and before_occurrence(report.started_on, occurred_on):
            errors["started_on"] = f"The start ({_day(report.started_on)}) is before the incident occurred ({occurred})."
    if report.detected_at and report.aware_at and report.detected_at > report.aware_at and "detected_at" not in errors:
        errors["detected_at"] = (
            f"Detection ({_moment(report.detected_at, zone)}) is after awareness ({_moment(report.aware_at, zone)}): "
            "the provider cannot become aware of an incident before it is detected."
        )
    if report.started_on and report.ended_on and report.ended_on < report.started_on:
        errors["ended_on"] = f"The end ({_day(report.ended_on)}) is before the start ({_day(report.started_on)})."
    if report.started_on and report.resolved_on and report.resolved_on < report.started_on:
        errors["resolved_on"] = (
            f"Resolution ({_day(report.resolved_on)}) is before the start ({_day(report.started_on)})."
        )
    return errors


def check_category(regime: str, category: str) -> dict[str, str]:
    if regime == "ai-act-art73" and category == "cybersecurity":
        return {"category": (
            "A serious cybersecurity breach is a Code of Practice category (measure 9.3); under Article 73 choose "
            "the Art. 3(49) harm: death, health, critical infrastructure, fundamental rights, or property and environment."
        )}
    return {}


def check_submission(report, stage: str, submitted_at: datetime.datetime | None) -> dict[str, str]:
    """Field -> message for a submission that cannot be right."""
    if submitted_at is None or report is None or report.aware_at is None:
        return {}
    if submitted_at < report.aware_at:
        zone = zone_named(report.time_zone)
        return {"submitted_at": (
            f"Submitted ({_moment(submitted_at, zone)}) before the provider became aware "
            f"({_moment(report.aware_at, zone)})."
        )}
    return {}
