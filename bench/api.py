"""Server time of the REST API on a realistic dataset, against a plain
psycopg baseline.

Fills the benchmark database (bench.database; BENCH_API_INCIDENTS synthetic
incidents, default 10,000), then requests through Django's test client,
in-process (routing, middleware, authentication, throttling, filters,
queries, serialisation, ETag):

- list: /api/v1/incidents/?page_size=100 (first and later pages, facets,
  orderings, cursor mode),
- detail: /api/v1/incidents/<public id>/ (claims, key measurements and
  sources embedded),
- search: /api/v1/incidents/?q=... (ranked like the website),
- broad search: the same for words in nearly every incident (see
  bench.searches), the worst case, without a target.

It prints the median and p95 of each (target p95 under 60 ms), and the same
first list page built by one hand-written SQL query through psycopg plus
json.dumps, as a floor for what any framework could do, with the ratio of
the API's median to it (target: at most 2x). The two are timed in turns,
request by request, so that other load on the machine weighs on both alike.

Every request is uncached: the client carries a session cookie, so the
shared response cache (config.response_cache) hands it a render of its own,
as it does an editor's. What is timed is the work behind a first request
after a change, not a copy.

Run: `python -m bench api` (or `python -m bench.api`). BENCH_API_REQUESTS
sets the requests per kind (default 200).
"""

import json
import os
import random
import statistics
import time

from bench.database import server_version, setup_bench_database
from bench.searches import BROAD_SEARCHES, SEARCHES
from bench.timing import percentile, summary_rows, time_requests

TARGET_P95_MS = 60
TARGET_RATIO = 2.0
PAGE = 100
FACETS = ["kind=incident", "severity=4&severity=5", "year=2024", "setting=evaluation", "has_reproduction=false"]

# The API's first list page, by hand: the same rows, order and nested lists.
BASELINE_SQL = """
SELECT i.public_id, i.title, i.slug, i.kind, i.status, i.severity, i.setting, i.summary,
       i.occurred_on, i.occurred_precision, i.reported_on, i.reported_precision, i.is_published,
       COALESCE((SELECT json_agg(json_build_object('slug', o.slug, 'name', o.name, 'role', io.role)
                                 ORDER BY io.role, o.name)
                 FROM incidents_incidentorganisation io JOIN incidents_organisation o ON o.id = io.organisation_id
                 WHERE io.incident_id = i.id), '[]') AS organisations,
       COALESCE((SELECT json_agg(json_build_object('slug', s.slug, 'name', s.name, 'role', isy.role)
                                 ORDER BY isy.role, s.name)
                 FROM incidents_incidentsystem isy JOIN incidents_aisystem s ON s.id = isy.system_id
                 WHERE isy.incident_id = i.id), '[]') AS systems,
       COALESCE((SELECT json_agg(t.slug) FROM incidents_incident_taxonomy it
                 JOIN incidents_taxonomyterm t ON t.id = it.taxonomyterm_id WHERE it.incident_id = i.id), '[]') AS taxonomy,
       i.has_reproduction,
       i.created, i.updated
FROM incidents_incident i
WHERE i.is_published AND i.merged_into_id IS NULL
ORDER BY i.reported_on DESC NULLS LAST, i.id DESC
LIMIT %s
"""
COUNT_SQL = "SELECT count(*) FROM incidents_incident WHERE is_published AND merged_into_id IS NULL"


def list_urls(rng, count, pages):
    urls = []
    for _ in range(count):
        choice = rng.random()
        if choice < 0.3:
            urls.append(f"/api/v1/incidents/?page_size={PAGE}")
        elif choice < 0.55:
            urls.append(f"/api/v1/incidents/?page_size={PAGE}&page={rng.randint(2, pages)}")
        elif choice < 0.65:
            urls.append(f"/api/v1/incidents/?page_size={PAGE}&pagination=cursor")
        else:
            facets = "&".join(rng.sample(FACETS, rng.randint(1, 2)))
            ordering = rng.choice(["-severity", "-updated", "reported_on"])
            urls.append(f"/api/v1/incidents/?page_size={PAGE}&{facets}&ordering={ordering}")
    return urls


