"""A taxonomy term covers its narrower terms: one rule, in one place.

An incident classified under "7.1 AI pursuing its own goals" is an incident
of "7 AI System Safety" too, so a term's page lists the incidents of the
term and of every term below it, a filter on a term matches them, and every
count beside a term is the number of distinct incidents under it (an
incident under two of its children counts once). Editors classify under the
narrowest term that fits; nobody ticks the parent as well.

Terms nest through `parent` to any depth. The subtrees are walked in SQL
(WITH RECURSIVE over the indexed parent key), with UNION rather than UNION
ALL so that a cycle written past `TaxonomyTerm.clean` ends the walk instead
of looping.
"""

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .models import Incident, TaxonomyTerm

_TERMS = TaxonomyTerm._meta.db_table
_LINKS = Incident.taxonomy.through._meta.db_table


def closure_sql(roots: str = "TRUE") -> str:
    """A SELECT of (root_id, term_id): each term meeting `roots` (a condition
    on the term table, aliased `t`) with itself and every term below it."""
    return f"""
        WITH RECURSIVE sub(root_id, term_id) AS (
            SELECT t.id, t.id FROM "{_TERMS}" AS t WHERE {roots}
            UNION
            SELECT sub.root_id, t.id FROM sub JOIN "{_TERMS}" AS t ON t.parent_id = sub.term_id
        )
        SELECT root_id, term_id FROM sub
    """


def subtrees(slugs) -> dict[str, dict]:
    """The terms of `slugs` that exist, each as {"name", "scheme", "ids"}
    where `ids` are its own id and those of every term below it, in one
    query."""
    if not slugs:
        return {}
    sql = f"""
        SELECT root.slug, root.name, root.scheme, array_agg(c.term_id ORDER BY c.term_id)
        FROM ({closure_sql("t.slug = ANY(%s)")}) AS c JOIN "{_TERMS}" AS root ON root.id = c.root_id
        GROUP BY root.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(slugs)])
        return {slug: {"name": name, "scheme": scheme, "ids": ids} for slug, name, scheme, ids in cursor.fetchall()}


def below(term) -> list[TaxonomyTerm]:
    """Every term below `term` (children, their children...), in one query."""
    descendants = RawSQL(f"SELECT term_id FROM ({closure_sql('t.id = %s')}) AS c WHERE term_id <> %s",
                         [term.pk, term.pk])
    return list(TaxonomyTerm.objects.filter(pk__in=descendants).order_by("code", "name"))


def links_under(term_ids):
    """The incident-term link rows of the terms `term_ids` (a term and the
    terms below it, from `subtrees` or `below`)."""
    return Incident.taxonomy.through.objects.filter(taxonomyterm_id__in=list(term_ids))


def rolled_up_counts_sql(incidents_sql: str, roots: str = "TRUE") -> str:
    """A SELECT of (term id, distinct incidents under it) for every term
    meeting `roots` (a condition on the term table, aliased `t`: every term
    by default) with one, counting only the links of incidents whose id
    `incidents_sql` (a condition on the link table, aliased `l`) accepts.
    Parameters: those of `roots`, then those of `incidents_sql`."""
    return f"""
        SELECT pairs.root_id, COUNT(*)
        FROM (
            SELECT DISTINCT c.root_id, l.incident_id
            FROM ({closure_sql(roots)}) AS c JOIN "{_LINKS}" AS l ON l.taxonomyterm_id = c.term_id
            WHERE {incidents_sql}
        ) AS pairs
        GROUP BY pairs.root_id
    """


def under_q(terms) -> Q:
    """Incidents classified under any of `terms` or a term below them (the
    API's taxonomy filter; the web facets use `subtrees` and `links_under`
    to also name and count the terms)."""
    ids = {pk for found in subtrees([term.slug for term in terms]).values() for pk in found["ids"]}
    return Q(pk__in=links_under(sorted(ids)).values("incident_id"))
