"""The data's generation: what cached reads of the public data are keyed on.

Counts, ranked result lists and pages' ids are cached under a key that
includes the current generation (`generation_key`). Any change to the data
they are read from starts a new generation (`invalidate`), so a change is
never answered from the cache: on save, and again when the transaction
commits, since until then other processes still read the old data and what
they cache meanwhile carries the first new generation. Outside a
transaction the change is committed already, and once is enough. The
rendered public responses (config.response_cache) are keyed on it too.

Which changes count is declared once: each app connects its own models in
its AppConfig.ready() with `follow` (incidents' models here, verdicts in
reproductions). Bulk writes that skip signals (synthetic data, raw SQL) call
`invalidate` themselves, or show within CACHE_SECONDS. The generation
itself lives in the shared cache (config.shared_cache: Redis, or files that
every process of the embedded set-up reads), so every process sees a
change at once, whichever process saved it.
"""

import hashlib
import json
import time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from config.shared_cache import shared_cache

CACHE_SECONDS = 60
_KEY = "incidents:facets:generation"


def current() -> int:
    """The current generation: the time (ns) it started, an upper bound on
    when the data it covers last changed. A lost key starts a new one, so
    losing it can only make the caches read the data again."""
    store = shared_cache()
    generation = store.get(_KEY)
    if generation is None:
        store.add(_KEY, time.time_ns(), None)
        generation = store.get(_KEY)
    return generation


def current_and_shared(key: str):
    """The current generation and what the shared cache holds under `key`,
    read together (one round trip to Redis): how a public response, kept
    under its address with the generation it was made in, is looked up."""
    found = shared_cache().get_many([_KEY, key])
    generation = found.get(_KEY)
    return (generation if generation is not None else current()), found.get(key)


def _new() -> None:
    # Never earlier than the one it replaces (a clock stepped back).
    store = shared_cache()
    store.set(_KEY, max(time.time_ns(), (store.get(_KEY) or 0) + 1), None)


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
