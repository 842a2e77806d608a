"""Request rates, and the shared counts that every throttle of the site keeps.

Rates: anonymous clients by address, token clients by user, with a higher
rate for users in the "journalist" group. They come from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (scopes anon, token, journalist),
read at request time so settings overrides apply.

Counts: a limit holds only if every web process sees the same count, so the
counts live in the "throttle" cache (config/settings.py), which all
processes share: Redis with AIKB_CACHE_URL, otherwise files under the var
folder, shared by the processes of the embedded set-up (one machine, as its
filesystem broker already assumes). Not the default cache: what else lives
there (facet counts, search pages) could push counts out, and the default
stays in process memory in the embedded set-up.

A window is read and rewritten under a short lock (a file lock, or an
atomic cache `add`), so that requests served at the same moment by
different processes are all counted: without it two of them read the same
count, and a client gets past the limit by as many requests as it has in
flight.

The client's address: REMOTE_ADDR, or behind trusted reverse proxies
(REST_FRAMEWORK["NUM_PROXIES"]) the address the nearest one appended to
X-Forwarded-For. The rest of that header is written by the client and is
never trusted: otherwise changing it would be a fresh allowance each time.
"""

import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

THROTTLE_CACHE = "throttle"
# A window is locked for a read and a write: milliseconds. A process that
# dies holding the lock leaves it to expire after LOCK_SECONDS; a waiter
# waits longer than that before it goes ahead without the lock.
LOCK_SECONDS = 2
LOCK_WAIT_SECONDS = 3
LOCK_POLL_SECONDS = 0.002
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_address(request) -> str:
    return BaseThrottle().get_ident(request) or "unknown"


@contextmanager
def _locked(cache, key: str):
    """Hold `key` of `cache` for a read and a write: with the cache's own
    lock where it has one (SharedFileCache), else with an atomic `add`
    (Redis, local memory)."""
    if hasattr(cache, "lock"):
        with cache.lock(key):
            yield
        return
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not (held := cache.add(lock, 1, LOCK_SECONDS)):
        if time.monotonic() > deadline:
            logger.warning("Throttle lock %s still held after %s s; counting without it.", lock, LOCK_WAIT_SECONDS)
            break
        time.sleep(LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        if held:
            cache.delete(lock)


@dataclass(frozen=True)
class Claim:
    """One event's place in a window: granted and recorded at `at`, or
    refused (nothing recorded) for `wait` seconds."""

    granted: bool
    at: float
    wait: float = 0.0


@dataclass(frozen=True)
class SlidingWindow:
    """At most `limit` events in any `seconds` for each identity of `scope`."""

    scope: str
    limit: int
    seconds: int

    def _key(self, ident: str) -> str:
        # Hashed: identities hold usernames and addresses of any length.
        return f"{self.scope}:{hashlib.sha256(ident.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"

    def _recent(self, cache, key: str, now: float) -> list[float]:
        return [t for t in cache.get(key, []) if t > now - self.seconds]

    def _wait(self, recent: list[float], now: float) -> float | None:
        if len(recent) < self.limit:
            return None
        oldest_that_counts = recent[-self.limit] if self.limit > 0 else now
        return oldest_that_counts + self.seconds - now

    def claim(self, ident: str) -> Claim:
        """Record an event for `ident`, unless `limit` events already fall
        within the last `seconds`: then record nothing and say how long
        until the oldest of them leaves the window."""
        cache, key = caches[THROTTLE_CACHE], self._key(ident)
        with _locked(cache, key):
            now = time.time()
            recent = self._recent(cache, key, now)
            wait = self._wait(recent, now)
            if wait is not None:
                return Claim(False, now, wait)
            cache.set(key, [*recent, now], self.seconds)
            return Claim(True, now)

    def release(self, ident: str, claim: Claim) -> None:
        """Take back a granted claim (the attempt turned out not to count)."""
        if not claim.granted:
            return
        cache, key = caches[THROTTLE_CACHE], self._key(ident)
        with _locked(cache, key):
            recent = self._recent(cache, key, time.time())
            if claim.at in recent:
                recent.remove(claim.at)
                cache.set(key, recent, self.seconds)

    def wait(self, ident: str) -> float | None:
        """Seconds until a claim for `ident` would be granted, or None if it
        would be now (a look only: by the time of a claim it may differ)."""
        cache, key = caches[THROTTLE_CACHE], self._key(ident)
        with _locked(cache, key):  # a file cache deletes what it finds expired
            now = time.time()
            return self._wait(self._recent(cache, key, now), now)


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/minute' -> (60, 60), as Django REST framework reads rates."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        # request.auth is the ApiToken that authenticated the request
        # (api/authentication.py), or None.
        token = request.auth
        if getattr(token, "user_id", None) is None:
            scope, ident = "anon", client_address(request)
        else:
            scope = "journalist" if getattr(token, "user_is_journalist", False) else "token"
            ident = str(token.user_id)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if rate is None:
            return True
        limit, seconds = parse_rate(rate)
        claim = SlidingWindow(f"api-rate:{scope}", limit, seconds).claim(ident)
        self.seconds_to_wait = claim.wait
        return claim.granted

    def wait(self):
        return self.seconds_to_wait
