"""The OECD parts of the incident API: list and detail fields, the OECD
filters, and the publish rule on API writes (400, nothing written)."""

import pytest

from incidents.models import Incident
from incidents.oecd import CRITERIA, MANDATORY_KEYS
from tests.factories import (
    AISystemFactory,
    CausalAttributionFactory,
    EvidenceFactory,
    ExternalIdentifierFactory,
    IncidentFactory,
)

pytestmark = pytest.mark.django_db

COMPLETE = {
    "submitter_type": "editor",
    "ai_relation": ["malfunction"],
    "oecd_severity": "incident",
    "harm_types": ["psychological"],
}


def complete_incident(**fields):
    incident = IncidentFactory(**{**COMPLETE, **fields})
    EvidenceFactory(incident=incident)
    return incident


def item(client, public_id):
    return next(i for i in client.get("/api/v1/incidents/?page_size=100").json()["results"] if i["public_id"] == public_id)


def test_list_and_detail_give_the_oecd_fields_and_completeness(client):
    complete = complete_incident(countries=["DE", "FR"])
    ExternalIdentifierFactory(incident=complete, scheme="aiid", identifier="634")
    bare = IncidentFactory()

    listed = item(client, complete.public_id)
    assert listed["oecd_severity"] == "incident"
    assert listed["harm_types"] == ["psychological"]
    assert listed["countries"] == ["DE", "FR"]
    assert listed["external_ids"] == [{"scheme": "aiid", "id": "634", "url": "https://incidentdatabase.ai/cite/634/"}]
    assert listed["oecd_completeness"] == {"mandatory_complete": True, "mandatory_missing": []}

    missing = item(client, bare.public_id)["oecd_completeness"]
    assert missing["mandatory_complete"] is False
    assert missing["mandatory_missing"] == ["submitter", "supporting_materials", "ai_relation", "severity", "harm_types"]

    detail = client.get(f"/api/v1/incidents/{complete.public_id}/").json()
    assert {k: detail[k] for k in ("oecd_severity", "harm_types", "external_ids", "oecd_completeness")} == {
        k: listed[k] for k in ("oecd_severity", "harm_types", "external_ids", "oecd_completeness")}
    assert [c["key"] for c in detail["oecd_criteria"]] == [c.key for c in CRITERIA]
    met = {c["key"]: c["met"] for c in detail["oecd_criteria"]}
    assert all(met[key] for key in MANDATORY_KEYS)
    assert met["countries"] is True and met["training_data"] is False
    assert detail["submitter_type"] == "editor" and detail["unintended_use"] is None
    assert detail["oecd_document"].endswith(f"/api/v1/incidents/{complete.public_id}/oecd/")


def test_detail_lists_attributions_with_their_evidence(client):
    incident = complete_incident()
    evidence = incident.evidence.get()
    CausalAttributionFactory(incident=incident, factor="misuse", grounding="evidenced", evidence=[evidence])
    CausalAttributionFactory(incident=incident, factor="model-behaviour")

    attributions = client.get(f"/api/v1/incidents/{incident.public_id}/").json()["attributions"]

    assert attributions == [
        {"factor": "misuse", "grounding": "evidenced", "explanation": attributions[0]["explanation"], "evidence": [evidence.pk]},
        {"factor": "model-behaviour", "grounding": "speculative", "explanation": attributions[1]["explanation"], "evidence": []},
    ]


def test_systems_give_their_usage_rights(client):
    system = AISystemFactory(usage_rights="open-weights")
    from tests.factories import IncidentSystemFactory

    IncidentSystemFactory(system=system, incident=IncidentFactory())
    assert client.get(f"/api/v1/systems/{system.slug}/").json()["usage_rights"] == "open-weights"


def ids(response):
    assert response.status_code == 200, response.content
    return {i["public_id"] for i in response.json()["results"]}


def test_oecd_filters_select_by_completeness_missing_level_and_harm(client):
    complete = complete_incident()
    no_harm = complete_incident(harm_types=[])
    hazard = IncidentFactory(kind="hazard", oecd_severity="serious-hazard", harm_types=["physical", "economic-property"])

    assert ids(client.get("/api/v1/incidents/?oecd=complete")) == {complete.public_id}
    assert ids(client.get("/api/v1/incidents/?oecd=incomplete")) == {no_harm.public_id, hazard.public_id}
    assert ids(client.get("/api/v1/incidents/?oecd_missing=harm_types")) == {no_harm.public_id}
    assert ids(client.get("/api/v1/incidents/?oecd_missing=harm_types&oecd_missing=submitter")) == {
        no_harm.public_id, hazard.public_id}
    assert ids(client.get("/api/v1/incidents/?oecd_severity=serious-hazard")) == {hazard.public_id}
    assert ids(client.get("/api/v1/incidents/?oecd_severity=incident&oecd_severity=serious-hazard")) == {
        complete.public_id, no_harm.public_id, hazard.public_id}
    assert ids(client.get("/api/v1/incidents/?harm_type=physical")) == {hazard.public_id}
    assert ids(client.get("/api/v1/incidents/?harm_type=psychological&harm_type=physical")) == {
        complete.public_id, hazard.public_id}


@pytest.mark.parametrize("query", ["oecd=partly", "oecd_missing=colour", "oecd_severity=catastrophe", "harm_type=physcal"])
def test_an_unknown_oecd_filter_value_is_a_400_naming_the_parameter(client, query):
    response = client.get(f"/api/v1/incidents/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_publishing_through_the_api_needs_the_mandatory_criteria(editor):
    incident = IncidentFactory(is_published=False)
    EvidenceFactory(incident=incident)
    revisions = incident.history.count()

    response = editor.patch(f"/api/v1/incidents/{incident.public_id}/", {"is_published": True}, format="json")

    assert response.status_code == 400, response.content
    message = " ".join(e["message"] for e in response.json()["errors"]["is_published"])
    assert "Missing for publication" in message
    incident.refresh_from_db()
    assert incident.is_published is False and incident.history.count() == revisions

    response = editor.patch(f"/api/v1/incidents/{incident.public_id}/", {**COMPLETE, "is_published": True}, format="json")
    assert response.status_code == 200, response.content
    assert Incident.objects.get(pk=incident.pk).is_published is True


def test_an_unknown_vocabulary_value_is_a_400(editor):
    incident = IncidentFactory(is_published=False)
    response = editor.patch(f"/api/v1/incidents/{incident.public_id}/", {"harm_types": ["physical", "physcal"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["harm_types.1"][0]["message"] == '"physcal" is not a valid choice.'
    assert Incident.objects.get(pk=incident.pk).harm_types == []


def test_an_oecd_level_that_does_not_fit_the_kind_is_a_400(editor):
    incident = IncidentFactory(is_published=False, kind="hazard")
    response = editor.patch(f"/api/v1/incidents/{incident.public_id}/", {"oecd_severity": "disaster"}, format="json")
    assert response.status_code == 400
    assert "oecd_severity" in response.json()["errors"]


def test_editing_a_public_entry_that_lacks_the_criteria_is_not_refused(editor):
    incident = IncidentFactory()
    response = editor.patch(f"/api/v1/incidents/{incident.public_id}/", {"countries": ["US"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["countries"] == ["US"]
