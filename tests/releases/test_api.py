"""/api/v1/releases/: the releases newest first, one by its date, with its
files (absolute, permanent download addresses), counts, changelog and
citation; BibTeX and CSL-JSON; 404 for a date without a release."""

import csv
import io
import json

import pytest
from django.core.cache import cache

from releases.citations import release_bibtex
from releases.services import publish_release
from tests.factories import IncidentFactory

from .conftest import SECOND, stored_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


@pytest.fixture
def two_releases(published):
    IncidentFactory(title="Models chose blackmail")
    return published, publish_release(SECOND)


def test_the_list_is_newest_first_with_files_counts_changelog_and_citation(client, two_releases, settings):
    first, second = two_releases
    body = client.get("/api/v1/releases/").json()
    assert [item["version"] for item in body["results"]] == ["2025-01-13", "2025-01-06"]
    item = body["results"][0]
    assert item["url"] == "http://testserver/api/v1/releases/2025-01-13/"
    assert item["web_url"] == f"{settings.SITE_URL}/data/2025-01-13/"
    assert item["counts"]["incidents"] == 2
    assert [f["name"] for f in item["files"]] == [entry["name"] for entry in second.files]
    dataset = next(f for f in item["files"] if f["name"] == "dataset.json")
    assert dataset == {**second.file_named("dataset.json"), "url": f"{settings.SITE_URL}/data/2025-01-13/dataset.json"}
    assert item["archive"]["name"] == "aikb-dataset-2025-01-13.zip"
    assert item["changelog"]["previous"] == "2025-01-06"
    assert item["changelog"]["incidents_added"][0]["title"] == "Models chose blackmail"
    assert item["citation"]["bibtex"] == f"{settings.SITE_URL}/api/v1/releases/2025-01-13/?format=bibtex"
    assert item["citation"]["text"].endswith(f"{settings.SITE_URL}/data/2025-01-13/")


def test_one_release_by_its_date_and_its_files_download_from_the_addresses_given(client, two_releases, settings):
    first, _ = two_releases
    item = client.get("/api/v1/releases/2025-01-06/").json()
    assert item["version"] == "2025-01-06" and item["changelog"]["previous"] is None
    readme = next(f for f in item["files"] if f["name"] == "README.md")
    response = client.get(readme["url"].removeprefix(settings.SITE_URL))
    assert b"".join(response.streaming_content) == stored_bytes(first, "README.md")


@pytest.mark.parametrize("version", ["2030-01-06", "2025-02-30", "20250106", "latest", "2025-01-06x"])
def test_a_date_without_a_release_is_404(client, two_releases, version):
    response = client.get(f"/api/v1/releases/{version}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_citations_as_bibtex_and_csl_json(client, two_releases):
    first, second = two_releases
    bibtex = client.get("/api/v1/releases/2025-01-06/?format=bibtex")
    assert bibtex["Content-Type"].startswith("application/x-bibtex")
    assert bibtex.content.decode() == release_bibtex(first.version) + "\n"
    csl = json.loads(client.get("/api/v1/releases/2025-01-06/?format=csl-json").content)
    assert csl == [{
        "id": "aikb-dataset-2025-01-06", "type": "dataset",
        "title": "AI Incident Knowledge Base dataset, release 2025-01-06",
        "author": [{"literal": "AI Incident Knowledge Base"}], "publisher": "AI Incident Knowledge Base",
        "version": "2025-01-06", "issued": {"date-parts": [[2025, 1, 6]]}, "URL": csl[0]["URL"], "license": "CC BY 4.0",
    }]
    assert csl[0]["URL"].endswith("/data/2025-01-06/")
    listed = client.get("/api/v1/releases/?format=bibtex").content.decode()
    assert listed.index("@misc{aikb-dataset-2025-01-13,") < listed.index("@misc{aikb-dataset-2025-01-06,")
    assert len(json.loads(client.get("/api/v1/releases/?format=csl-json").content)) == 2


def test_the_list_as_csv(client, two_releases):
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/releases/?format=csv").content.decode())))
    assert rows[0] == ["version", "published_at", "web_url", "counts.incidents", "archive.url", "archive.sha256"]
    assert [row[0] for row in rows[1:]] == ["2025-01-13", "2025-01-06"]
    assert rows[1][3] == "2" and rows[1][5] == two_releases[1].archive["sha256"]


def test_the_list_is_read_only_and_refuses_unknown_parameters(client, two_releases):
    assert client.post("/api/v1/releases/", {}).status_code in (401, 403, 405)
    assert client.get("/api/v1/releases/?incident=AIKB-2025-0001").status_code == 400
    assert client.get("/api/v1/releases/?ordering=version").json()["results"][0]["version"] == "2025-01-06"


def test_the_list_costs_the_same_queries_for_many_releases(client, published, django_assert_max_num_queries):
    import datetime

    from releases.models import Release

    Release.objects.bulk_create([
        Release(version=published.version + datetime.timedelta(days=7 * n), published_at=published.published_at,
                dataset_sha256=published.dataset_sha256, counts=published.counts, files=published.files,
                changelog=published.changelog)
        for n in range(1, 30)
    ])
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/releases/").status_code == 200


def test_answers_match_the_published_openapi_schema(client, two_releases):
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    document = client.get("/api/schema/?format=json").json()
    registry = Registry().with_resource("urn:api", Resource(document, specification=DRAFT4))

    def check(body, component):
        schema = {"$ref": f"urn:api#/components/schemas/{component}"}
        errors = list(OAS30Validator(schema, registry=registry).iter_errors(body))
        assert errors == [], [error.message for error in errors]

    check(client.get("/api/v1/releases/2025-01-13/").json(), "Release")
    check(client.get("/api/v1/releases/").json(), "PaginatedReleaseList")
