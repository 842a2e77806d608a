"""Atom feeds: new and updated incidents, and claim status changes."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from incidents.models import Incident
from incidents.services import change_claim_status
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(path)
    return feed.findall(f"{ATOM}entry")


def test_incident_feed_lists_public_incidents_most_recently_changed_first(client):
    old = IncidentFactory(title="Old news")
    new = IncidentFactory(title="Fresh news")
    IncidentFactory(title="Secret draft", is_published=False)
    IncidentFactory(title="Merged away", merged_into=new)
    Incident.objects.filter(pk=old.pk).update(updated=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))

    found = entries(client, "/api/v1/feeds/incidents.atom")

    assert [e.find(f"{ATOM}title").text for e in found] == [f"{new.public_id}: Fresh news", f"{old.public_id}: Old news"]
    first = found[0]
    assert first.find(f"{ATOM}id").text == f"tag:aikb,2025:incident:{new.public_id}"
    assert first.find(f"{ATOM}link").get("href").endswith(f"/incidents/{new.public_id}/")
    assert first.find(f"{ATOM}updated").text.startswith(str(new.updated.year))


def test_an_updated_incident_keeps_its_entry_id_and_moves_up(client):
    first, second = IncidentFactory(), IncidentFactory()
    first.title = "Revised title"
    first.save()
    found = entries(client, "/api/v1/feeds/incidents.atom")
    assert found[0].find(f"{ATOM}id").text == f"tag:aikb,2025:incident:{first.public_id}"
    assert len(found) == 2 and second.public_id in found[1].find(f"{ATOM}title").text


def test_claim_status_feed_says_what_moved_and_why(client):
    claim = ClaimFactory(status="supported", statement="Models blackmailed in 96% of runs.")
    hidden = ClaimFactory(incident=IncidentFactory(is_published=False))
    change_claim_status(claim, "contested", reason="The lab's reply disputes the **setup**.")
    change_claim_status(hidden, "refuted", reason="hidden")

    found = entries(client, "/api/v1/feeds/claim-status.atom")

    assert len(found) == 1
    entry = found[0]
    assert entry.find(f"{ATOM}title").text == f"{claim.incident.public_id}: claim supported \u2192 contested"
    summary = entry.find(f"{ATOM}summary").text
    assert "Models blackmailed in 96% of runs." in summary and "<strong>setup</strong>" in summary
    assert entry.find(f"{ATOM}link").get("href").endswith(f"#claim-{claim.pk}")
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["contested"]


def test_feed_text_is_escaped(client):
    claim = ClaimFactory(statement="<script>alert(1)</script>")
    change_claim_status(claim, "contested", reason="<img src=x onerror=alert(1)>")
    summary = entries(client, "/api/v1/feeds/claim-status.atom")[0].find(f"{ATOM}summary").text
    assert "<script>" not in summary and "onerror" not in summary


def test_feeds_are_linked_from_the_getting_started_page(client):
    page = client.get("/api/docs/getting-started/").content.decode()
    assert "/api/v1/feeds/incidents.atom" in page and "/api/v1/feeds/claim-status.atom" in page
