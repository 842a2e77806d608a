"""The OECD-shaped documents over the API: one incident's document
(/api/v1/incidents/<id>/oecd/), the whole filtered list as one set document
(/api/v1/incidents/export/?format=oecd), and their JSON Schemas."""

import json

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import exports
from incidents.oecd_document import incident_document
from incidents.oecd_schema import incident_validator, set_validator
from tests.factories import EvidenceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def read(response) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def oecd_export(client, query: str = "") -> dict:
    response = client.get(f"/api/v1/incidents/export/?format=oecd&{query}")
    assert response["Content-Type"] == "application/json"
    document = json.loads(read(response))
    set_validator().validate(document)
    return document


def test_an_incidents_document_is_served_and_valid(client):
    incident = IncidentFactory(oecd_severity="serious-incident", harm_types=["physical"])
    EvidenceFactory(incident=incident)
    response = client.get(f"/api/v1/incidents/{incident.public_id}/oecd/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    incident_validator().validate(document)
    assert document == json.loads(json.dumps(incident_document(incident)))
    assert document["id"] == incident.public_id and document["criteria"]["harm_types"] == ["physical"]
    assert document["$schema"].endswith("/api/schema/oecd-incident.json")


def test_a_draft_is_404_to_the_public_and_served_to_editors(editor):
    from rest_framework.test import APIClient

    client = APIClient()
    draft = IncidentFactory(is_published=False)
    assert client.get(f"/api/v1/incidents/{draft.public_id}/oecd/").status_code == 404
    assert client.get("/api/v1/incidents/AIKB-2025-9999/oecd/").status_code == 404
    assert client.get("/api/v1/incidents/not-an-id/oecd/").status_code == 404
    assert editor.get(f"/api/v1/incidents/{draft.public_id}/oecd/").json()["x-aikb"]["published"] is False


def test_a_merged_entry_redirects_to_the_survivors_document(client):
    survivor = IncidentFactory()
    merged = IncidentFactory(merged_into=survivor)
    response = client.get(f"/api/v1/incidents/{merged.public_id}/oecd/")
    assert response.status_code == 301
    assert response["Location"].endswith(f"/api/v1/incidents/{survivor.public_id}/oecd/")


def test_the_document_refuses_unknown_parameters(client):
    incident = IncidentFactory()
    response = client.get(f"/api/v1/incidents/{incident.public_id}/oecd/?page=2")
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


def test_the_schemas_are_served_as_valid_draft_2020_12(client):
    for name, format_name in (("oecd-incident", "aikb-oecd-incident"), ("oecd-incidents", "aikb-oecd-incidents")):
        response = client.get(f"/api/schema/{name}.json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/schema+json"
        schema = json.loads(response.content)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["format"] == {"const": format_name}


def test_the_export_is_the_lists_set_with_its_filters_and_search(client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    hazards = [IncidentFactory(kind="hazard", title=f"Hazard {n}") for n in range(3)]
    incidents = [IncidentFactory(kind="incident", title=f"Zeppelin incident {n}") for n in range(2)]
    IncidentFactory(is_published=False, kind="hazard")

    everything = oecd_export(client)
    assert everything["format"] == "aikb-oecd-incidents"
    listed = [item["public_id"] for item in client.get("/api/v1/incidents/?page_size=100").json()["results"]]
    assert [d["id"] for d in everything["incidents"]] == listed  # the list's order, drafts left out
    assert len(listed) == 5

    only_hazards = oecd_export(client, "kind=hazard&ordering=title")
    assert [d["id"] for d in only_hazards["incidents"]] == [h.public_id for h in hazards]
    assert {d["event_type"] for d in only_hazards["incidents"]} == {"hazard"}
    from incidents.search import refresh_search_vectors

    refresh_search_vectors([i.pk for i in incidents + hazards])
    searched = oecd_export(client, "q=zeppelin")
    assert sorted(d["id"] for d in searched["incidents"]) == sorted(i.public_id for i in incidents)
    assert oecd_export(client, "kind=incident&severity=1")["incidents"] == []


def test_the_export_is_an_attachment_named_json(client):
    IncidentFactory()
    response = client.get("/api/v1/incidents/export/?format=oecd")
    assert response["Content-Disposition"].startswith('attachment; filename="aikb-incidents-')
    assert response["Content-Disposition"].endswith('.json"')
    read(response)


def test_oecd_is_offered_by_the_incidents_export_only(client):
    response = client.get("/api/v1/systems/export/?format=oecd")
    assert response.status_code == 400
    assert b"Unknown format 'oecd'" in response.content
    assert client.get("/api/v1/incidents/?format=oecd").status_code == 400  # a page is not an export


def test_queries_are_a_fixed_number_per_batch(client, monkeypatch):
    for n in range(12):
        EvidenceFactory(incident=IncidentFactory())

    def queries(batch_size):
        monkeypatch.setattr(exports, "BATCH_SIZE", batch_size)
        with CaptureQueriesContext(connection) as captured:
            assert len(oecd_export(client)["incidents"]) == 12
        return len(captured.captured_queries)

    one, two, four = queries(12), queries(6), queries(3)
    per_batch = two - one
    assert 1 <= per_batch <= 12
    assert four == one + 3 * per_batch


class Boom(RuntimeError):
    pass


def test_a_failure_mid_stream_leaves_the_document_unterminated(client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    IncidentFactory.create_batch(5)
    real, calls = exports.documents_for_ids, []

    def failing(ids):
        calls.append(ids)
        if len(calls) == 2:
            raise Boom("database went away")
        return real(ids)

    monkeypatch.setattr(exports, "documents_for_ids", failing)
    response = client.get("/api/v1/incidents/export/?format=oecd")
    assert response.status_code == 200
    chunks = []
    with pytest.raises(Boom):
        for chunk in response.streaming_content:
            chunks.append(chunk)
    body = b"".join(chunks).decode()
    assert body.count('"format": "aikb-oecd-incident"') == 2  # the first batch whole
    assert not body.rstrip().endswith("]}")
    assert "export_error" not in body and body.endswith("}")  # no line of another format after the last document
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_the_openapi_schema_describes_the_document_and_the_export(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/incidents/{public_id}/oecd/" in schema["paths"]
    export = schema["paths"]["/api/v1/incidents/export/"]["get"]
    assert {"text/csv", "application/jsonl", "application/json"} == set(export["responses"]["200"]["content"])
    assert "format=oecd" in export["description"]


def test_a_documents_queries_do_not_grow_with_its_relations(client):
    from tests.factories import CausalAttributionFactory, IncidentSystemFactory

    def queries(incident):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/incidents/{incident.public_id}/oecd/").status_code == 200
        return len(captured.captured_queries)

    small = IncidentFactory()
    evidence = EvidenceFactory(incident=small)
    CausalAttributionFactory(incident=small, grounding="evidenced", evidence=[evidence])
    large = IncidentFactory()
    rows = [EvidenceFactory(incident=large) for _ in range(5)]
    for _ in range(3):
        IncidentSystemFactory(incident=large)
    for factor in ("misuse", "model-behaviour"):
        CausalAttributionFactory(incident=large, factor=factor, grounding="evidenced", evidence=rows[:2])
    assert queries(small) == queries(large) <= 10
