"""Conditional GET for API responses: a strong ETag over the exact bytes
sent, a Last-Modified from the newest `updated` time in the body, and 304
for a matching If-None-Match (or, without one, If-Modified-Since)."""

import datetime

from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from config.response_cache import strong_etag

# How deep `updated` is looked for: the page (0), its results (1), an item
# (2), a nested list (3) and its entries (4). Walked level by level rather
# than by a call per node: a 100-item page has hundreds of nested lists and
# summaries.
_DEPTH = 4
_LEAVES = frozenset({str, int, bool, float, type(None)})


def newest_updated(data):
    """The latest `updated` datetime anywhere in the response data, down to
    a depth of four (an item's nested summaries); None if none. Each
    distinct text is parsed once."""
    found = set()
    level = [data]
    for _depth in range(_DEPTH + 1):
        below = []
        for node in level:
            if isinstance(node, dict):
                value = node.get("updated")
                if isinstance(value, (str, datetime.datetime)):
                    found.add(value)
                children = node.values()
            elif isinstance(node, list):
                children = node
            else:
                continue
            # Only containers go down a level: most values are text.
            below += [child for child in children if type(child) not in _LEAVES and isinstance(child, (dict, list))]
        if not below:
            break
        level = below
    newest = None
    for value in found:
        if isinstance(value, str):
            value = _parse(value)
        if isinstance(value, datetime.datetime) and (newest is None or value > newest):
            newest = value
    return newest


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
    etag = strong_etag(response.content)
    response["ETag"] = etag
    timestamp = None
    if last_modified is not None:
        timestamp = int(last_modified.timestamp())
        response["Last-Modified"] = http_date(timestamp)
    return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
