"""The stored full-text search vector of incidents.

Weights: title A, summary B, body C, evidence quotes D. The vector is stored
and GIN-indexed, and refreshed when an incident or its evidence changes, so
searching never computes it per request.
"""

import re

from django.db import connection

from . import generations
from .paging import count_up_to

REFRESH_SQL = """
UPDATE incidents_incident AS i SET search_vector =
    setweight(to_tsvector('english', coalesce(i.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(i.summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce(i.body, '')), 'C')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(e.quote, ' ') FROM incidents_evidence AS e WHERE e.incident_id = i.id), ''
    )), 'D')
"""


def refresh_search_vectors(incident_ids=None) -> None:
    """Recompute the search vector of the given incidents (all when None)."""
    with connection.cursor() as cursor:
        if incident_ids is None:
            cursor.execute(REFRESH_SQL)
        else:
            ids = sorted(set(incident_ids))
            if ids:
                cursor.execute(REFRESH_SQL + " WHERE i.id = ANY(%s)", [ids])
    # Searches now find other things: answers cached for the data before
    # (counts, rankings, the probes below) are no longer read.
    generations.invalidate()


MAX_QUERY_LENGTH = 200
_trigram_by_database: dict[str, bool] = {}


def trigram_available() -> bool:
    """Whether this database has pg_trgm (the embedded pgserver build lacks it;
    see migration incidents 0003)."""
    name = connection.settings_dict["NAME"]
    if name not in _trigram_by_database:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _trigram_by_database[name] = cursor.fetchone() is not None
    return _trigram_by_database[name]


TRIGRAM_WEIGHT = 0.5
# Web-search operators: a quoted phrase, OR, or a word excluded with a minus.
_OPERATORS = re.compile(r'"|(^|\s)-\S|\sOR\s')


def uses_search_operators(text: str) -> bool:
    """Whether `text` asks for a phrase, an alternative or an exclusion;
    fuzzy name matching would then add results the reader ruled out."""
    return bool(_OPERATORS.search(text))


def normalise_query(text: str) -> str:
    """Collapse whitespace, drop control characters and cap the length, so
    any user string (10 kB, odd Unicode) becomes a safe search."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text or "")
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def _remembered(parts, compute):
    """`compute()`, kept in the cache for the data's generation (see
    incidents.facets): a search asks the same questions of the same data on
    every page, sort and filter, and a repeated search skips them
    (figures: docs/benchmarks.md, 'Why the indexes and query shapes')."""
    from django.core.cache import cache

    key = generations.generation_key("search", *parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, generations.CACHE_SECONDS)
    return value


def _similar_names(text: str) -> dict:
    """The ids of organisations and AI systems whose name is trigram-similar
    to `text`, in one query over the two small name tables."""
    from django.db.models import CharField, Value

    from .models import AISystem, Organisation

    def similar(model, table):
        tagged = model.objects.filter(name__trigram_similar=text).annotate(table=Value(table, CharField()))
        return tagged.values_list("table", "pk")

    found = {"organisation": [], "system": []}
    for table, pk in similar(Organisation, "organisation").union(similar(AISystem, "system"), all=True):
        found[table].append(pk)
    return found


def _name_matches(text: str) -> list:
    """The ids (as querysets of `incident_id`) of incidents linked to an
    organisation or AI system whose name is trigram-similar to `text`
    ("alibba" finds Alibaba); empty when no name is similar. The names'
    ids are looked up first (and remembered), and the incidents then come
    from the indexed link tables."""
    from .models import IncidentOrganisation, IncidentSystem

    found = _remembered(("similar-names", text), lambda: _similar_names(text))
    matches = []
    if found["organisation"]:
        matches.append(IncidentOrganisation.objects.filter(organisation_id__in=found["organisation"]))
    if found["system"]:
        matches.append(IncidentSystem.objects.filter(system_id__in=found["system"]))
    return [links.order_by().values("incident_id") for links in matches]


# How many matches the emptiness probe below counts up to.
_PROBE_LIMIT = 100


def _has_rows(queryset) -> bool:
    """Whether `queryset` has any row. Not .exists(): with LIMIT 1 PostgreSQL
    bets on meeting a match early in a sequential scan, and reads the whole
    table when a word matches nothing; a bounded count lets it choose
    the GIN index for rare words and still stop early for common ones. The
    answer is remembered under the query's own SQL."""
    sql, params = queryset.query.sql_with_params()
    return _remembered(("has-rows", sql, params), lambda: count_up_to(queryset, _PROBE_LIMIT) > 0)


def rank_query(query):
    """The query that ranks a search's matches: its words OR-ed together.

    ts_rank scores a query whose top operator is AND (or a phrase) by how
    close its words stand, comparing every position of each word with every
    position of each other: for a search with many matches ("reverse SSH
    tunnel") that took most of the query's time. With OR on top it
    scores each word by how often and where (title, summary, body, quotes)
    it occurs, in one pass, as search engines' default relevance does
    (BM25 has no proximity either). `query || query` is that OR over the
    same words. The matches themselves are still those of `query`: a quoted
    phrase must occur as written, a -word must be absent."""
    return query | query


def search_incidents(queryset, text: str):
    """Filter and rank incidents for a search: full text over the stored
    vector (web-search syntax: quotes, OR, -word), plus trigram matching of
    organisation and system names, so typos such as "alibba" still find
    Alibaba, and of titles when nothing else matched. Adds a `rank`
    annotation; the caller orders by it. The web pages and the API both call
    this, so their ranking is the same."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
    from django.db.models import F, FloatField, Value
    from django.db.models.functions import Coalesce

    text = normalise_query(text)
    if not text:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    query = SearchQuery(text, config="english", search_type="websearch")
    matching = queryset.filter(search_vector=query)
    rank = SearchRank(F("search_vector"), rank_query(query))
    text_found = matching.annotate(rank=rank)
    if not trigram_available() or uses_search_operators(text):
        return text_found
    names = _name_matches(text)
    if not names:
        # The usual case: one condition on the stored vector, which the
        # planner serves from the GIN index (rare words) or one parallel scan
        # that matches and ranks each row together (common words).
        if _has_rows(matching):
            return text_found
        # Nothing matched the words as written: fall back to similar titles,
        # so a typo ("blackmial") still finds something. Word similarity over
        # every title is too slow to run on every search, so only here.
        return queryset.filter(title__trigram_word_similar=text).annotate(
            rank=TrigramWordSimilarity(text, "title") * TRIGRAM_WEIGHT
        )
    # A name matched: the incidents are one set of ids, those matching the
    # words and those linked to the names, each read through its own index.
    # (OR-ing the raw conditions tested every row's vector; OR-ing two id
    # sets still read the whole table.)
    # When no incident has the words ("claude" names AI systems only), every
    # rank is 0: ranking thousands of linked incidents read each one's
    # vector for nothing, so the order is the list's own.
    Incident = queryset.model
    if not _has_rows(matching):
        return queryset.filter(pk__in=names[0].union(*names[1:], all=True)).annotate(
            rank=Value(0.0, output_field=FloatField())
        )
    text_matches = Incident.objects.filter(search_vector=query).order_by().values("pk")
    return queryset.filter(pk__in=text_matches.union(*names, all=True)).annotate(
        rank=Coalesce(rank, Value(0.0), output_field=FloatField())
    )
