"""ETag and Last-Modified on items and lists; If-None-Match and
If-Modified-Since answer 304 while nothing changed."""

import datetime

import pytest
from django.utils.http import http_date

from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/incidents/", "/api/v1/incidents/{id}/", "/api/v1/claims/", "/api/v1/sources/",
                                  "/api/v1/incidents/?format=csv", "/api/v1/incidents/{id}/?format=bibtex"])
def test_if_none_match_gives_304_without_a_body(client, path):
    incident = IncidentFactory()
    ClaimFactory(incident=incident)
    url = path.format(id=incident.public_id)
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_change_makes_the_old_etag_stale(client):
    incident = IncidentFactory(title="Before")
    url = f"/api/v1/incidents/{incident.public_id}/"
    etag = client.get(url)["ETag"]
    list_etag = client.get("/api/v1/incidents/")["ETag"]

    incident.title = "After"
    incident.save()

    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["title"] == "After"
    assert changed["ETag"] != etag
    assert client.get("/api/v1/incidents/", HTTP_IF_NONE_MATCH=list_etag).status_code == 200


def test_a_claim_status_change_changes_the_incident_etag(client, editor):
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    url = f"/api/v1/incidents/{incident.public_id}/"
    etag = client.get(url)["ETag"]
    assert editor.patch(f"/api/v1/claims/{claim.pk}/", {"status": "contested", "status_note": "Disputed."}, format="json").status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_last_modified_is_the_newest_update_and_if_modified_since_works(client):
    older, newer = IncidentFactory(), IncidentFactory()
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    Incident.objects.filter(pk=older.pk).update(updated=when - datetime.timedelta(days=3))
    Incident.objects.filter(pk=newer.pk).update(updated=when)

    response = client.get("/api/v1/incidents/")
    assert response["Last-Modified"] == http_date(when.timestamp())
    item = client.get(f"/api/v1/incidents/{older.public_id}/")
    assert item["Last-Modified"] == http_date((when - datetime.timedelta(days=3)).timestamp())

    assert client.get("/api/v1/incidents/", HTTP_IF_MODIFIED_SINCE=http_date(when.timestamp())).status_code == 304
    earlier = http_date((when - datetime.timedelta(seconds=1)).timestamp())
    assert client.get("/api/v1/incidents/", HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_formats_have_different_etags_and_vary(client):
    incident = IncidentFactory()
    as_json = client.get("/api/v1/incidents/")
    as_csv = client.get("/api/v1/incidents/", HTTP_ACCEPT="text/csv")
    assert as_json["ETag"] != as_csv["ETag"]
    assert "Accept" in as_json["Vary"] and "Authorization" in as_json["Vary"]
    assert client.get("/api/v1/incidents/", HTTP_ACCEPT="text/csv", HTTP_IF_NONE_MATCH=as_json["ETag"]).status_code == 200
    assert incident.public_id in as_csv.content.decode()


def test_head_gives_the_same_validators_without_a_body(client):
    IncidentFactory()
    get = client.get("/api/v1/incidents/")
    head = client.head("/api/v1/incidents/")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"]


def test_errors_and_writes_carry_no_etag(client, editor):
    assert "ETag" not in client.get("/api/v1/incidents/AIKB-2025-9999/")
    claim = ClaimFactory()
    assert "ETag" not in editor.patch(f"/api/v1/claims/{claim.pk}/", {"position": 2}, format="json")