def search_urls(rng, count, terms):
    urls = []
    for _ in range(count):
        url = f"/api/v1/incidents/?page_size={PAGE}&q={rng.choice(terms)}"
        if rng.random() < 0.3:
            url += f"&{rng.choice(FACETS)}"
        urls.append(url)
    return urls


def baseline_page(conn) -> bytes:
    """The first page of 100, as JSON, by one query and json.dumps."""
    with conn.cursor() as cursor:
        cursor.execute(COUNT_SQL)
        total = cursor.fetchone()[0]
        cursor.execute(BASELINE_SQL, [PAGE])
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    body = {"count": total, "next": "?page=2", "previous": None, "results": rows}
    return json.dumps(body, default=str).encode()


def time_baseline(conn, count) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        baseline_page(conn)
        times.append((time.perf_counter() - started) * 1000)
    return times


def time_first_page_against_baseline(client, conn, count) -> tuple[list[float], list[float]]:
    """The API's first page and the baseline's, one after the other, `count` times each."""
    url = f"/api/v1/incidents/?page_size={PAGE}"
    api, baseline = [], []
    for _ in range(count):
        api += time_requests(client, [url])
        baseline += time_baseline(conn, 1)
    return api, baseline


def uncached_client(settings):
    """A test client the shared response cache never answers (see the module docstring)."""
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "bench-uncached"
    return client


def main() -> list[tuple]:
    incidents = int(os.environ.get("BENCH_API_INCIDENTS", "10000"))
    requests = int(os.environ.get("BENCH_API_REQUESTS", "200"))
    setup_bench_database(incidents)
    # Timed as a served process is set up (config.wsgi).
    from config.serving import prepare_serving_process

    prepare_serving_process()

    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from incidents.visibility import public_incidents

    rng = random.Random(20251230)
    published = public_incidents().count()
    public_ids = list(public_incidents().order_by("?").values_list("public_id", flat=True)[:requests])
    plans = {
        "list": list_urls(rng, requests, max(2, published // PAGE)),
        "detail": [f"/api/v1/incidents/{public_id}/" for public_id in rng.choices(public_ids, k=requests)],
        "search": search_urls(rng, requests, SEARCHES),
        "broad search": search_urls(rng, requests, BROAD_SEARCHES),
    }
    print(f"{published:,} published incidents; {server_version()}; "
          f"{requests} requests per kind, {PAGE} items per list page")

    # One client makes every request: lift its rate limit for the run.
    unthrottled = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "token": None, "journalist": None}}
    dsn = connection.settings_dict
    rows = []
    with override_settings(REST_FRAMEWORK=unthrottled), psycopg.connect(
        host=dsn["HOST"] or None, port=dsn["PORT"] or None, dbname=dsn["NAME"],
        user=dsn["USER"] or None, password=dsn["PASSWORD"] or None,
    ) as conn:
        client = uncached_client(settings)
        probe = client.get(f"/api/v1/incidents/?page_size={PAGE}")
        if "X-Cache" in probe:
            raise SystemExit("The shared response cache answered the benchmark's client: it would time copies.")
        for urls in plans.values():  # warm connections, caches and code paths
            time_requests(client, urls[:10])
        for name, urls in plans.items():
            target = None if name == "broad search" else TARGET_P95_MS
            rows += summary_rows(name, time_requests(client, urls), target, width=12)
        time_first_page_against_baseline(client, conn, 10)
        api, baseline = time_first_page_against_baseline(client, conn, requests)

    api_first, base_median, base_p95 = statistics.median(api), statistics.median(baseline), percentile(baseline, 0.95)
    ratio = api_first / base_median if base_median else float("nan")
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"first list page: API median {api_first:.1f} ms (p95 {percentile(api, 0.95):.1f} ms); "
          f"plain psycopg + json median {base_median:.1f} ms (p95 {base_p95:.1f} ms); "
          f"ratio {ratio:.2f}x, target at most {TARGET_RATIO:g}x: {verdict}")
    rows.append(("first list page, API median", f"{api_first:.1f}", "ms", ""))
    rows.append(("same page, psycopg + json median", f"{base_median:.1f}", "ms", "baseline"))
    rows.append(("API / baseline", f"{ratio:.2f}", "x", f"<= {TARGET_RATIO:g}"))
    return rows


if __name__ == "__main__":
    main()
