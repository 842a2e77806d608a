"""Small presentation helpers for the public pages."""

from django import template

from incidents.citations import locator_text
from incidents.confidence import INCIDENT_STATUS_MEANINGS, confidence_of
from incidents.figures import as_of_display, format_bounds, format_value, interval_text, measurement_label
from incidents.licence import LICENCE_NAME, LICENCE_TITLE, LICENCE_URL

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


@register.simple_tag
def licence():
    """{% licence as licence %}: the licence of our text and data (incidents.licence)."""
    return {"name": LICENCE_NAME, "title": LICENCE_TITLE, "url": LICENCE_URL}


@register.filter
def locator(evidence):
    """{{ e|locator }} -> "paragraph 3", "§3.1.4 Safety data": where the quote sits, its kind named once."""
    return locator_text(evidence)


@register.filter
def organisations_once(links):
    """The organisations of an incident's links, each once, in link order: an
    organisation that is both developer and deployer is one name on a card."""
    seen = {}
    for link in links:
        seen.setdefault(link.organisation_id, link.organisation)
    return list(seen.values())


@register.filter
def plural_label(label):
    """A choice label made plural on its head noun: "Paper" -> "Papers",
    "Response from the organisation involved" -> "Responses from the organisation involved"."""
    head, space, rest = str(label).partition(" ")
    lower = head.lower()
    if lower.endswith("is"):
        head = head[:-2] + "es"
    elif lower.endswith(("s", "x", "z", "ch", "sh")):
        head += "es"
    elif lower.endswith("y") and lower[-2:-1] not in tuple("aeiou"):
        head = head[:-1] + "ies"
    else:
        head += "s"
    return head + space + rest


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
