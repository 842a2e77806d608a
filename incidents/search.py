"""Searching incidents: the stored full-text vector, name matching and the
correction of mistyped words.

Weights: title A, summary B, body C, evidence quotes D. The vector is stored
and GIN-indexed, and refreshed when an incident or its evidence changes, so
searching never computes it per request. It is built with the
`aikb_english` configuration (unaccent, then the English stemmer: "cafe"
finds "café"), and every plain word of a search also matches as a prefix
("crypto" finds "cryptocurrency"). Organisation and AI system names match
despite typos (pg_trgm). When a search matches nothing as typed, its
mistyped words are corrected against the vocabulary of the stored text and
names (`SearchWord`), and the corrected search is run instead, with a
"Showing results for" on the page. pg_trgm and unaccent are required
(migration incidents 0017).
"""

import re

from django.db import connection

from . import generations
from .paging import count_up_to

CONFIG = "aikb_english"

REFRESH_SQL = f"""
UPDATE incidents_incident AS i SET search_vector =
    setweight(to_tsvector('{CONFIG}', coalesce(i.title, '')), 'A')
    || setweight(to_tsvector('{CONFIG}', coalesce(i.summary, '')), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce(i.body, '')), 'C')
    || setweight(to_tsvector('{CONFIG}', coalesce(
        (SELECT string_agg(e.quote, ' ') FROM incidents_evidence AS e WHERE e.incident_id = i.id), ''
    )), 'D')
"""


def _words_of(expression: str) -> str:
    return f"unnest(tsvector_to_array(to_tsvector('simple', unaccent(coalesce({expression}, '')))))"


def _vocabulary_sql(ids=None) -> tuple[str, list]:
    """The INSERT of the vocabulary's words: those of public incidents (all,
    or those of `ids`), of their evidence, and of the names of public
    organisations and AI systems (all, or those of `ids`' incidents);
    unaccented, lower-cased, only letters, 3 to 40 of them. Only what the
    public may see, so that no correction can show a word that only an
    unpublished entry holds (corrected_search checks that a correction
    finds published incidents too). A word of an incident unpublished
    later stays until the next full refresh; that check still holds."""
    from .visibility import hidden_incident_ids, public_organisations, public_systems

    def sql_of(queryset):
        return queryset.order_by().values("pk").query.sql_with_params()

    hidden, hidden_params = sql_of(hidden_incident_ids())
    organisations, organisation_params = sql_of(public_organisations())
    systems, system_params = sql_of(public_systems())
    of_ids = ids is not None
    incident_words = _words_of("i.title || ' ' || i.summary || ' ' || i.body")
    parts = [
        (f"SELECT {incident_words} AS word FROM incidents_incident AS i "
         f"WHERE i.id NOT IN ({hidden})" + (" AND i.id = ANY(%s)" if of_ids else ""), hidden_params),
        (f"SELECT {_words_of('e.quote')} FROM incidents_evidence AS e WHERE e.incident_id NOT IN ({hidden})"
         + (" AND e.incident_id = ANY(%s)" if of_ids else ""), hidden_params),
        (f"SELECT {_words_of('o.name')} FROM incidents_organisation AS o WHERE o.id IN ({organisations})"
         + (" AND o.id IN (SELECT organisation_id FROM incidents_incidentorganisation WHERE incident_id = ANY(%s))"
            if of_ids else ""), organisation_params),
        (f"SELECT {_words_of('s.name')} FROM incidents_aisystem AS s WHERE s.id IN ({systems})"
         + (" AND s.id IN (SELECT system_id FROM incidents_incidentsystem WHERE incident_id = ANY(%s))"
            if of_ids else ""), system_params),
    ]
    sql = f"""
        INSERT INTO incidents_searchword (word)
        SELECT DISTINCT word FROM ({" UNION ALL ".join(part for part, _ in parts)}) AS words
        WHERE length(word) BETWEEN 3 AND 40 AND word ~ '^[[:alpha:]]+$'
        ON CONFLICT DO NOTHING
    """
    params = [value for _, part_params in parts for value in [*part_params, *([list(ids)] if of_ids else [])]]
    return sql, params


def refresh_search_vectors(incident_ids=None, *, new_generation: bool = True) -> None:
    """Recompute the search vector of the given incidents (all when None)
    and add their words to the vocabulary (rebuilt whole when None), then
    start a new data generation unless the caller's change starts one after
    this (`new_generation=False`)."""
    with connection.cursor() as cursor:
        if incident_ids is None:
            cursor.execute(REFRESH_SQL)
            cursor.execute("DELETE FROM incidents_searchword")
            cursor.execute(*_vocabulary_sql())
        else:
            ids = sorted(set(incident_ids))
            if ids:
                cursor.execute(REFRESH_SQL + " WHERE i.id = ANY(%s)", [ids])
                cursor.execute(*_vocabulary_sql(ids))
    # Searches now find other things: answers cached for the data before
    # (counts, rankings, the probes below) are no longer read.
    if new_generation:
        generations.invalidate()


MAX_QUERY_LENGTH = 200
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
    """`compute()`, kept for the data's generation (generations.remembered):
    a search asks the same questions of the same data on every page, sort
    and filter, and a repeated search skips them (figures:
    docs/benchmarks.md, 'Why the indexes and query shapes')."""
    return generations.remembered("search", parts, compute)


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


