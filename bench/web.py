"""Server time of the public pages on a realistic dataset.

Fills the benchmark database (bench.database; BENCH_WEB_INCIDENTS synthetic
incidents, default 10,000, with their claims, sources, evidence and
measurements), then requests the incident list (plain, paged, faceted),
searches (words, phrases, a typo in a name, search plus facets; see
bench.searches), incident pages, and the home and insights pages with the pages of
organisations, AI systems, taxonomy terms and metrics, and the index pages
of each (and of sources), through Django's test client, in-process, so the figure is the
server's own time: URL routing, queries, template rendering, middleware.
Prints the median and p95 per page type, first as a running site sees them
(facet counts cached between data changes) and then with the cache emptied
before every request; the target is a p95 under 150 ms. Every request
renders its page: the shared response cache, which would answer a
repeated address with a copy, keeps nothing here (`bench spike` measures
what it does). The filters of a
search, which the browser fetches after a page too broad to count them
first (over 2,000 matches), and broad searches (words in nearly every
incident, the worst case) are timed apart, without a target.

Run: `python -m bench web` (or `python -m bench.web`). BENCH_WEB_REQUESTS
sets the requests per page type (default 150).
"""

import os
import random

from bench.database import server_version, setup_bench_database
from bench.searches import BROAD_SEARCHES, SEARCHES
from bench.timing import summary_rows, time_requests

TARGET_P95_MS = 150
FACETS = ["kind=incident", "severity=4&severity=5", "year=2024", "setting=evaluation", "reproduction=no"]


def list_urls(rng, count, pages):
    urls = []
    for _ in range(count):
        choice = rng.random()
        if choice < 0.3:
            urls.append("/incidents/")
        elif choice < 0.6:
            urls.append(f"/incidents/?page={rng.randint(2, pages)}")
        else:
            facets = "&".join(rng.sample(FACETS, rng.randint(1, 2)))
            urls.append(f"/incidents/?{facets}&sort={rng.choice(['date', 'severity'])}")
    return urls


def search_urls(rng, count, terms, organisation_slugs):
    urls = []
    for _ in range(count):
        url = f"/incidents/?q={rng.choice(terms)}"
        if rng.random() < 0.3:
            url += f"&{rng.choice(FACETS)}"
        if rng.random() < 0.2 and organisation_slugs:
            url += f"&organisation={rng.choice(organisation_slugs)}"
        urls.append(url)
    return urls


def empty_caches() -> None:
    """As for a first visit after a change: no cached facet counts, page ids
    or rendered Markdown."""
    from django.core.cache import cache

    from incidents.templatetags.markdown_tags import _rendered

    cache.clear()
    _rendered.cache_clear()


def entity_urls(rng, count, entities):
    """The home page, the insights page and the pages of organisations, AI
    systems, taxonomy terms and metrics (`entities`: their addresses), first
    pages and later ones."""
    urls = []
    for _ in range(count):
        choice = rng.random()
        if choice < 0.2:
            urls.append("/")
        elif choice < 0.3:
            urls.append("/insights/")
        else:
            url = rng.choice(entities)
            urls.append(url if rng.random() < 0.7 else f"{url}?page={rng.randint(2, 20)}")
    return urls


INDEX_PAGES = ["/organisations/", "/systems/", "/taxonomy/", "/metrics/", "/sources/"]


def index_urls(rng, count):
    """The index pages of organisations, AI systems, the taxonomy, metrics
    and sources (incidents.indexes): in their default order, by incidents,
    and later pages of the sources."""
    urls = []
    for _ in range(count):
        url = rng.choice(INDEX_PAGES)
        choice = rng.random()
        if choice < 0.3:
            url += "?sort=incidents"
        elif choice < 0.5 and url == "/sources/":
            url += f"?page={rng.randint(2, 200)}"
        urls.append(url)
    return urls


def main() -> list[tuple]:
    incidents = int(os.environ.get("BENCH_WEB_INCIDENTS", "10000"))
    requests = int(os.environ.get("BENCH_WEB_REQUESTS", "150"))
    setup_bench_database(incidents)
    # Timed as a served process is set up (config.wsgi).
    from config.serving import prepare_serving_process

    prepare_serving_process()

    from django.test import Client

    from incidents.models import AISystem, Metric, Organisation, TaxonomyTerm
    from incidents.selectors import MAX_LISTED_RESULTS, PAGE_SIZE
    from incidents.visibility import public_incidents

    rng = random.Random(20251230)
    published = public_incidents().count()
    public_ids = list(public_incidents().order_by("?").values_list("public_id", flat=True)[:requests])
    slugs = list(Organisation.objects.values_list("slug", flat=True)[:50])
    entities = [entity.get_absolute_url() for model in (Organisation, AISystem, TaxonomyTerm, Metric)
                for entity in model.objects.order_by("?")[:10]]
    plans = {
        "list": list_urls(rng, requests, max(2, min(published, MAX_LISTED_RESULTS) // PAGE_SIZE)),
        "search": search_urls(rng, requests, SEARCHES, slugs),
        "incident": [f"/incidents/{public_id}/" for public_id in rng.choices(public_ids, k=requests)],
        "home and entity": entity_urls(rng, requests, entities),
        "index": index_urls(rng, requests),
        "broad search": search_urls(rng, requests, BROAD_SEARCHES, slugs),
    }
    # A search matching more than FACETS_WITH_PAGE_LIMIT incidents is sent
    # before its filters are counted; the browser then fetches them: timed apart.
    plans["search filters (fetched after the page)"] = [
        "/incidents/filters/?" + url.split("?", 1)[1] for url in plans["search"]
    ]
    print(f"{published:,} published incidents; {server_version()}; "
          f"{requests} requests per page type")

    # Renders, as the figures before issue 26: with the shared response
    # cache a repeated address is a copy (its cost is `python -m bench spike`).
    from django.conf import settings

    settings.RESPONSE_CACHE_SECONDS = 0
    client = Client()
    for urls in plans.values():  # warm connections, caches and templates
        time_requests(client, urls[:10])

    rows = []
    for cold in (False, True):
        for name, urls in plans.items():
            is_page = name in ("list", "search", "incident", "home and entity", "index")
            label = f"{name}{' page' if is_page else ''}{' (cold cache)' if cold else ''}"
            times = time_requests(client, urls, before_each=empty_caches if cold else None)
            rows += summary_rows(label, times, TARGET_P95_MS if is_page else None, width=26)
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} on {os.cpu_count()} cores")
    rows.append(("load average at the end", f"{load:.1f}", f"on {os.cpu_count()} cores", ""))
    return rows


if __name__ == "__main__":
    main()
