"""Which worker owns a run, held by PostgreSQL rather than by the broker.

A worker holds a session-level advisory lock on the run while it executes
it. The lock lives exactly as long as the worker's database session: when
the worker process dies (SIGKILL, out-of-memory killer), its connection
closes and PostgreSQL releases the lock. So a redelivered task that gets
the lock on a *running* run knows its previous worker is gone and may take
the run over; one that cannot get it knows another worker is alive and
busy with it, and leaves it alone.

(Needs a session-pooled connection: behind a transaction-pooling
pgbouncer, session locks do not hold.)
"""

import time
from contextlib import contextmanager

from django.db import connection

# High 32 bits of the lock key, so run ids do not collide with other users
# of advisory locks in the same database ("AIKB").
NAMESPACE = 0x41494B42
WAIT_POLL_SECONDS = 0.25


def _key(run_id: int) -> int:
    return (NAMESPACE << 32) | (int(run_id) & 0xFFFFFFFF)


def try_lock(run_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(run_id)])
        return bool(cursor.fetchone()[0])


def unlock(run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(run_id)])


@contextmanager
def run_lock(run_id: int, wait_seconds: float = 0.0):
    """Yield True while this session owns the run, False when another live
    session kept it for `wait_seconds`. The wait covers a worker killed a
    moment ago whose session PostgreSQL has not closed yet."""
    deadline = time.monotonic() + wait_seconds
    acquired = try_lock(run_id)
    while not acquired and time.monotonic() < deadline:
        time.sleep(WAIT_POLL_SECONDS)
        acquired = try_lock(run_id)
    try:
        yield acquired
    finally:
        if acquired:
            try:
                unlock(run_id)
            except Exception:  # noqa: BLE001 - a lost connection released it already
                pass
