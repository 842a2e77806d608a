"""One incident: everything a story needs in one response; merged and unpublished entries."""

import pytest

from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, MeasurementFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_detail_embeds_claims_key_measurements_and_sources(client):
    incident = IncidentFactory(summary="A **bold** claim")
    claim = ClaimFactory(incident=incident, status="contested", status_note="Disputed by the lab.")
    source = SourceFactory(title="The technical report")
    evidence = EvidenceFactory(incident=incident, claim=claim, source=source)
    measurement = MeasurementFactory(evidence=evidence, incident=incident, claim=claim, value=96.0)

    response = client.get(f"/api/v1/incidents/{incident.public_id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["claims"] == [{
        "url": f"http://testserver/api/v1/claims/{claim.pk}/", "id": claim.pk, "statement": claim.statement,
        "status": "contested",
        "confidence": {"level": "contested", "label": "Contested", "basis": "party",
                       "basis_label": "The party's own account only", "supporting_sources": 1},
        "status_note": "Disputed by the lab.",
    }]
    assert [m["id"] for m in body["key_measurements"]] == [measurement.pk]
    assert body["key_measurements"][0]["value"] == 96.0
    assert body["key_measurements"][0]["metric"] == measurement.metric.slug
    assert [s["title"] for s in body["sources"]] == ["The technical report"]
    assert "<strong>bold</strong>" in body["summary_html"]
    assert incident.public_id in body["citation"]


def test_links_lead_to_the_related_items(client):
    incident = IncidentFactory()
    evidence = EvidenceFactory(incident=incident)
    body = client.get(f"/api/v1/incidents/{incident.public_id}/").json()
    source_url = body["sources"][0]["url"]
    assert client.get(source_url).json()["id"] == evidence.source_id
    assert client.get(body["url"]).json()["public_id"] == incident.public_id


def test_unknown_public_id_returns_404_with_the_error_shape(client):
    response = client.get("/api/v1/incidents/AIKB-2025-9999/")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "detail": "Not found.", "errors": {}}


def test_unpublished_incident_is_404_for_anonymous_readers(client):
    draft = IncidentFactory(is_published=False)
    assert client.get(f"/api/v1/incidents/{draft.public_id}/").status_code == 404


def test_merged_incident_redirects_permanently_to_the_survivor(client):
    survivor = IncidentFactory()
    middle = IncidentFactory(merged_into=survivor)
    oldest = IncidentFactory(merged_into=middle)

    response = client.get(f"/api/v1/incidents/{oldest.public_id}/?format=bibtex")

    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api/v1/incidents/{survivor.public_id}/?format=bibtex"
    assert client.get(f"/api/v1/incidents/{survivor.public_id}/").json()["merged_from"] == [middle.public_id]


def test_merged_into_an_unpublished_incident_is_404_for_the_public(client):
    draft = IncidentFactory(is_published=False)
    merged = IncidentFactory(merged_into=draft)
    assert client.get(f"/api/v1/incidents/{merged.public_id}/").status_code == 404
