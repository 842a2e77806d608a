"""Every filter and sort that the incident list and the API offer is served
by an index: with a few thousand synthetic incidents, vacuumed and
analysed as `generate_synthetic` leaves them, each request's queries are
EXPLAINed (and run, with ANALYZE) and none reads a big table whole (no
sequential scan), nor walks an index past thousands of rows it then drops
(as the date order did for an early year: occurrence and report dates go
together, so the planner's guess that a year's incidents are spread evenly
along the order was wrong by a hundredfold).

Filter values are the selective ones (one organisation among many, the
rarest kind, a word only one incident uses): a value that matches most incidents is rightly read by a
sequential scan. One exception: a search for a name ("claude", linked to
a seventh of the incidents) with the commonest kind, which read the whole
table for the report dates it sorts by, now in the facets index. The facet
counts (`WITH m AS MATERIALIZED ...`) are left out: they count every value of every facet under the other facets, so
reading the link tables whole is their plan; bench/web.py times them.
"""

import re

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

# Below about 10,000, PostgreSQL rightly reads the smaller link tables whole.
SYNTHETIC_INCIDENTS = 10_000
# Tables that grow with the incidents. Reproduction runs and verdicts are
# few (each is a GPU run) and are left out.
BIG_TABLES = {
    "incidents_incident",
    "incidents_claim",
    "incidents_evidence",
    "incidents_measurement",
    "incidents_source",
    "incidents_incidentorganisation",
    "incidents_incidentsystem",
    "incidents_incident_taxonomy",
}
SEQUENTIAL_SCAN = re.compile(r"Seq Scan on (\w+)")
ROWS_DROPPED = re.compile(r"Rows Removed by Filter: (\d+)")
# A plan that filters out more rows than this, a quarter of the incidents,
# for one page is walking the wrong index.
MAX_ROWS_DROPPED = SYNTHETIC_INCIDENTS // 4
FACET_COUNTS = "WITH m AS MATERIALIZED"
# A year with another facet is counted and paged from the year index alone,
# which includes the facets (it AND-ed two indexes' bitmaps, then read the
# rows: 37 ms a query at 100,000 incidents, against 7).
INDEX_ONLY_URLS = [
    "/api/v1/incidents/?page_size=100&year=2024&kind=incident&ordering=-updated",
    "/api/v1/incidents/?page_size=100&year=2024&setting=evaluation&ordering=-severity",
]
COUNT_OR_IDS = ('SELECT COUNT(*) AS "__count" FROM "incidents_incident"', 'SELECT "incidents_incident"."id" AS "pk"')


def _filters():
    """Query strings for each offered filter, with selective values."""
    from incidents.models import AISystem, Organisation, TaxonomyTerm
    from reproductions.synthetic import SLUG_PREFIX

    org = Organisation.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug").first().slug
    system = AISystem.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug").first().slug
    term = TaxonomyTerm.objects.order_by("slug").first().slug
    shared = [
        "kind=hazard", "status=disputed", "severity=5", "setting=evaluation", "year=2021", "year=2018",
        "year=2018&year=2020",
        f"organisation={org}", f"system={system}", f"taxonomy={term}", "reproduction=yes",
        f"kind=hazard&severity=5&organisation={org}", "q=quokka", "q=quokka severity", "q=AIKB-2021-0001",
        "q=claude&kind=incident",
    ]
    web = shared + ["sort=severity", "sort=date&q=quokka", "severity=5&page=3"]
    api = shared + [
        "has_reproduction=true", "updated_since=2100-01-01T00:00:00Z",
        *(f"ordering={sign}{field}" for field in ("reported_on", "occurred_on", "updated", "created", "severity",
                                                  "title", "public_id") for sign in ("", "-")),
        "kind=hazard&ordering=-severity", "severity=4&severity=5&has_reproduction=false", "page=5", "year=2025&ordering=reported_on", "year=2018&ordering=-updated",
        "year=2025&ordering=occurred_on", "year=2018&ordering=-occurred_on", "year=2018&ordering=-reported_on",
    ]
    return [f"/incidents/?{query}" for query in web] + [f"/api/v1/incidents/?page_size=100&{query}" for query in api]


def _queries_of(client, url):
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        response = client.get(url)
    assert response.status_code == 200, url
    return captured


def _plan(sql, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_no_offered_filter_or_sort_reads_a_big_table_whole_or_walks_past_its_rows(client):
    from django.core.cache import cache

    from incidents.search import refresh_search_vectors
    from tests.factories import IncidentFactory

    rare = IncidentFactory(title="A quokka in the training logs")
    refresh_search_vectors([rare.pk])
    call_command("generate_synthetic", incidents=SYNTHETIC_INCIDENTS, verbosity=0)
    urls = _filters()
    failures, explained = [], 0
    for url in urls:
        cache.clear()
        for sql, params in _queries_of(client, url):
            if sql.startswith(FACET_COUNTS) or not sql.lstrip("(").startswith("SELECT"):
                continue
            plan = _plan(sql, params)
            explained += 1
            scanned = sorted(set(SEQUENTIAL_SCAN.findall(plan)) & BIG_TABLES)
            if scanned:
                failures.append(f"{url}: {', '.join(scanned)} read whole by\n  {sql[:300]}\n{plan}")
            dropped = max(map(int, ROWS_DROPPED.findall(plan)), default=0)
            if dropped > MAX_ROWS_DROPPED:
                failures.append(f"{url}: {dropped} rows read and dropped by\n  {sql[:300]}\n{plan}")
    assert explained > 3 * len(urls)
    for url in INDEX_ONLY_URLS:
        cache.clear()
        for sql, params in _queries_of(client, url):
            if sql.startswith(COUNT_OR_IDS):
                plan = _plan(sql, params)
                if "Index Only Scan" not in plan or "Heap Blocks" in plan:
                    failures.append(f"{url}: incident rows read to count or page by\n  {sql[:300]}\n{plan}")
    assert not failures, "\n\n".join(failures)
