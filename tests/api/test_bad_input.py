"""Bad input gets a 4xx with a machine-readable error naming the field (or
"body"), never a 500 and never a partial write."""

import json

import pytest

from incidents.models import Claim, Incident, Measurement
from tests.factories import ClaimFactory, IncidentFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

VALID = {"title": "T", "slug": "t", "kind": "incident", "summary": "S", "severity": 3, "setting": "training"}


def assert_error(response, status, field):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    assert body["status"] == status and body["code"]
    assert field in body["errors"], body
    assert body["errors"][field][0]["code"] and body["errors"][field][0]["message"]
    return body


def post(client, data, content_type="application/json", path="/api/v1/incidents/"):
    return client.post(path, data=data, content_type=content_type)


@pytest.mark.parametrize("raw", ["{bad", "", "[1, 2", '{"title": "x",}', "\x00", '{"a": NaN}', '{"value": Infinity}'])
def test_invalid_json_is_400_naming_the_body(editor, raw):
    if raw == "":
        # An empty body is an empty object: every required field is named.
        assert_error(post(editor, raw), 400, "title")
    else:
        assert_error(post(editor, raw), 400, "body")
    assert not Incident.objects.exists()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "text/plain", "application/xml"])
def test_wrong_content_type_is_415(editor, content_type):
    assert_error(post(editor, "title=x", content_type), 415, "body")
    assert not Incident.objects.exists()


@pytest.mark.parametrize("data", [[1, 2], "a string", 5, None])
def test_a_body_that_is_not_an_object_is_400(editor, data):
    assert_error(post(editor, json.dumps(data)), 400, "non_field_errors")


def test_unknown_fields_are_named(editor):
    body = assert_error(post(editor, json.dumps({**VALID, "colour": "red", "sevrity": 4})), 400, "colour")
    assert set(body["errors"]) == {"colour", "sevrity"}
    assert body["errors"]["colour"][0]["code"] == "unknown_field"
    assert not Incident.objects.exists()


@pytest.mark.parametrize("field, value", [
    ("severity", "high"), ("severity", 7), ("severity", 0), ("severity", 3.5), ("severity", [3]),
    ("title", {"a": 1}), ("title", ""), ("title", "x" * 301), ("kind", "accident"), ("occurred_on", "yesterday"),
    ("occurred_on", "2025-02-30"), ("is_published", "perhaps"), ("taxonomy", "not-a-list"), ("taxonomy", [1]),
    ("slug", "has spaces"), ("summary", None),
])
def test_wrong_types_and_out_of_range_values_are_named(editor, field, value):
    assert_error(post(editor, json.dumps({**VALID, field: value})), 400, field)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("field, value", [
    ("value", "high"), ("value", 101), ("sample_size", 0), ("sample_size", 2**40),
    ("sample_size", -5), ("as_of", "2025-13-01"), ("metric", "no-such-metric"), ("system", 42), ("claim", 10**12),
    ("evidence", "x"), ("lower", "low"),
])
def test_measurement_values_out_of_range_are_named(editor, field, value):
    measurement = MeasurementFactory(value=50)
    before = Measurement.objects.values().get(pk=measurement.pk)
    response = editor.patch(f"/api/v1/measurements/{measurement.pk}/", data=json.dumps({field: value}),
                            content_type="application/json")
    assert_error(response, 400, field)
    assert Measurement.objects.values().get(pk=measurement.pk) == before


@pytest.mark.parametrize("field, value", [("position", -1), ("position", 40000), ("statement", "a\x00b"), ("status", "true")])
def test_claim_values_are_checked(editor, field, value):
    claim = ClaimFactory()
    response = editor.patch(f"/api/v1/claims/{claim.pk}/", data=json.dumps({field: value}), content_type="application/json")
    assert_error(response, 400, field)


def test_a_5_mb_body_is_413_and_writes_nothing(editor):
    huge = json.dumps({**VALID, "body": "x" * (5 * 1024 * 1024)})
    body = assert_error(post(editor, huge), 413, "body")
    assert body["code"] == "too_large"
    assert not Incident.objects.exists()


def test_a_body_just_over_the_api_limit_is_413(editor, settings):
    settings.API_MAX_BODY_BYTES = 1000
    assert_error(post(editor, json.dumps({**VALID, "body": "x" * 2000})), 413, "body")
    assert post(editor, json.dumps(VALID)).status_code == 201


def test_a_huge_body_is_refused_before_authentication_matters(client):
    # Anonymous: refused for lack of a token (401), not by reading 5 MB.
    response = post(client, "x" * (5 * 1024 * 1024))
    assert response.status_code in (401, 413)
    assert response.json()["errors"] is not None


@pytest.mark.parametrize("query, field", [
    ("page_size=0", "page_size"), ("page=-3", "page"), ("ordering=-nonsense", "ordering"),
    ("updated_since=2025-99-01", "updated_since"), ("kind=incident&kind=nonsense", "kind"), ("reproduction=maybe", "reproduction"),
    ("year=99999999999999999999", "year"), ("format=exe", "format"), ("cursor=%FF%FE", "cursor"),
])
def test_unknown_filter_values_are_400_naming_the_parameter(client, query, field):
    IncidentFactory()
    assert_error(client.get(f"/api/v1/incidents/?{query}"), 400, field)


@pytest.mark.parametrize("path, query, field", [
    ("claims", "status=sure", "status"), ("claims", "incident=AIKB-2025-9999", "incident"), ("claims", "incident=garbage", "incident"),
    ("evidence", "claim=abc", "claim"), ("evidence", "source=-1", "source"), ("evidence", "source=99999999999999999999999", "source"),
    ("measurements", "metric=ghost", "metric"), ("measurements", "provenance=rumour", "provenance"),
    ("sources", "kind=tweet", "kind"), ("metrics", "unit=furlongs", "unit"), ("organisations", "kind=club", "kind"),
    ("systems", "developer=nobody", "developer"), ("taxonomy", "scheme=mine", "scheme"), ("taxonomy", "colour=red", "colour"),
])
def test_every_list_names_its_bad_parameter(client, path, query, field):
    assert_error(client.get(f"/api/v1/{path}/?{query}"), 400, field)


def test_a_failed_status_change_leaves_no_trace(editor):
    claim = ClaimFactory(status="supported")
    before = Claim.objects.values().get(pk=claim.pk)
    response = editor.patch(f"/api/v1/claims/{claim.pk}/", data=json.dumps({"status": "reproduced", "status_note": "trust me"}),
                            content_type="application/json")
    assert_error(response, 400, "status")
    assert Claim.objects.values().get(pk=claim.pk) == before
    assert not claim.status_changes.exists()


def test_a_lookup_that_is_not_an_id_is_404_not_500(client):
    for path in ("/api/v1/claims/abc/", "/api/v1/claims/99999999999999999999999/", "/api/v1/incidents/AIKB-2025-99999999999999999999/",
                 "/api/v1/sources/-1/", "/api/v1/measurements/1.5/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
