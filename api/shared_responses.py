"""The API's public answers from the shared response cache
(config.response_cache), for the viewsets of the public data.

Unlike pages, an API answer is looked up after authentication, permissions
and the rate limits have run (the end of `initial`): a cached answer is
cheap, but an anonymous client's requests still count against its rate.
The answer varies on Accept (JSON, CSV, BibTeX, CSL-JSON; `?format=` is
part of the address) and keeps the ETag and Last-Modified that
api.conditional gave it when it was rendered.
"""

from config.response_cache import begin, is_anonymous_read, private


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
    _shared_rendering = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A streamed export is never kept (api.exports): no lookup, no render lock.
        if not is_anonymous_read(request._request) or getattr(self, "action", None) == "export":
            return
        kept, self._shared_rendering = begin(request._request, self.shared_response_vary)
        if kept is not None:
            raise _SharedHit(kept)

    def handle_exception(self, exc):
        if isinstance(exc, _SharedHit):
            exc.response._shared_hit = True
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(response, "_shared_hit", False):
            return response  # headers and conditional answer as stored
        rendering, self._shared_rendering = self._shared_rendering, None
        if rendering is None:
            response = super().finalize_response(request, response, *args, **kwargs)
            if request.method in ("GET", "HEAD") and response.status_code == 200:
                private(response)
            return response
        try:
            response = super().finalize_response(request, response, *args, **kwargs)
        except BaseException:
            rendering.turn.finish()
            raise
        # Tagged already by api.conditional (its own Last-Modified, or none).
        return rendering.finish(request._request, response, dated=False)
