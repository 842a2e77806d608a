"""Small presentation helpers for the public pages."""

from django import template

from incidents.charts import format_bounds, format_value, measurement_label

register = template.Library()


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
