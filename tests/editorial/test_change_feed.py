"""The per-incident changes feed (/incidents/<public-id>/changes.atom): valid
Atom with the change log's entries under ids that never change; drafts and
unknown ids are a 404, a merged entry's feed leads to its survivor's."""

import xml.etree.ElementTree as ET

import pytest

from editorial.changes import incident_changes
from editorial.submissions import merge_incidents
from incidents.services import change_claim_status
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_of(client, incident, **headers):
    response = client.get(f"/incidents/{incident.public_id}/changes.atom", **headers)
    assert response.status_code == 200
    return response, ET.fromstring(response.content)


@pytest.fixture
def incident(clock):
    incident = IncidentFactory(title="Agent opened a tunnel")
    claim = ClaimFactory(incident=incident)
    clock.tick()
    change_claim_status(claim, "contested", reason="The company disputes it")
    return incident


def test_the_feed_is_atom_with_the_change_log_as_entries(client, incident):
    response, feed = feed_of(client, incident)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == f"What changed: {incident.public_id}: Agent opened a tunnel"
    entries = feed.findall(f"{ATOM}entry")
    expected = incident_changes(incident)
    assert [e.findtext(f"{ATOM}title") for e in entries] == [c.sentence for c in expected]
    assert "The company disputes it" in entries[0].findtext(f"{ATOM}summary")
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"{incident.get_absolute_url()}#claim-{incident.claims.get().pk}")
    assert entries[0].findtext(f"{ATOM}updated").startswith("2026-03-03")


def test_entry_ids_are_tag_uris_that_stay_the_same_as_the_log_grows(client, incident, clock):
    _, feed = feed_of(client, incident)
    before = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    clock.tick()
    incident.summary = "A revised summary."
    incident.save()
    _, feed = feed_of(client, incident)
    after = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]

    assert all(i.startswith(f"tag:aikb,2025:{incident.public_id}:change:") for i in after)
    assert len(set(after)) == len(after)
    assert after[1:] == before


def test_a_browser_gets_the_feed_as_xml_it_can_style(client, incident):
    response, _ = feed_of(client, incident, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/xml")
    assert b"<?xml-stylesheet" in response.content


def test_unknown_and_draft_incidents_have_no_feed(client):
    draft = IncidentFactory(is_published=False)
    assert client.get(f"/incidents/{draft.public_id}/changes.atom").status_code == 404
    assert client.get("/incidents/AIKB-2099-9999/changes.atom").status_code == 404
    assert client.get("/incidents/not-an-id/changes.atom").status_code == 404


def test_a_merged_entry_feed_leads_to_its_survivor(client, incident):
    duplicate = IncidentFactory()
    merge_incidents(duplicate, incident)
    response = client.get(f"/incidents/{duplicate.public_id}/changes.atom")
    assert response.status_code == 301
    assert response["Location"] == f"/incidents/{incident.public_id}/changes.atom"
