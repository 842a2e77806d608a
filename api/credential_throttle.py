"""Slowing down the guessing of credentials: API tokens and the admin login.

A client address (and, for the admin, a username) that fails more than
AIKB_AUTH_FAILURE_LIMIT times within AIKB_AUTH_FAILURE_WINDOW_SECONDS gets
429 with Retry-After until its oldest failure leaves the window; it is then
let through again. Counts live in the Django cache (shared across web
processes when AIKB_CACHE_URL points at Redis). Successful requests are never
counted, so ordinary use is unaffected.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.urls import reverse

DEFAULT_LIMIT = 10
DEFAULT_WINDOW_SECONDS = 15 * 60


class FailedAttempts:
    """A sliding window of failure times per identity, kept in the cache."""

    def __init__(self, scope: str):
        self.scope = scope

    @property
    def limit(self) -> int:
        return getattr(settings, "AUTH_FAILURE_LIMIT", DEFAULT_LIMIT)

    @property
    def window(self) -> int:
        return getattr(settings, "AUTH_FAILURE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)

    def _key(self, ident: str) -> str:
        return f"auth-failures:{self.scope}:{ident}"

    def _recent(self, ident: str, now: float) -> list[float]:
        return [t for t in cache.get(self._key(ident), []) if t > now - self.window]

    def wait(self, ident: str) -> float | None:
        """Seconds until `ident` may try again, or None if it may try now."""
        now = time.time()
        recent = self._recent(ident, now)
        if len(recent) < self.limit:
            return None
        return max(1.0, recent[-self.limit] + self.window - now)

    def record(self, ident: str) -> None:
        now = time.time()
        recent = self._recent(ident, now)[-(self.limit * 2):]
        cache.set(self._key(ident), [*recent, now], self.window)


token_failures = FailedAttempts("api-token")
login_failures = FailedAttempts("admin-login")


def client_address(request) -> str:
    # REMOTE_ADDR: behind a proxy the proxy's address; set the proxy to pass
    # the client's (e.g. gunicorn --forwarded-allow-ips) for per-client counts.
    return request.META.get("REMOTE_ADDR") or "unknown"


class AdminLoginThrottleMiddleware:
    """Counts failed admin logins per address and per username; over the
    limit, the login form answers 429 before checking the password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path != reverse("admin:login"):
            return self.get_response(request)
        username = str(request.POST.get("username", ""))[:150].strip().lower()
        idents = [f"addr:{client_address(request)}"] + ([f"user:{username}"] if username else [])
        waits = [w for w in (login_failures.wait(i) for i in idents) if w]
        if waits:
            wait = int(max(waits) + 0.999)
            response = JsonResponse(
                {"status": 429, "code": "throttled", "errors": {},
                 "detail": f"Too many failed logins; try again in {wait} seconds."},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        response = self.get_response(request)
        # The admin redirects after a successful login and shows the form
        # again (200) after a failed one.
        if response.status_code == 200:
            for ident in idents:
                login_failures.record(ident)
        return response
