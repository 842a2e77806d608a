"""Conditional GET for API responses: a strong ETag over the exact bytes
sent, a Last-Modified from the newest `updated` time in the body, and 304
for a matching If-None-Match (or, without one, If-Modified-Since)."""

import datetime
import hashlib

from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date


def newest_updated(data):
    """The latest `updated` datetime anywhere in the response data (None if none)."""
    found = []
    _collect_updated(data, 0, found)
    newest = None
    for value in set(found):
        if isinstance(value, str):
            value = _parse(value)
        if isinstance(value, datetime.datetime) and (newest is None or value > newest):
            newest = value
    return newest


def _collect_updated(data, depth: int, found: list) -> None:
    """Append every `updated` time (a datetime or its text) in `data` to
    `found`, down to a depth of four (an item's nested summaries)."""
    if depth > 4:
        return
    if isinstance(data, dict):
        value = data.get("updated")
        if isinstance(value, (str, datetime.datetime)):
            found.append(value)
        children = data.values()
    elif isinstance(data, list):
        children = data
    else:
        return
    for child in children:
        if isinstance(child, (dict, list)):
            _collect_updated(child, depth + 1, found)


def _parse(text: str):
    """An ISO 8601 time as the serialisers write it, by the standard
    library's parser (a hundred of Django's regex parses were a noticeable
    part of a 100-item page's time; figures: docs/benchmarks.md, 'Why the
    indexes and query shapes'); anything else by Django's."""
    if "T" in text:
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            pass
    return parse_datetime(text)


def apply_conditional_get(request, response):
    """Render `response`, tag it, and return a 304 instead when the client's
    copy is current. Only successful GET/HEAD responses are tagged."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
        return response
    patch_vary_headers(response, ["Accept", "Authorization"])
    last_modified = newest_updated(getattr(response, "data", None))
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    timestamp = None
    if last_modified is not None:
        timestamp = int(last_modified.timestamp())
        response["Last-Modified"] = http_date(timestamp)
    return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
