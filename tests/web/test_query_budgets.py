"""Each page type runs a fixed number of queries, whatever the data size:
the same budget holds with one incident and with several."""

import pytest

from tests.web.conftest import make_verdict

pytestmark = pytest.mark.django_db

BUDGETS = {
    # Three of them the latest measurements of each key metric shown (KEY_METRICS_SHOWN), one the
    # overview counts of its compact charts (incidents.overview, remembered until the data changes).
    "home": 11,
    "list": 8,
    "search": 10,
    "faceted": 13,
    "filters": 4,
    # With the AI systems each claim is about, those similar by text (incidents.similar)
    # and what changed (editorial.changes: six queries, whatever its length); other
    # databases' ids, causal attributions (their evidence one more when there are
    # some) and the serious-incident reports (reporting_tags), one each.
    "incident": 24,
    "source": 2,
    # An entity's page of incidents reads its ids first, then their rows.
    "organisation": 6,
    "system": 6,  # with the confidence of the claims its measurements bear on
    "taxonomy": 5,
    "metric": 6,
    "feed": 1,
    # The organisation named (incidents.feeds.feed_filter), then the entries.
    "feed-filtered": 2,
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
        "feed-filtered": f"/feeds/incidents.atom?organisation={org.slug}&role={incident.organisation_links.first().role}",
    }


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("page", sorted(BUDGETS))
def test_page_stays_within_its_query_budget(client, many_rich_incidents, django_assert_max_num_queries, page, count):
    incidents = many_rich_incidents(count)
    for incident in incidents:
        make_verdict(incident.claims.first())
    url = page_urls(incidents[0])[page]
    with django_assert_max_num_queries(BUDGETS[page]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 6])
def test_a_search_sent_before_its_filters_are_counted_stays_within_the_search_budget(
    client, many_rich_incidents, django_assert_max_num_queries, monkeypatch, count
):
    monkeypatch.setattr("incidents.selectors.MAX_LISTED_RESULTS", 1)
    url = page_urls(many_rich_incidents(count)[0])["search"]
    with django_assert_max_num_queries(BUDGETS["search"]):
        response = client.get(url)
    assert b"data-facets-src" in response.content


def test_a_search_counts_its_results_from_their_ranked_list(client, many_rich_incidents, monkeypatch):
    """A search whose filters are fetched after the page reads its matches
    once: its ranked list (cached) gives the page and the total, with no
    count of the matches beside it (it read them all a second time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.search import search_incidents
    from incidents.visibility import public_incidents

    monkeypatch.setattr("incidents.selectors.FACETS_WITH_PAGE_LIMIT", 1)
    many_rich_incidents(6)
    for query, kinds in (("q=tunnel", ["incident", "research-finding", "hazard"]), ("q=tunnel&kind=incident", ["incident"])):
        found = search_incidents(public_incidents().filter(kind__in=kinds), "tunnel").count()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/incidents/?{query}")
        assert b"data-facets-src" in response.content
        assert found > 1 and response.context["search"].total == found
        counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"] and "LIMIT 10001" in q["sql"]]
        assert counts == [], query
