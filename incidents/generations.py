"""The data's generation: what cached reads of the public data are keyed on.

Counts, ranked result lists and pages' ids are cached under a key that
includes the current generation (`generation_key`). Any change to the data
they are read from starts a new generation (`invalidate`), so a change is
never answered from the cache: on save, and again when the transaction
commits, since until then other processes still read the old data and what
they cache meanwhile carries the first new generation. Outside a
transaction the change is committed already, and once is enough.

Which changes count is declared once: each app connects its own models in
its AppConfig.ready() with `follow` (incidents' models here, verdicts in
reproductions). Bulk writes that skip signals (synthetic data, raw SQL) call
`invalidate` themselves, or show within CACHE_SECONDS. With the per-process
cache of the embedded set-up other processes see a change within that time;
with the shared Redis cache (AIKB_CACHE_URL), at once.
"""

import hashlib
import json
import time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

CACHE_SECONDS = 60
_KEY = "incidents:facets:generation"


def current() -> int:
    generation = cache.get(_KEY)
    if generation is None:
        cache.add(_KEY, time.time_ns(), None)
        generation = cache.get(_KEY)
    return generation


def _new() -> None:
    cache.set(_KEY, time.time_ns(), None)


def invalidate(**kwargs) -> None:
    """Start a new generation now, and again when the transaction commits."""
    _new()
    if connection.in_atomic_block:
        transaction.on_commit(_new)


def generation_key(*parts) -> str:
    """A cache key for something read from the data: it changes with the
    generation, so a change to the data is never answered from the cache."""
    raw = json.dumps([current(), *parts], ensure_ascii=True, default=str)
    return "incidents:facets:" + hashlib.sha256(raw.encode()).hexdigest()


def follow(*models, through=()) -> None:
    """Start a new generation whenever one of `models` is saved or deleted,
    or a many-to-many `through` table changes (called from AppConfig.ready)."""
    for model in models:
        uid = f"generation-{model._meta.label}"
        post_save.connect(invalidate, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(invalidate, sender=model, weak=False, dispatch_uid=uid + "-delete")
    for table in through:
        m2m_changed.connect(invalidate, sender=table, weak=False, dispatch_uid=f"generation-{table._meta.label}")


def remembered(namespace: str, parts, compute):
    """`compute()`, cached under `generation_key(namespace, *parts)` for
    CACHE_SECONDS: the one way a read of the public data is remembered
    (search probes, index and overview counts, similar incidents), so a
    change to the data is never answered from an old copy. `compute` must
    not return None (None means "not cached")."""
    key = generation_key(namespace, *parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value
