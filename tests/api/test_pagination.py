"""Pages with a capped size, and cursor pagination for stable iteration."""

import pytest

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_default_page_size_and_total(client):
    IncidentFactory.create_batch(27)
    response = client.get("/api/v1/incidents/")
    body = response.json()
    assert body["count"] == 27 and body["count_exact"] is True and len(body["results"]) == 25
    assert body["next"] == "http://testserver/api/v1/incidents/?page=2"
    assert response["X-Total-Count"] == "27"
    assert response["Link"] == '<http://testserver/api/v1/incidents/?page=2>; rel="next"'


@pytest.mark.parametrize("size", ["0", "-1", "ten", "1e3"])
def test_page_size_below_1_or_not_a_number_is_400_naming_it(client, size):
    response = client.get(f"/api/v1/incidents/?page_size={size}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]


def test_the_largest_page_is_100(client):
    IncidentFactory.create_batch(3)
    assert len(client.get("/api/v1/incidents/?page_size=100").json()["results"]) == 3


@pytest.mark.parametrize("ordering", ["-severity", "title", "-reported_on"])
def test_pages_read_ids_first_and_keep_the_order_of_the_list(client, ordering):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IncidentFactory.create_batch(11)
    everything = client.get(f"/api/v1/incidents/?page_size=100&ordering={ordering}").json()["results"]
    paged = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(f"/api/v1/incidents/?page_size=4&page={page}&ordering={ordering}").json()
        paged += [item["public_id"] for item in body["results"]]
        ids_first = [q["sql"] for q in queries if q["sql"].startswith('SELECT "incidents_incident"."id" AS "pk" FROM')]
        # Every page reads its ids alone (later ones with an OFFSET), then its rows by id.
        assert len(ids_first) == 1
    assert paged == [item["public_id"] for item in everything]


def test_a_search_page_reads_its_rows_by_id_without_searching_again(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.search import refresh_search_vectors

    IncidentFactory.create_batch(3, title="A quokka in the logs")
    IncidentFactory(title="Unrelated")
    refresh_search_vectors()
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/incidents/?q=quokka&page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2
    rows = [q["sql"] for q in queries if q["sql"].startswith('SELECT "incidents_incident"."id", ')]
    assert len(rows) == 1 and "@@" not in rows[0]


@pytest.mark.parametrize("page", ["0", "99", "x"])
def test_a_page_that_does_not_exist_is_400_naming_page(client, page):
    IncidentFactory()
    response = client.get(f"/api/v1/incidents/?page={page}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page"]


def test_cursor_pagination_visits_each_item_once_while_items_are_added(client):
    created = IncidentFactory.create_batch(7)
    seen = []
    url = "/api/v1/incidents/?pagination=cursor&page_size=3"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None
        seen += [item["public_id"] for item in body["results"]]
        if pages == 0:
            # An editor publishes new entries mid-sync: the walk neither
            # repeats nor skips what it had not seen yet.
            created += IncidentFactory.create_batch(2)
        url = body["next"]
        if url:
            assert response["Link"].startswith(f"<{url}>")
        pages += 1
    assert sorted(seen) == sorted(i.public_id for i in created)
    assert len(seen) == len(set(seen)) == 9


def test_cursor_links_go_back_and_forth(client):
    IncidentFactory.create_batch(4)
    first = client.get("/api/v1/incidents/?pagination=cursor&page_size=2").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [i["public_id"] for i in back["results"]] == [i["public_id"] for i in first["results"]]


def test_a_forged_cursor_is_400_naming_cursor(client):
    IncidentFactory()
    response = client.get("/api/v1/incidents/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]


def test_unknown_pagination_mode_is_400(client):
    response = client.get("/api/v1/incidents/?pagination=random")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["pagination"]


@pytest.mark.parametrize("resource", ["claims", "evidence", "sources", "metrics", "measurements", "organisations", "systems", "taxonomy"])
def test_every_list_is_paginated_and_capped(client, resource):
    capped = client.get(f"/api/v1/{resource}/?page_size=101")
    assert capped.status_code == 200 and capped.json()["page_size"] == 100 and capped["X-Page-Size"] == "100"
    body = client.get(f"/api/v1/{resource}/?pagination=cursor").json()
    assert set(body) == {"count", "count_exact", "page_size", "next", "previous", "results"}
    assert body["count"] is None and body["count_exact"] is None


@pytest.fixture
def search_limit_of_3(monkeypatch):
    """Searches counted and paged no further than 3 results (10,000 in use)."""
    from incidents.search import refresh_search_vectors

    monkeypatch.setattr("api.views.MAX_LISTED_RESULTS", 3)
    incidents = IncidentFactory.create_batch(5, title="Agent opened a reverse tunnel", body="")
    IncidentFactory(title="Unrelated spreadsheet error", body="")
    refresh_search_vectors()
    return incidents


@pytest.mark.parametrize("as_editor", [False, True], ids=["public, cached", "editor"])
def test_a_search_past_the_limit_is_counted_to_it_and_paged_by_rank_within_it(client, search_limit_of_3, as_editor, django_user_model):
    from django.contrib.auth.models import Permission

    if as_editor:
        editor = django_user_model.objects.create_user("editor")
        editor.user_permissions.add(Permission.objects.get(codename="change_incident"))
        client.force_login(editor)
    first = client.get("/api/v1/incidents/?q=tunnel&page_size=2")
    body = first.json()
    assert body["count"] == 3 and body["count_exact"] is False
    assert "X-Total-Count" not in first  # the header would state a total it does not know
    second = client.get("/api/v1/incidents/?q=tunnel&page_size=2&page=2").json()
    assert len(second["results"]) == 1 and second["next"] is None
    shown = [item["public_id"] for item in body["results"] + second["results"]]
    assert len(set(shown)) == 3
    beyond = client.get("/api/v1/incidents/?q=tunnel&page_size=2&page=3")
    assert beyond.status_code == 400
    message = beyond.json()["errors"]["page"][0]["message"]
    assert "first 3 results" in message and "pagination=cursor" in message
    # Cursor mode reads every match.
    everything, url = [], "/api/v1/incidents/?q=tunnel&page_size=2&pagination=cursor"
    while url:
        page = client.get(url).json()
        everything += [item["public_id"] for item in page["results"]]
        url = page["next"]
    assert sorted(everything) == sorted(incident.public_id for incident in search_limit_of_3)


def test_a_search_within_the_limit_and_a_plain_list_are_counted_exactly(client, search_limit_of_3):
    search = client.get("/api/v1/incidents/?q=spreadsheet")
    assert search.json()["count"] == 1 and search.json()["count_exact"] is True and search["X-Total-Count"] == "1"
    listed = client.get("/api/v1/incidents/?page_size=2")
    assert listed.json()["count"] == 6 and listed.json()["count_exact"] is True and listed["X-Total-Count"] == "6"


def test_a_public_search_is_ranked_once_for_its_count_and_all_its_pages(client, search_limit_of_3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def ranking_queries(url):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).json()
        # The search's own emptiness probe counts to 100; the paginator's count would go to 4.
        return body, [q["sql"] for q in queries if "ts_rank" in q["sql"] or "LIMIT 4)" in q["sql"]]

    first, ranked = ranking_queries("/api/v1/incidents/?q=tunnel&page_size=2")
    assert first["count"] == 3 and first["count_exact"] is False
    # One query ranks the matches up to one past the limit; none counts them apart.
    assert len(ranked) == 1 and ranked[0].endswith("LIMIT 4")
    second, ranked_again = ranking_queries("/api/v1/incidents/?q=tunnel&page_size=2&page=2")
    assert ranked_again == [] and len(second["results"]) == 1
    shown = [item["public_id"] for item in first["results"] + second["results"]]
    assert len(set(shown)) == 3
