"""Public responses, rendered once per change and served to every anonymous
reader at about the cost of a file.

Anonymous readers of a published page all get the same bytes, so a page, a
feed or an API answer that its view marks shareable (`shared_response`, or
`SharedResponseMixin` on the API's viewsets) is kept in the shared cache
(config.shared_cache) and answered from there. Its key holds:

- the address (scheme, host, path and query string),
- the representation: the request headers the view says it varies on
  (the API and the feeds: Accept),
- the code's fingerprint, so a deployment of other templates or code is
  never answered from copies that the previous code made;

and a copy is answered only if it was made in the data's current generation
(incidents.generations), so a change saved in any process is never answered
from a copy made before it. The generation and the copy are read together,
in one round trip.

Only requests that can be nobody's in particular are shared: GET or HEAD,
no Authorization header, no session or messages cookie (editors, and a
reader just shown a message, always get their own render). A response is
kept only when it is a 200 that sets no cookie, asks for no privacy in its
Cache-Control, varies on nothing outside the key (a page with a CSRF token
varies on Cookie), and was rendered within one generation. Anything else is
handed to its requester alone.

When many readers ask at once for a response that is not kept yet (the
first requests after a change, under a spike), one renders it and the
others wait for it (config.shared_cache.cached_or_turn): a change causes
one render per representation, not one per reader.

Every shared response carries a strong ETag over its bytes, a Last-Modified
(the start of its generation: the data has not changed since), X-Cache (MISS
for the request that rendered it, HIT for the others), and a Cache-Control
that lets a proxy or CDN in front keep it for RESPONSE_PROXY_SECONDS and
serve it RESPONSE_STALE_SECONDS longer while it asks again, which a
matching If-None-Match answers with a 304. Browsers always ask again
(max-age=0): a change shows on the next reload. docs/operations.md has a
proxy configuration that follows these rules.
"""

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import cc_delim_re, get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

from config.shared_cache import Turn, cached_or_turn
from incidents import generations

MESSAGES_COOKIE = CookieStorage.cookie_name
PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
# Whatever these sources say, the bytes of a page come from them.
FINGERPRINTED_DIRS = ("config", "api", "incidents", "reproductions", "briefings", "editorial", "imports",
                      "releases", "webhooks",
                      "templates", "static")
FINGERPRINTED_SUFFIXES = {".py", ".html", ".txt", ".xml", ".xsl", ".css", ".js", ".svg", ".json"}


def shared_response(view=None, *, vary=()):
    """Mark a view's answers to anonymous readers as the same for all of
    them, apart from the request headers named in `vary`."""

    def mark(view):
        view.shared_response_vary = tuple(vary)
        return view

    return mark(view) if view is not None else mark


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the sources that shape a response (code, templates, static
    files), the same in every process of a deployment, on every machine."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in FINGERPRINTED_DIRS:
        for root, dirs, files in os.walk(base / folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = Path(root, name)
                if path.suffix in FINGERPRINTED_SUFFIXES:
                    digest.update(str(path.relative_to(base)).encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def is_anonymous_read(request) -> bool:
    """A request that can be nobody's in particular (see the module docstring)."""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
    )


def response_key(request, vary: tuple[str, ...]) -> str:
    parts = [
        code_fingerprint(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        [[name.lower(), request.headers.get(name, "")] for name in vary],
    ]
    raw = json.dumps(parts, ensure_ascii=True)
    return "response:" + hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What is kept of a response: enough to answer with the same bytes."""

    generation: int  # of the data it was made from
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str
    last_modified: int | None


def _directives(response) -> set[str]:
    return {part.split("=")[0].strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", "")) if part}


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", "")) if part.strip()}


def is_shareable(request, response, vary: tuple[str, ...]) -> bool:
    """Whether a rendered response may be kept and given to other readers."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (_directives(response) & PRIVATE_DIRECTIVES)
        and _vary(response) <= {name.lower() for name in vary}
    )


def public_cache_control(response) -> None:
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.RESPONSE_PROXY_SECONDS,
        stale_while_revalidate=settings.RESPONSE_STALE_SECONDS,
    )


