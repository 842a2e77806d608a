"""The API's public answers from the shared response cache
(config.response_cache), for the viewsets of the public data.

Unlike pages, an API answer is looked up after authentication, permissions
and the rate limits have run (the end of `initial`): a cached answer is
cheap, but an anonymous client's requests still count against its rate.
The answer varies on Accept (JSON, CSV, BibTeX, CSL-JSON; `?format=` is
part of the address) and keeps the ETag and Last-Modified that
api.conditional gave it when it was rendered.
"""

from django.conf import settings

from config.response_cache import (
    answer,
    is_anonymous_read,
    is_shareable,
    private,
    public_cache_control,
    response_key,
    stored,
)
from config.shared_cache import cached_or_turn
from incidents import generations


class _SharedHit(Exception):
    """Raised from `initial` to answer from the cache instead of the handler."""

    def __init__(self, response):
        self.response = response


# Answers anonymous GETs from the shared response cache; the one request
# whose turn it is renders and stores (see the module docstring). A comment,
# not a docstring: drf-spectacular describes every operation of a viewset
# with the first docstring up its classes, and the published schema keeps
# the one it had.
class SharedResponseMixin:

    shared_response_vary = ("Accept", "Authorization")
    _shared_turn = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        django_request = request._request
        if not is_anonymous_read(django_request):
            return
        key = response_key(django_request, self.shared_response_vary)
        generation, entry = generations.current_and_shared(key)
        entry, turn = cached_or_turn(key, first=entry, fresh=lambda entry: entry.generation == generation)
        if turn is None:
            raise _SharedHit(answer(django_request, entry, rendered_here=False))
        self._shared_turn, self._shared_generation = turn, generation

    def handle_exception(self, exc):
        if isinstance(exc, _SharedHit):
            exc.response._shared_hit = True
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(response, "_shared_hit", False):
            return response  # headers and conditional answer as stored
        turn, self._shared_turn = self._shared_turn, None
        if turn is None:
            response = super().finalize_response(request, response, *args, **kwargs)
            if request.method in ("GET", "HEAD") and response.status_code == 200:
                private(response)
            return response
        keep = None
        try:
            response = super().finalize_response(request, response, *args, **kwargs)
            if (
                response.status_code == 200
                and is_shareable(request._request, response, self.shared_response_vary)
                and generations.current() == self._shared_generation
            ):
                public_cache_control(response)
                keep = stored(response, self._shared_generation)
                response["X-Cache"] = "MISS"
        finally:
            turn.finish(keep, settings.RESPONSE_CACHE_SECONDS)
        if keep is None and response.status_code == 200:
            private(response)
        return response
