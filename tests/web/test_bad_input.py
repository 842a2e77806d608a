"""Malformed, hostile or odd requests get a sensible page, a 400 or a 404,
never a 500."""

import pytest

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_exception_pages(client):
    # A view error must fail the test, not be turned into a 500 page.
    client.raise_request_exception = True


@pytest.fixture
def incident(db):
    """One plain published incident: enough for the list page's input handling."""
    return IncidentFactory(title="Agent opened a reverse tunnel")


@pytest.fixture
def entities(rich_incident):
    measurement = rich_incident.measurements.first()
    return {
        "list": "/incidents/",
        "organisation": rich_incident.organisations.first().get_absolute_url(),
        "system": rich_incident.systems.first().get_absolute_url(),
        "taxonomy": rich_incident.taxonomy.first().get_absolute_url(),
        "metric": measurement.metric.get_absolute_url(),
    }


BAD_PAGES = ["abc", "-5", "0", "1.5", "99999999999999999999", "%00", "", "1e3", "%EF%BC%92", "2" * 5000]


@pytest.mark.parametrize("which", ["list", "organisation", "system", "taxonomy", "metric"])
def test_bad_page_numbers_show_a_real_page(client, entities, which):
    for raw in BAD_PAGES:
        response = client.get(f"{entities[which]}?page={raw}")
        assert response.status_code == 200, raw
        assert "Page not found" not in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client, rich_incident):
    page = client.get("/incidents/?page=500").content.decode()
    assert rich_incident.title in page


@pytest.mark.parametrize(
    "query",
    [
        "kind=nonsense",
        "severity=9",
        "severity=abc",
        "severity=-1",
        "year=abc",
        "year=99999",
        "year=-2025",
        "organisation=%3Cscript%3E",
        "organisation=no-such-org",
        "taxonomy=%00",
        "system=" + "a" * 3000,
        "reproduction=maybe",
        "status=%FF%FE",
        "sort=sideways",
        "sort=%00",
        "unknown=1",
    ],
)
def test_unknown_or_malformed_filters_are_ignored_and_said_so(client, incident, query):
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert incident.title in page  # the bad filter did not empty the list
    if not query.startswith("unknown"):
        assert 'class="notice"' in page


def test_a_bad_filter_value_is_escaped_in_the_notice(client, incident):
    page = client.get("/incidents/?organisation=%3Cscript%3Ealert(1)%3C/script%3E").content.decode()
    assert "<script>alert(1)" not in page


def test_a_flood_of_filter_values_is_capped(client, incident):
    query = "&".join(f"organisation=org-{n}" for n in range(500))
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 200
    assert "and 495 more" in response.content.decode()


def test_more_parameters_than_django_accepts_is_a_400_page(client, incident):
    client.raise_request_exception = False
    query = "&".join(f"organisation=org-{n}" for n in range(2000))
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


def test_a_valid_value_survives_beside_invalid_ones(client, incident):
    IncidentFactory(title="A hazard entry", kind="hazard")
    page = client.get("/incidents/?kind=hazard&kind=bogus").content.decode()
    assert "A hazard entry" in page and incident.title not in page


@pytest.mark.parametrize(
    "q",
    [
        "x" * 10_000,
        "tunnel " * 2000,
        "%00",
        "tun%00nel",
        "%E2%80%AE%E2%80%8Btunnel%E2%80%8D",  # right-to-left override, zero-width space and joiner
        "%F0%9F%A4%96%F0%9F%94%A5",  # emoji
        "a%CC%81%CC%81%CC%81",  # combining accents
        "%ED%A0%80",  # a lone surrogate, invalid UTF-8
        "%FF%FE%FD",
        "!:*&|()<>'\\",
        "-",
        "%22",
        "OR",
        "%22unterminated phrase",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%EF%BC%B4%EF%BD%95%EF%BD%8E",  # fullwidth letters
        "%20%20%20",
        "%E0%B8%AD%E0%B8%B8%E0%B8%9A%E0%B8%B1%E0%B8%95%E0%B8%B4%E0%B9%80%E0%B8%AB%E0%B8%95%E0%B8%B8",  # Thai
    ],
)
def test_odd_search_strings_give_a_results_page(client, incident, q):
    response = client.get(f"/incidents/?q={q}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "results" in page or "result" in page
    assert "<script>alert(1)" not in page
    assert "\x00" not in page


def test_a_long_search_is_shortened_and_the_page_says_so(client, incident):
    page = client.get("/incidents/?q=" + "tunnel+" * 2000).content.decode()
    assert "Your search was shortened to its first 200 characters." in page


def test_search_text_is_escaped_where_it_is_shown(client, incident):
    page = client.get('/incidents/?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E').content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    "url",
    [
        "/incidents/AIKB%00/",
        "/incidents/%00/",
        "/incidents/" + "A" * 10_000 + "/",
        "/incidents/AIKB-2025-0001%E2%80%AE/",
        "/incidents/%ED%A0%80/",
        "/organisations/%00/",
        "/organisations/" + "a" * 5000 + "/",
        "/systems/%C3%A9/",
        "/taxonomy/-/",
        "/metrics/%2e%2e/",
        "/sources/0/",
        "/sources/-1/",
        "/sources/1e3/",
    ],
)
def test_odd_identifiers_are_404(client, incident, url):
    assert client.get(url).status_code == 404


def test_feed_ignores_query_parameters(client, incident):
    response = client.get("/feeds/incidents.atom?page=abc&q=%00")
    assert response.status_code == 200
    assert incident.title in response.content.decode()
