"""Incidents similar by text: shown on an incident's page beside the related
incidents editors linked by hand.

Similarity is read from the stored search vectors (incidents.search), in
one query served by the vectors' GIN index:

1. The incident's own words: the lexemes of its title and summary, title
   words first, then the most repeated, at most WORDS of them; but not
   the words of a large share of all incidents (COMMON, by PostgreSQL's own
   statistics of the column, `pg_stats.most_common_elems`), such as
   "model" or "system".
2. Candidates: public incidents sharing at least two of those words (an
   OR of pairs, which the index answers without reading rows), the
   incident itself and the hand-picked ones left out, at most CANDIDATES;
   and, should they be too few, SHOWN sharing one word.
3. Those sharing two words first, each group ranked by ts_rank of any of
   the words (title words weigh most); the first SHOWN kept.

Public means not among the hidden incidents' ids of incidents.visibility,
as for every read that hangs off incidents. The answer is kept in the
cache for the data's generation (incidents.generations), so only the first
reader after a change waits for it.
"""

from django.db import connection

from . import generations
from .models import Incident
from .visibility import hidden_incident_ids

SHOWN = 5
WORDS = 8
# Ranking reads each candidate's vector; a cap keeps a page fast however
# many incidents share the words.
CANDIDATES = 500
# A word in more than this share of the incidents, and in more than
# COMMON_ROWS of them, is left out: it says little, and reading its entries
# of the index costs as much as the rest together.
COMMON = 0.2
COMMON_ROWS = 2_000

_TABLE = Incident._meta.db_table

# A lexeme as a tsquery operand: quoted, with quotes and backslashes escaped.
_OPERAND = r"'''' || replace(replace({0}, '\', '\\'), '''', '''''') || ''''"

# {hidden}: the hidden incidents' subquery, and the parameters, in order:
# both from similar_query.
SIMILAR_SQL = f"""
WITH common AS (
    SELECT s.lexeme
    FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS s(lexeme, freq)
    WHERE schemaname = current_schema() AND tablename = '{_TABLE}' AND attname = 'search_vector'
      AND s.lexeme IS NOT NULL AND s.freq > {float(COMMON)}
      AND s.freq * (SELECT reltuples FROM pg_class WHERE oid = '"{_TABLE}"'::regclass) > {int(COMMON_ROWS)}
), words AS (
    SELECT w.lexeme, row_number() OVER () AS n
    FROM (
        SELECT u.lexeme
        FROM "{_TABLE}" AS i, unnest(i.search_vector) AS u
        WHERE i.id = %s AND u.weights && ARRAY['A', 'B'] AND length(u.lexeme) > 2
          AND u.lexeme NOT IN (SELECT lexeme FROM common)
        ORDER BY 'A' = ANY(u.weights) DESC, array_length(u.positions, 1) DESC, u.lexeme
        LIMIT {int(WORDS)}
    ) AS w
), query AS (
    SELECT
        (SELECT string_agg({_OPERAND.format("lexeme")}, ' | ') FROM words)::tsquery AS any_word,
        coalesce(
            (SELECT string_agg('(' || {_OPERAND.format("a.lexeme")} || ' & ' || {_OPERAND.format("b.lexeme")} || ')', ' | ')
             FROM words AS a JOIN words AS b ON a.n < b.n),
            (SELECT string_agg({_OPERAND.format("lexeme")}, ' | ') FROM words)
        )::tsquery AS two_words
)
SELECT c.public_id, c.title
FROM (
    (SELECT i.id, i.public_id, i.title, i.search_vector, TRUE AS two
     FROM "{_TABLE}" AS i, query
     WHERE i.search_vector @@ query.two_words
       AND i.id NOT IN ({{hidden}})
       AND i.id <> ALL(%s)
     LIMIT {int(CANDIDATES)})
    UNION ALL
    (SELECT i.id, i.public_id, i.title, i.search_vector, FALSE
     FROM "{_TABLE}" AS i, query
     WHERE i.search_vector @@ query.any_word AND NOT i.search_vector @@ query.two_words
       AND i.id NOT IN ({{hidden}})
       AND i.id <> ALL(%s)
     LIMIT {int(SHOWN)})
) AS c, query
ORDER BY c.two DESC, ts_rank(c.search_vector, query.any_word) DESC, c.id DESC
LIMIT {int(SHOWN)}
"""


def similar_query(incident_id: int, excluded: list[int]) -> tuple[str, list]:
    """SIMILAR_SQL with the hidden incidents' ids in place, and its parameters."""
    hidden_sql, hidden_params = hidden_incident_ids().order_by().query.sql_with_params()
    sql = SIMILAR_SQL.replace("{hidden}", hidden_sql)
    return sql, [incident_id, *hidden_params, excluded, *hidden_params, excluded]


def similar_incidents(incident, exclude=()) -> list[dict]:
    """Up to SHOWN public incidents most like `incident` by text, as
    {"public_id", "title"}, leaving out the incident and the incidents of
    `exclude` (ids: those linked by hand, listed apart)."""
    excluded = sorted({incident.pk, *exclude})

    def compute():
        with connection.cursor() as cursor:
            cursor.execute(*similar_query(incident.pk, excluded))
            return [{"public_id": public_id, "title": title} for public_id, title in cursor.fetchall()]

    return generations.remembered("similar-by-text", (incident.pk, excluded), compute)