def strong_etag(content: bytes) -> str:
    """The ETag of a response's exact bytes (pages here, the API in
    api.conditional)."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def tag(response, last_modified: int | None) -> None:
    """A strong ETag over the exact bytes and the Last-Modified given,
    unless the view set its own (the API's are made by api.conditional),
    and the public Cache-Control."""
    if not response.has_header("ETag"):
        response["ETag"] = strong_etag(response.content)
    if last_modified is not None and not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date(last_modified)
    public_cache_control(response)


def stored(response, generation: int) -> Stored:
    last_modified = response.get("Last-Modified")
    return Stored(
        generation=generation,
        status=response.status_code,
        headers=tuple((name, value) for name, value in response.items() if name.lower() != "x-cache"),
        content=response.content,
        etag=response["ETag"],
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
    )


def answer(request, entry: Stored, *, rendered_here: bool):
    """The stored response, or a 304 when the reader's copy is current."""
    response = HttpResponse(entry.content, status=entry.status, headers=dict(entry.headers))
    response["X-Cache"] = "MISS" if rendered_here else "HIT"
    return get_conditional_response(request, etag=entry.etag, last_modified=entry.last_modified, response=response)


def private(response):
    """A response of a shareable view given to one reader only: no proxy
    may keep it (an editor's page, a page with a form's token)."""
    if not _directives(response) & PRIVATE_DIRECTIVES:
        patch_cache_control(response, private=True, no_cache=True)
    return response


@dataclass
class Rendering:
    """This request's turn to render a shareable answer (see `begin`)."""

    turn: Turn
    generation: int
    vary: tuple[str, ...]

    def finish(self, request, response, *, dated: bool = True):
        """Keep `response` if it may be shared, tagged (its Last-Modified the
        start of the generation when `dated` and it has none), let the
        waiters go, and answer with it (a 304 when the reader's copy is
        current); a response not kept goes to this reader alone."""
        keep = None
        try:
            if is_shareable(request, response, self.vary) and generations.current() == self.generation:
                tag(response, last_modified=self.generation // 1_000_000_000 if dated else None)
                keep = stored(response, self.generation)
        finally:
            self.turn.finish(keep, settings.RESPONSE_CACHE_SECONDS)
        if keep is None:
            return private(response) if response.status_code == 200 else response
        response["X-Cache"] = "MISS"
        return get_conditional_response(request, etag=keep.etag, last_modified=keep.last_modified, response=response)


def begin(request, vary: tuple[str, ...]):
    """(the kept answer, None) for an anonymous read of a shareable view,
    or (None, Rendering) when it is this request's turn to render it
    (config.shared_cache.cached_or_turn); the caller must then `finish`."""
    key = response_key(request, vary)
    generation, entry = generations.current_and_shared(key)
    entry, turn = cached_or_turn(key, first=entry, fresh=lambda entry: entry.generation == generation)
    if turn is None:
        return answer(request, entry, rendered_here=False), None
    return None, Rendering(turn, generation, vary)


def render_shared(request, vary: tuple[str, ...], render):
    """Answer an anonymous read of a shareable view: from the shared cache,
    or by `render()` (which returns the full response) when it is this
    request's turn, keeping what may be shared."""
    kept, rendering = begin(request, vary)
    if rendering is None:
        return kept
    try:
        response = render()
    except BaseException:
        rendering.turn.finish()
        raise
    return rendering.finish(request, response)


@functools.lru_cache(maxsize=4096)
def shared_vary(path: str, urlconf: str) -> tuple[str, ...] | None:
    """What the view at `path` varies on if it is marked shareable, else
    None (remembered: a path always resolves to the same view)."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return getattr(match.func, "shared_response_vary", None)


class SharedResponseMiddleware:
    """Serves the shareable views' answers to anonymous readers from the
    shared cache (module docstring). Placed before the session, CSRF and
    message middleware, so that what it keeps is the response as they left
    it, and a hit costs none of their work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        vary = shared_vary(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
        if vary is None:
            return self.get_response(request)
        if not is_anonymous_read(request):
            response = self.get_response(request)
            return private(response) if response.status_code == 200 else response
        return render_shared(request, vary, lambda: self.get_response(request))

