"""Serious-incident reports in templates: the list on an incident's page,
and values written in words (dates in the report's time zone, "not yet
known" for what is missing)."""

import datetime
import re

from django import template

from ..clocks import zone_named
from ..selectors import reports_of_incident

register = template.Library()

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _day(value: datetime.date) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


@register.filter
def in_zone(value, zone_name):
    """A date-time as "11 June 2026, 23:59 CEST" in `zone_name`."""
    if value is None:
        return ""
    local = value.astimezone(zone_named(zone_name))
    return f"{_day(local.date())}, {local:%H:%M} {local.tzname()}"


@register.filter
def duration_words(value: datetime.timedelta | None) -> str:
    if value is None:
        return ""
    days, seconds = value.days, value.seconds
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return ", ".join(parts) or "less than a minute"


@register.filter
def report_value(value, zone_name="UTC") -> str:
    """A document field's value in words."""
    if value is None:
        return "Not yet known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        if ISO_DATETIME.match(value):
            try:
                return in_zone(datetime.datetime.fromisoformat(value), zone_name)
            except ValueError:
                return value
        if ISO_DATE.match(value):
            try:
                return _day(datetime.date.fromisoformat(value))
            except ValueError:
                return value
        return value
    if isinstance(value, list):
        return "; ".join(report_value(item, zone_name) for item in value) or "Not yet known"
    if isinstance(value, dict):
        if "title" in value:
            return f"{value['title']} ({value['url']})" if value.get("url") else value["title"]
        return "; ".join(f"{key.replace('_', ' ')}: {report_value(item, zone_name)}"
                         for key, item in value.items() if item not in (None, "", []))
    return str(value)


@register.inclusion_tag("reporting/_incident_reports.html")
def incident_serious_reports(incident):
    """The incident's serious-incident reports (one query)."""
    return {"incident": incident, "reports": reports_of_incident(incident)}
