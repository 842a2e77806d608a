"""The sources index and the similar-by-text list read through their
indexes at scale: with 10,000 synthetic incidents (15,000 sources), as
`generate_synthetic` leaves them, analysed, the queries are EXPLAINed with
ANALYZE. A sources page walks `source_newest` (not a sort of every source),
its most cited order counts from `evidence_source_incident`, and similar
incidents are found through the search vectors' GIN index, never by ranking
every incident. (The whole-table counts of the other indexes read their
link tables whole by design, once per data generation.)"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from tests.web.test_query_plans import _plan, _queries_of

pytestmark = pytest.mark.django_db(transaction=True)

SYNTHETIC_INCIDENTS = 10_000


def plans_of(client, url) -> list[tuple[str, str]]:
    cache.clear()
    return [(sql, _plan(sql, params)) for sql, params in _queries_of(client, url) if sql.lstrip("(").startswith(("SELECT", "WITH"))]


def test_index_pages_and_similar_incidents_use_their_indexes(client):
    call_command("generate_synthetic", incidents=SYNTHETIC_INCIDENTS, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    pages = {
        "/sources/?page=3": "source_newest",
        "/sources/?sort=incidents": "evidence_source_incident",
    }
    for url, index in pages.items():
        plans = plans_of(client, url)
        assert any(index in plan for _, plan in plans), f"{url}: {index} unused\n" + "\n\n".join(p for _, p in plans)
        for sql, plan in plans:
            assert "Seq Scan on incidents_source " not in plan or "COUNT(*)" in sql, f"{url}\n{sql[:300]}\n{plan}"

    from incidents.similar import similar_query
    from incidents.visibility import public_incidents

    for incident in public_incidents().order_by("?")[:5]:
        sql, params = similar_query(incident.pk, [incident.pk])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on incidents_incident" not in plan, plan
        assert "incident_search_gin" in plan, plan
