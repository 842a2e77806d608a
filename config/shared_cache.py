"""What every web process must see the same, and one render for many readers.

The "shared" cache (config/settings.py) holds the data's generation
(incidents.generations), the rendered public responses
(config.response_cache) and the locks that make one request render while
the others wait. Redis with AIKB_CACHE_URL; otherwise files under the var
folder (`SharedFileCache`), which every process of the one machine of the
embedded set-up reads: per-process memory would let a process answer from a
copy made before another process saved a change.

`fill_once` is the lock: when many readers ask at once for something not
yet cached (the first request after a change, under a spike), one computes
it and the others wait for its result instead of each computing it again.
"""

import logging
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

logger = logging.getLogger(__name__)

SHARED = "shared"
# A render holds its lock at most this long: a process that dies holding it
# leaves it to expire, and a waiter then renders itself.
LOCK_SECONDS = 30
POLL_SECONDS = 0.01


def shared_cache():
    return caches[SHARED]


class SharedFileCache(FileBasedCache):
    """Django's file cache, for what the processes of one machine share.
    `lock()` holds the whole cache against all of them (a file lock), and
    `add` happens under it, so that of two processes adding the same key at
    once only one succeeds (Django's file cache checks, then writes). Expired
    files are swept away, at most once a SWEEP_SECONDS per process, instead
    of piling up until MAX_ENTRIES makes Django delete files at random."""

    SWEEP_SECONDS = 60
    _swept_at = float("-inf")

    @contextmanager
    def lock(self, key=None):
        self._createdir()
        # Not named *.djcache: clear() and culling leave it alone.
        with open(os.path.join(self._dir, "lock"), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key, value, timeout=None, version=None):
        with self.lock(key):
            return super().add(key, value, timeout, version)

    def _cull(self):
        if time.monotonic() - self._swept_at < self.SWEEP_SECONDS:
            return
        self._swept_at = time.monotonic()
        for name in self._list_cache_files():
            try:
                with open(name, "rb") as cache_file:
                    self._is_expired(cache_file)  # deletes it if expired
            except FileNotFoundError:
                pass
        super()._cull()


@dataclass
class Turn:
    """A caller's turn to compute a missing value: it holds the lock (or,
    having waited too long, goes ahead without it) and must `finish`."""

    key: str
    token: str | None

    def finish(self, value=None, timeout: int | None = None) -> None:
        """Store `value` (None: nothing worth keeping) and let the waiters go."""
        store = shared_cache()
        try:
            if value is not None:
                store.set(self.key, value, timeout)
        finally:
            if self.token is not None and store.get(_lock_key(self.key)) == self.token:
                store.delete(_lock_key(self.key))


def _lock_key(key: str) -> str:
    return f"lock:{key}"


_UNREAD = object()


def cached_or_turn(key: str, *, fresh=None, first=_UNREAD, wait_seconds: float = LOCK_SECONDS):
    """(value, None) when the shared cache holds a usable value under `key`
    or comes to hold one while waiting for the caller whose turn it is;
    (None, Turn) when it is this caller's turn to compute it. Usable: not
    None and, if `fresh` is given, `fresh(value)` (made from the current
    data). `first` is what the caller already read under `key`, to save a
    read.

    Of the callers that find no usable value at the same time, one gets the
    turn (a lock in the shared cache); the others wait for its value, so a
    burst of first requests costs one computation. When the computing
    caller finishes with nothing to keep (an error page), the next waiter
    gets the turn; a waiter that waits longer than `wait_seconds` takes a
    turn of its own."""
    store = shared_cache()

    def usable(value):
        return value is not None and (fresh is None or fresh(value))

    value = store.get(key) if first is _UNREAD else first
    if usable(value):
        return value, None
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    while not store.add(_lock_key(key), token, LOCK_SECONDS):
        time.sleep(POLL_SECONDS)
        value = store.get(key)
        if usable(value):
            return value, None
        if time.monotonic() > deadline:
            logger.warning("Waited %.0f s for another render of %s; rendering here too.", wait_seconds, key)
            return None, Turn(key, None)
    # The lock was free: perhaps because its holder just stored the value.
    value = store.get(key)
    if usable(value):
        Turn(key, token).finish()
        return value, None
    return None, Turn(key, token)


def fill_once(key: str, compute, *, timeout: int, fresh=None, first=_UNREAD, wait_seconds: float = LOCK_SECONDS):
    """The usable value cached under `key`, or `compute()`'s, computed by
    one caller of a burst (see `cached_or_turn`). `compute` returns (value,
    keep): a value not to keep is handed to its caller only. Returns
    (value, computed_here)."""
    value, turn = cached_or_turn(key, fresh=fresh, first=first, wait_seconds=wait_seconds)
    if turn is None:
        return value, False
    kept = None
    try:
        value, keep = compute()
        kept = value if keep else None
    finally:
        turn.finish(kept, timeout)
    return value, True