# A word of a search, as the query builder and the corrector see it.
_WORD = re.compile(r"[^\W_]+")
# Shorter words match only as written: "ai" as a prefix would match "aim", "air"...
PREFIX_MIN_LENGTH = 3


def text_query(text: str):
    """The full-text query of a (normalised) search: web-search syntax
    when it uses operators (quotes, OR, -word), else all its words, each
    also as a prefix ("crypto" finds "cryptocurrency"). The list, its
    ranking and the highlighted snippets all use this one query."""
    from django.contrib.postgres.search import SearchQuery

    if uses_search_operators(text):
        return SearchQuery(text, config=CONFIG, search_type="websearch")
    words = _WORD.findall(text)
    raw = " & ".join(f"{word}:*" if len(word) >= PREFIX_MIN_LENGTH else word for word in words)
    return SearchQuery(raw, config=CONFIG, search_type="raw")


# How alike a vocabulary word must be to a mistyped one (pg_trgm similarity).
CORRECTION_SIMILARITY = 0.3
# Candidates tried per mistyped word, best first.
CORRECTION_CANDIDATES = 3


def _unaccented_lower(words: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT unaccent(lower(w)) FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n) ORDER BY n",
                       [words])
        return [row[0] for row in cursor.fetchall()]


def _corrections(words: tuple[str, ...]) -> dict:
    """For each of `words` that is not in the vocabulary, the most similar
    vocabulary words, best first: {"blakmail": ["blackmail", ...]}."""
    plain = _unaccented_lower(list(words))
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM incidents_searchword WHERE word = ANY(%s)", [plain])
        known = {row[0] for row in cursor.fetchall()}
        found = {}
        for word, key in zip(words, plain):
            if key in known or len(key) < PREFIX_MIN_LENGTH or not key.isalpha():
                continue
            cursor.execute(
                "SELECT word FROM incidents_searchword WHERE word %% %s AND similarity(word, %s) >= %s "
                "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
                [key, key, CORRECTION_SIMILARITY, key, CORRECTION_CANDIDATES],
            )
            candidates = [row[0] for row in cursor.fetchall()]
            if candidates:
                found[word] = candidates
    return found


def corrected_search(queryset, text: str) -> str | None:
    """The search to run instead of `text` when `text` finds nothing in
    `queryset`: its mistyped words replaced by the most similar words of the
    vocabulary that make it find something in `queryset` ("blakmail" ->
    "blackmail"); None when `text` finds something, has operators, or no
    correction finds anything. Only corrections that find incidents of
    `queryset` are offered, so the vocabulary's words of unpublished
    entries never show on a public page."""
    text = normalise_query(text)
    if not text or uses_search_operators(text) or _finds_anything(queryset, text):
        return None
    words = tuple(dict.fromkeys(_WORD.findall(text)))
    if not words:
        return None
    corrections = _remembered(("corrections", words), lambda: _corrections(words))
    if not corrections:
        return None
    # The best candidate for every word first; then, one word at a time,
    # its next candidates.
    tries = [{word: options[0] for word, options in corrections.items()}]
    for word, options in corrections.items():
        tries += [{**tries[0], word: option} for option in options[1:]]
    for replacements in tries:
        candidate = _WORD.sub(lambda match: replacements.get(match.group(0), match.group(0)), text)
        if _finds_anything(queryset, candidate):
            return candidate
    return None


def _finds_anything(queryset, text: str) -> bool:
    """Whether `text` finds an incident of `queryset`, by its words or by a
    name (a name linked only to unpublished incidents finds nothing)."""
    if _has_rows(queryset.filter(search_vector=text_query(text))):
        return True
    names = _name_matches(text)
    return bool(names) and _has_rows(queryset.filter(pk__in=names[0].union(*names[1:], all=True)))


def search_incidents(queryset, text: str, correct: bool = True):
    """Filter and rank incidents for a search: full text over the stored
    vector (web-search syntax: quotes, OR, -word; plain words also as
    prefixes), plus trigram matching of organisation and system names, so
    typos such as "alibba" still find Alibaba. When nothing matches and
    `correct`, the corrected search (`corrected_search`) is run instead.
    Adds a `rank` annotation; the caller orders by it. The web pages and
    the API both call this, so their ranking is the same (the API runs the
    words as given: a script must get what it asked for)."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F, FloatField, Value
    from django.db.models.functions import Coalesce

    text = normalise_query(text)
    if not text:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    query = text_query(text)
    matching = queryset.filter(search_vector=query)
    rank = SearchRank(F("search_vector"), rank_query(query))
    text_found = matching.annotate(rank=rank)
    if uses_search_operators(text):
        return text_found
    if correct and not _finds_anything(queryset, text):
        corrected = corrected_search(queryset, text)
        if corrected:
            return search_incidents(queryset, corrected, correct=False)
        # Known to find nothing: a condition the primary key's index answers
        # at once (asked for the first rows of the words' condition,
        # PostgreSQL would bet on a match early in a scan of every row).
        # Not .none(): the facets and caches compile it to SQL.
        return queryset.filter(pk__isnull=True).annotate(rank=Value(0.0, output_field=FloatField()))
    names = _name_matches(text)
    if not names:
        # The usual case: one condition on the stored vector, which the
        # planner serves from the GIN index (rare words) or one parallel scan
        # that matches and ranks each row together (common words).
        return text_found
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
