"""schema.json is a valid JSON Schema (draft 2020-12) that dataset.json of
the curated data satisfies, and that a document breaking it fails, with
the place named; a release is never stored against its own schema."""

import json

import jsonschema
import pytest

from incidents.curated import load_curated
from incidents.models import Claim
from releases import building
from releases.schema import SchemaMismatch, check
from releases.services import publish_release

from .conftest import FIRST, add_reproduction

pytestmark = pytest.mark.django_db


@pytest.fixture
def curated_release(db):
    """The curated data, with a reproduction run and its verdict (tables the curated data leaves empty)."""
    load_curated(verbosity=0)
    add_reproduction(Claim.objects.filter(incident__is_published=True).first())
    built = building.build_release(FIRST, None)
    return json.loads(built.file("schema.json").content), json.loads(built.file("dataset.json").content)


def test_the_curated_data_validates_against_its_schema(curated_release):
    schema, document = curated_release
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/data/2025-01-06/schema.json")
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(document)) == []
    assert document["counts"]["incidents.incident"] >= 5
    assert {r["model"] for r in document["records"]} >= {
        "incidents.incident", "incidents.claim", "incidents.evidence", "incidents.source", "incidents.measurement",
        "reproductions.verdict", "reproductions.reproductionrun"}


def test_a_document_that_breaks_the_schema_fails_naming_the_place(curated_release):
    schema, document = curated_release
    incident = next(i for i, r in enumerate(document["records"]) if r["model"] == "incidents.incident")
    wrong = json.loads(json.dumps(document))
    wrong["records"][incident]["fields"]["severity"] = "very"
    with pytest.raises(SchemaMismatch, match=rf"records/{incident}/fields/severity"):
        check(wrong, schema)
    extra = json.loads(json.dumps(document))
    extra["records"][incident]["fields"]["editor_notes"] = "secret"
    with pytest.raises(SchemaMismatch, match="editor_notes"):
        check(extra, schema)
    missing = json.loads(json.dumps(document))
    del missing["records"][incident]["fields"]["title"]
    with pytest.raises(SchemaMismatch, match="title"):
        check(missing, schema)
    bad_date = json.loads(json.dumps(document))
    bad_date["records"][incident]["fields"]["reported_on"] = "30/12/2025"
    with pytest.raises(SchemaMismatch, match="reported_on"):
        check(bad_date, schema)


def test_fields_are_typed_limited_and_described(curated_release):
    schema, _ = curated_release
    incident = schema["$defs"]["incidents.incident"]["properties"]["fields"]["properties"]
    assert incident["title"]["type"] == "string" and incident["title"]["maxLength"] == 300
    assert incident["severity"]["type"] == "integer" and incident["severity"]["enum"] == [1, 2, 3, 4, 5]
    assert incident["reported_on"]["type"] == ["string", "null"] and incident["reported_on"]["format"] == "date"
    assert incident["taxonomy"] == {**incident["taxonomy"], "type": "array", "uniqueItems": True}
    assert "taxonomy_terms" in incident["taxonomy"]["description"]
    assert "One of: incident (Incident)" in incident["kind"]["description"]
    assert incident["merged_into"]["type"] == ["integer", "null"]
    status_change = schema["$defs"]["incidents.claimstatuschange"]["properties"]["fields"]["properties"]
    assert "" in status_change["from_status"]["enum"]  # the first status of a claim has no "from"
    sources = schema["$defs"]["incidents.source"]["properties"]["fields"]["properties"]
    assert sources["authors"]["type"] == "array" and "notes" not in sources


def test_a_release_that_breaks_its_schema_is_not_stored(record, monkeypatch):
    from releases import contents

    document = contents.public_document

    def with_a_stray_field(on):
        found = document(on)
        found["records"][0]["fields"]["stray"] = 1
        return found

    monkeypatch.setattr(building, "public_document", with_a_stray_field)
    with pytest.raises(SchemaMismatch, match="stray"):
        publish_release(FIRST)
    from releases.models import Release

    assert not Release.objects.exists()
