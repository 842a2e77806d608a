"""Small presentation helpers for the public pages."""

from django import template

from incidents.confidence import INCIDENT_STATUS_MEANINGS, confidence_of
from incidents.figures import as_of_display, format_bounds, format_value, interval_text, measurement_label

register = template.Library()


@register.filter
def confidence(claim):
    """{% with c=claim|confidence %}: the claim's level on the confidence ladder and its basis."""
    return confidence_of(claim)


@register.filter
def incident_status_meaning(status):
    return INCIDENT_STATUS_MEANINGS.get(status, "")


@register.filter
def metric_interval(measurement):
    """The interval shown beside a value: "90.2%–98.4% (Wilson, from n)" when computed here."""
    return interval_text(measurement)


@register.filter
def as_of(measurement):
    """The measurement's date at its precision: "2026", not "1 Jan 2026"."""
    return as_of_display(measurement)


@register.filter
def metric_value(measurement):
    """{{ measurement|metric_value }} -> "96%", "2,000:1"."""
    return format_value(measurement.value, measurement.metric.unit)


@register.filter
def metric_bounds(measurement):
    return format_bounds(measurement.lower, measurement.upper, measurement.metric.unit)


@register.filter
def subject(measurement):
    """What a measurement is of: "Claude Opus 4 (5-model panel)" or "All systems"."""
    return measurement_label(measurement)


@register.filter
def slug_class(value):
    """A CSS class fragment from a choice value, e.g. "not-reproduced"."""
    return "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in str(value).lower())


WEB_SCHEMES = ("http", "https")


@register.filter
def web_url(value):
    """The address if it is an http(s) URL, else "": an editor's typo or a
    `javascript:`/`data:` address must never become a link."""
    from urllib.parse import urlsplit

    text = str(value or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    # Browsers drop tabs and newlines inside URLs, so "java\tscript:" is a scheme too.
    if scheme not in WEB_SCHEMES or any(ch in text for ch in "\t\r\n\x00"):
        return ""
    return text
