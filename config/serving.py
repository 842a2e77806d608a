"""Set-up of a process that serves web and API requests.

Python's cyclic garbage collector now and then walks every object the
process holds. With Django, DRF and every view loaded that is about 200,000
objects, and one such full collection is added to whichever request
happened to trigger it: it made most of the slowest 5 % of API searches
(figures: docs/benchmarks.md, 'Why the indexes and query shapes'). `gc.freeze()` moves what start-up
loaded (code, URL patterns, serializers, templates' compiled forms) to a
permanent generation that collections skip, as CPython's documentation of
gc.freeze suggests for long-running servers; a collection then walks only
what requests made since.
"""

import gc


def prepare_serving_process() -> None:
    """Load every view now rather than on the first request, then take what
    is loaded out of the collector's walks."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view)
    gc.collect()
    gc.freeze()
