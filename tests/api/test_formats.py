"""CSV for every list endpoint (documented flat columns), citations for
incidents and sources (BibTeX, CSL-JSON)."""

import csv
import io
import json

import pytest

from api.columns import CSV_COLUMNS
from api.urls import router
from incidents.models import Evidence

pytestmark = pytest.mark.django_db

# Every registered viewset that lists (a create-only one has no list).
# Webhook subscriptions are listed to their owner only (tests/webhooks/test_api.py).
LIST_ENDPOINTS = sorted(prefix for prefix, viewset, _ in router.registry
                        if hasattr(viewset, "list") and prefix != "webhooks")


def read_csv(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("resource", LIST_ENDPOINTS)
def test_every_list_endpoint_answers_csv_with_a_header_row(client, rich_incident, resource):
    rich_incident()
    by_param = read_csv(client.get(f"/api/v1/{resource}/?format=csv"))
    by_accept = read_csv(client.get(f"/api/v1/{resource}/", HTTP_ACCEPT="text/csv"))
    assert by_param == by_accept
    header, rows = by_param[0], by_param[1:]
    assert header and all(header)
    json_items = client.get(f"/api/v1/{resource}/").json()["results"]
    assert len(rows) == len(json_items)
    assert all(len(row) == len(header) for row in rows)


@pytest.mark.parametrize("resource", LIST_ENDPOINTS)
def test_an_empty_csv_list_still_has_its_header(client, resource):
    rows = read_csv(client.get(f"/api/v1/{resource}/?format=csv"))
    assert len(rows) == 1 and rows[0]


@pytest.mark.parametrize("resource, key", [
    ("incidents", "incidents"), ("claims", "claims"), ("evidence", "evidence"), ("sources", "sources"),
    ("metrics", "metrics"), ("measurements", "measurements"), ("organisations", "organisations"),
    ("systems", "systems"), ("taxonomy", "taxonomy"),
])
def test_csv_columns_are_the_documented_ones(client, rich_incident, resource, key):
    rich_incident()
    header = read_csv(client.get(f"/api/v1/{resource}/?format=csv"))[0]
    assert header == [name for name, _ in CSV_COLUMNS[key]]
    schema = client.get("/api/schema/?format=json").json()
    description = schema["paths"][f"/api/v1/{resource}/"]["get"]["description"]
    for name, _ in CSV_COLUMNS[key]:
        assert f"`{name}`" in description


def test_incident_csv_row_is_flat_and_joins_lists(client, rich_incident):
    from tests.factories import TaxonomyTermFactory

    incident = rich_incident()
    incident.taxonomy.add(TaxonomyTermFactory())
    rows = read_csv(client.get("/api/v1/incidents/?format=csv"))
    row = dict(zip(rows[0], rows[1]))
    assert row["public_id"] == incident.public_id
    assert row["severity"] == "3"
    assert row["has_reproduction"] == "false"
    assert set(row["taxonomy"].split("; ")) == set(incident.taxonomy.values_list("slug", flat=True))
    assert len(row["taxonomy"].split("; ")) == 2
    assert row["organisations.slug"] == incident.organisations.get().slug


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(client):
    from tests.factories import IncidentFactory

    IncidentFactory(title='=HYPERLINK("http://evil.example","click")', summary="-2+3")
    row = dict(zip(*read_csv(client.get("/api/v1/incidents/?format=csv"))[:2]))
    assert row["title"].startswith("'=")
    assert row["summary"] == "'-2+3"


def test_csv_keeps_the_paging_headers(client):
    from tests.factories import IncidentFactory

    IncidentFactory.create_batch(3)
    response = client.get("/api/v1/incidents/?format=csv&page_size=2")
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"] and "format=csv" in response["Link"]
    assert len(read_csv(response)) == 3


def test_csv_errors_are_csv_naming_the_field(client):
    response = client.get("/api/v1/incidents/?format=csv&severity=9")
    assert response.status_code == 400
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["field", "code", "message"] and rows[1][0] == "severity"


def test_csv_is_only_for_lists(client, rich_incident):
    incident = rich_incident()
    response = client.get(f"/api/v1/incidents/{incident.public_id}/?format=csv")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["format"]


# --- citations ---------------------------------------------------------------------------------------


def test_incident_bibtex(client, rich_incident):
    incident = rich_incident()
    response = client.get(f"/api/v1/incidents/{incident.public_id}/?format=bibtex")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    text = response.content.decode()
    assert text.lstrip().startswith("@")
    assert incident.public_id in text and incident.title in text
    assert text.count("{") == text.count("}")


def test_incident_csl_json_by_accept_header(client, rich_incident):
    incident = rich_incident()
    response = client.get(f"/api/v1/incidents/{incident.public_id}/", HTTP_ACCEPT="application/vnd.citationstyles.csl+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    items = json.loads(response.content)
    assert isinstance(items, list) and len(items) == 1
    assert items[0]["title"] == incident.title
    assert items[0]["type"] and items[0]["issued"]["date-parts"][0][0] == 2025
    assert items[0]["URL"].endswith(f"/incidents/{incident.public_id}/")


def test_source_bibtex_and_csl_json(client, rich_incident):
    source = Evidence.objects.get(incident=rich_incident()).source
    bibtex = client.get(f"/api/v1/sources/{source.pk}/?format=bibtex").content.decode()
    assert "A. Researcher and B. Scientist" in bibtex and source.title in bibtex
    csl = json.loads(client.get(f"/api/v1/sources/{source.pk}/?format=csl-json").content)
    assert csl[0]["title"] == source.title
    assert [a.get("literal") or a.get("family") for a in csl[0]["author"]]


def test_a_list_page_cites_each_of_its_items(client):
    from tests.factories import IncidentFactory, SourceFactory

    IncidentFactory.create_batch(3)
    SourceFactory.create_batch(2)
    assert len(json.loads(client.get("/api/v1/incidents/?format=csl-json&page_size=2").content)) == 2
    assert client.get("/api/v1/incidents/?format=bibtex").content.decode().count("\n@") + 1 == 3
    assert len(json.loads(client.get("/api/v1/sources/?format=csl-json").content)) == 2


def test_citation_formats_are_only_offered_for_incidents_and_sources(client):
    response = client.get("/api/v1/claims/?format=bibtex")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["format"]
