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
