"""A page size above the maximum is served at the maximum (not refused), and
every page says which size it used, in the body and in X-Page-Size."""

import csv
import io

import pytest

from api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents():
    return IncidentFactory.create_batch(MAX_PAGE_SIZE + 3)


@pytest.mark.parametrize("asked", ["101", "1000", "1000000000"])
def test_a_page_size_above_the_maximum_is_capped_in_json(client, incidents, asked):
    response = client.get(f"/api/v1/incidents/?page_size={asked}")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == MAX_PAGE_SIZE
    assert body["page_size"] == MAX_PAGE_SIZE and response["X-Page-Size"] == str(MAX_PAGE_SIZE)
    assert body["count"] == MAX_PAGE_SIZE + 3
    # The next page continues at the capped size.
    assert body["next"] == f"http://testserver/api/v1/incidents/?page=2&page_size={asked}"
    assert len(client.get(body["next"]).json()["results"]) == 3


def test_a_page_size_above_the_maximum_is_capped_in_csv(client, incidents):
    response = client.get("/api/v1/incidents/?format=csv&page_size=1000")
    assert response.status_code == 200
    assert response["X-Page-Size"] == str(MAX_PAGE_SIZE)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 1 + MAX_PAGE_SIZE
    assert 'rel="next"' in response["Link"]


@pytest.mark.parametrize("query, size", [("", DEFAULT_PAGE_SIZE), ("page_size=7", 7), ("page_size=100", 100)])
def test_every_page_says_its_size(client, incidents, query, size):
    response = client.get(f"/api/v1/incidents/?{query}")
    assert response.json()["page_size"] == size and response["X-Page-Size"] == str(size)
    csv_response = client.get(f"/api/v1/incidents/?format=csv&{query}")
    assert csv_response["X-Page-Size"] == str(size)


def test_cursor_pages_say_their_capped_size(client, incidents):
    response = client.get("/api/v1/incidents/?pagination=cursor&page_size=500")
    body = response.json()
    assert body["page_size"] == MAX_PAGE_SIZE and response["X-Page-Size"] == str(MAX_PAGE_SIZE)
    assert len(body["results"]) == MAX_PAGE_SIZE


def test_citation_lists_say_their_size_too(client, incidents):
    response = client.get("/api/v1/incidents/?format=bibtex&page_size=300")
    assert response.status_code == 200 and response["X-Page-Size"] == str(MAX_PAGE_SIZE)


@pytest.mark.parametrize("size, message", [
    ("0", f"Give a page size between 1 and {MAX_PAGE_SIZE}."),
    ("-5", f"Give a page size between 1 and {MAX_PAGE_SIZE}."),
    ("ten", "A whole number is required."),
    ("2.5", "A whole number is required."),
])
def test_sizes_below_one_and_non_numbers_are_still_400(client, size, message):
    response = client.get(f"/api/v1/incidents/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"][0]["message"] == message


def test_the_schema_documents_the_cap_and_the_field(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/incidents/"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert "above 100 is capped at 100" in parameter["description"]
    assert "maximum" not in parameter["schema"]  # a larger size is valid input
    page = schema["components"]["schemas"]["PaginatedIncidentList"]
    assert "page_size" in page["required"] and page["properties"]["page_size"]["description"]
