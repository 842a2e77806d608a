"""Each page type runs a fixed number of queries, whatever the data size:
the same budget holds with one incident and with several."""

import pytest

from incidents.search import trigram_available
from tests.web.conftest import make_verdict

pytestmark = pytest.mark.django_db

BUDGETS = {
    "home": 10,  # three of them the latest measurements of each key metric shown (KEY_METRICS_SHOWN)
    "list": 8,
    "search": 10,
    "faceted": 13,
    "filters": 4,
    "incident": 13,
    "source": 2,
    "organisation": 5,
    "system": 4,
    "taxonomy": 4,
    "metric": 6,
    "feed": 1,
}


def page_urls(incident):
    org = incident.organisations.first()
    return {
        "home": "/",
        "list": "/incidents/",
        "search": "/incidents/?q=tunnel",
        "faceted": f"/incidents/?q=tunnel&kind=incident&severity=3&year=2025&reproduction=yes&organisation={org.slug}"
        f"&system={incident.systems.first().slug}&taxonomy={incident.taxonomy.first().slug}",
        "filters": f"/incidents/filters/?q=tunnel&kind=incident&organisation={org.slug}",
        "incident": incident.get_absolute_url(),
        "source": incident.evidence.first().source.get_absolute_url(),
        "organisation": org.get_absolute_url(),
        "system": incident.systems.first().get_absolute_url(),
        "taxonomy": incident.taxonomy.first().get_absolute_url(),
        "metric": incident.measurements.first().metric.get_absolute_url(),
        "feed": "/feeds/incidents.atom",
    }


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("page", sorted(BUDGETS))
def test_page_stays_within_its_query_budget(client, many_rich_incidents, django_assert_max_num_queries, page, count):
    incidents = many_rich_incidents(count)
    for incident in incidents:
        make_verdict(incident.claims.first())
    url = page_urls(incidents[0])[page]
    # Whether pg_trgm exists is looked up once per process and database, not per request.
    trigram_available()
    with django_assert_max_num_queries(BUDGETS[page]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 6])
def test_a_search_sent_before_its_filters_are_counted_stays_within_the_search_budget(
    client, many_rich_incidents, django_assert_max_num_queries, monkeypatch, count
):
    monkeypatch.setattr("incidents.selectors.MAX_LISTED_RESULTS", 1)
    url = page_urls(many_rich_incidents(count)[0])["search"]
    trigram_available()
    with django_assert_max_num_queries(BUDGETS["search"]):
        response = client.get(url)
    assert b"data-facets-src" in response.content
