"""Writing needs a token (not read-only, not revoked) whose user holds the
model permission; read-only fields cannot be set; API writes obey the same
validation as the admin (the model's full_clean)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from api.tokens import issue_token, revoke_token
from incidents.models import Claim, ClaimStatusChange, Evidence, Incident, Measurement
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    MeasurementFactory,
    MetricFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

NEW_INCIDENT = {
    "title": "Model copied its weights to an external server",
    "slug": "model-copied-weights",
    "kind": "research-finding",
    "summary": "In a sandboxed evaluation, the model attempted to copy its weights.",
    "severity": 3,
    "setting": "evaluation",
    "reported_on": "2025-07-01",
}


def bearer(plain):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def test_editor_creates_an_incident_and_gets_its_stable_address(editor):
    response = editor.post("/api/v1/incidents/", NEW_INCIDENT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(public_id=body["public_id"])
    assert response["Location"] == body["url"] == f"http://testserver/api/v1/incidents/{incident.public_id}/"
    assert incident.title == NEW_INCIDENT["title"] and incident.is_published is False
    assert editor.get(body["url"]).json()["title"] == NEW_INCIDENT["title"]


def test_editor_adds_claim_evidence_and_measurement(editor):
    incident = IncidentFactory()
    source = SourceFactory()
    metric = MetricFactory()
    claim = editor.post("/api/v1/claims/", {"incident": incident.public_id, "statement": "It mined crypto."}, format="json")
    assert claim.status_code == 201, claim.content
    evidence = editor.post("/api/v1/evidence/", {
        "incident": incident.public_id, "claim": claim.json()["id"], "source": source.pk,
        "quote": "we observed mining", "locator_type": "page", "locator": "4",
    }, format="json")
    assert evidence.status_code == 201, evidence.content
    measurement = editor.post("/api/v1/measurements/", {
        "metric": metric.slug, "incident": incident.public_id, "value": 96.0, "as_of": "2025-06-20",
        "evidence": evidence.json()["id"], "sample_size": 100,
    }, format="json")
    assert measurement.status_code == 201, measurement.content
    assert measurement.json()["provenance"] == "published"
    detail = editor.get(f"/api/v1/incidents/{incident.public_id}/").json()
    assert [c["statement"] for c in detail["claims"]] == ["It mined crypto."]
    assert [m["value"] for m in detail["key_measurements"]] == [96.0]


def test_a_status_change_through_the_api_is_recorded(editor):
    claim = ClaimFactory(status="supported")
    response = editor.patch(f"/api/v1/claims/{claim.pk}/", {"status": "contested", "status_note": "The lab disputes it."},
                            format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "contested"
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.reason) == ("supported", "contested", "The lab disputes it.")


def test_anonymous_writes_are_401(client):
    response = client.post("/api/v1/incidents/", NEW_INCIDENT, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Incident.objects.exists()


@pytest.mark.parametrize("perms, method, path_kind, expected", [
    ((), "post", "incidents", 403),
    (("change_incident",), "post", "incidents", 403),
    (("add_incident",), "post", "incidents", 201),
    (("add_incident",), "patch", "incident", 403),
    # The claim's incident is public: changing it is also an editor's act (incidents.publishing).
    (("change_incident",), "patch", "incident", 403),
    (("change_incident", "publish_incident"), "patch", "incident", 200),
    (("add_claim",), "patch", "claim", 403),
    (("change_claim",), "patch", "claim", 403),
    (("change_claim", "publish_incident"), "patch", "claim", 200),
])
def test_each_write_needs_its_model_permission(make_user, perms, method, path_kind, expected):
    claim = ClaimFactory()
    _, plain = issue_token(make_user("writer", perms=perms), "t")
    path, data = {
        "incidents": ("/api/v1/incidents/", NEW_INCIDENT),
        "incident": (f"/api/v1/incidents/{claim.incident.public_id}/", {"title": "Renamed"}),
        "claim": (f"/api/v1/claims/{claim.pk}/", {"position": 3}),
    }[path_kind]
    response = getattr(bearer(plain), method)(path, data, format="json")
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json()["code"] == "permission_denied"


def test_read_only_token_cannot_write_even_with_permissions(make_user):
    user = make_user("editor", perms=["add_incident", "change_incident"])
    _, plain = issue_token(user, "reader", read_only=True)
    client = bearer(plain)
    response = client.post("/api/v1/incidents/", NEW_INCIDENT, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."
    assert not Incident.objects.exists()
    assert client.get("/api/v1/incidents/").status_code == 200


def test_revoked_token_is_refused_for_reading_and_writing(make_user):
    user = make_user("editor", perms=["add_incident"])
    token, plain = issue_token(user, "old")
    client = bearer(plain)
    assert client.get("/api/v1/incidents/").status_code == 200
    revoke_token(token)
    assert client.get("/api/v1/incidents/").status_code == 401
    assert client.post("/api/v1/incidents/", NEW_INCIDENT, format="json").status_code == 401
    assert not Incident.objects.exists()


def test_token_of_an_inactive_user_is_refused(make_user):
    user = make_user("gone", perms=["add_incident"])
    _, plain = issue_token(user, "t")
    user.is_active = False
    user.save()
    assert bearer(plain).get("/api/v1/incidents/").status_code == 401


def test_tokens_are_stored_hashed(make_user):
    token, plain = issue_token(make_user("u"), "t")
    token.refresh_from_db()
    assert plain not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert plain.split("_", 2)[2] not in token.key_hash


def test_session_login_does_not_grant_api_writes(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", password=None)
    client.force_login(user)
    assert client.post("/api/v1/incidents/", NEW_INCIDENT, format="json").status_code in (401, 403)


@pytest.mark.parametrize("field, value", [
    ("public_id", "AIKB-2020-0001"), ("created", "2020-01-01T00:00:00Z"), ("updated", "2020-01-01T00:00:00Z"),
    ("url", "http://elsewhere/"), ("has_reproduction", True), ("claims", []), ("organisations", []),
    ("summary_html", "<script>"), ("citation", "x"), ("merged_from", []),
])
def test_read_only_fields_cannot_be_set(editor, field, value):
    incident = IncidentFactory()
    before = Incident.objects.values().get(pk=incident.pk)
    response = editor.patch(f"/api/v1/incidents/{incident.public_id}/", {field: value, "title": "Changed"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field] and errors[field][0]["code"] == "read_only"
    assert Incident.objects.values().get(pk=incident.pk) == before


def test_reproduction_run_of_a_measurement_is_read_only(editor):
    measurement = MeasurementFactory()
    response = editor.patch(f"/api/v1/measurements/{measurement.pk}/", {"reproduction_run": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["reproduction_run"][0]["code"] == "read_only"


def test_reference_resources_are_read_only(editor):
    for path in ("/api/v1/sources/", "/api/v1/metrics/", "/api/v1/organisations/", "/api/v1/systems/", "/api/v1/taxonomy/"):
        assert editor.post(path, {"name": "x"}, format="json").status_code == 405


def test_nothing_can_be_deleted(editor):
    incident = IncidentFactory()
    assert editor.delete(f"/api/v1/incidents/{incident.public_id}/").status_code == 405
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_a_claim_cannot_move_to_another_incident(editor):
    claim = ClaimFactory()
    other = IncidentFactory()
    response = editor.patch(f"/api/v1/claims/{claim.pk}/", {"incident": other.public_id}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["incident"]


# --- the admin's validation ---------------------------------------------------------------------------


def _admin_error_fields(instance):
    """The fields the admin would flag: its ModelForm runs full_clean."""
    try:
        instance.full_clean(exclude=["public_id", "search_vector"])
    except ValidationError as error:
        return set(error.message_dict)
    return set()


def invalid_cases():
    """(model instance as the admin would build it, API method, path, data) per rule in clean()/constraints."""
    incident = IncidentFactory()
    other = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    other_claim = ClaimFactory(incident=other)
    evidence = EvidenceFactory(incident=incident, claim=claim)
    percent = MetricFactory(unit="percent")
    measurement = MeasurementFactory(incident=incident, evidence=evidence, metric=percent, value=50)
    def changed(obj, **changes):
        obj = type(obj).objects.get(pk=obj.pk)
        for k, v in changes.items():
            setattr(obj, k, v)
        return obj

    def incident_with(**changes):
        return changed(incident, **changes)

    path = f"/api/v1/incidents/{incident.public_id}/"
    return [
        (incident_with(occurred_on=datetime.date(2025, 6, 5), occurred_precision="month"), path,
         {"occurred_on": "2025-06-05", "occurred_precision": "month"}),
        (incident_with(reported_on=datetime.date(2020, 1, 1)), path, {"reported_on": "2020-01-01"}),
        (incident_with(reported_precision="year", reported_on=datetime.date(2025, 12, 30)), path, {"reported_precision": "year"}),
        (changed(claim, status="reproduced"), f"/api/v1/claims/{claim.pk}/", {"status": "reproduced"}),
        (changed(evidence, locator_type="timestamp", locator="four minutes"), f"/api/v1/evidence/{evidence.pk}/",
         {"locator_type": "timestamp", "locator": "four minutes"}),
        (changed(evidence, claim=other_claim), f"/api/v1/evidence/{evidence.pk}/", {"claim": other_claim.pk}),
        (changed(measurement, value=150.0), f"/api/v1/measurements/{measurement.pk}/", {"value": 150.0}),
        (changed(measurement, lower=60.0), f"/api/v1/measurements/{measurement.pk}/", {"lower": 60.0}),
        (changed(measurement, upper=10.0), f"/api/v1/measurements/{measurement.pk}/", {"upper": 10.0}),
        (changed(measurement, evidence=None), f"/api/v1/measurements/{measurement.pk}/", {"evidence": None}),
    ]


def test_api_writes_are_refused_exactly_where_the_admin_refuses(editor):
    for instance, path, data in invalid_cases():
        admin_fields = _admin_error_fields(instance)
        assert admin_fields, (path, data)
        snapshot = type(instance).objects.values().get(pk=instance.pk)
        response = editor.patch(path, data, format="json")
        assert response.status_code == 400, (path, data, response.content)
        assert set(response.json()["errors"]) == admin_fields, (path, data)
        assert type(instance).objects.values().get(pk=instance.pk) == snapshot


def test_a_failed_create_writes_nothing(editor):
    counts = (Incident.objects.count(), Claim.objects.count(), Evidence.objects.count(), Measurement.objects.count())
    bad = [
        ("/api/v1/incidents/", {**NEW_INCIDENT, "taxonomy": ["no-such-term"]}),
        ("/api/v1/incidents/", {**NEW_INCIDENT, "occurred_on": "2025-08-01", "reported_on": "2025-07-01"}),
        ("/api/v1/claims/", {"incident": "AIKB-2025-9999", "statement": "x"}),
        ("/api/v1/evidence/", {"incident": "AIKB-2025-9999", "source": 1, "quote": "q", "locator_type": "page", "locator": "1"}),
        ("/api/v1/measurements/", {"metric": "nope", "incident": "AIKB-2025-9999", "value": 1, "as_of": "2025-01-01"}),
    ]
    for path, data in bad:
        response = editor.post(path, data, format="json")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["errors"]
    assert counts == (Incident.objects.count(), Claim.objects.count(), Evidence.objects.count(), Measurement.objects.count())
