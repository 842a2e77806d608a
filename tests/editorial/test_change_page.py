"""What changed, where readers meet it: the incident page's section (with
its feed linked), the feeds page, and the API item's `changes`."""

import pytest

from editorial.changes import incident_changes
from incidents.services import change_claim_status
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(clock):
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    clock.tick()
    change_claim_status(claim, "contested", reason="The company disputes it")
    return incident


def test_the_incident_page_says_what_changed_and_links_its_feed(client, incident):
    response = client.get(incident.get_absolute_url())

    html = response.content.decode()
    section = html[html.index('<section id="changes"'):]
    section = section[: section.index("</section>")]
    assert "What changed" in section
    assert "Claim 1 moved from Supported to Contested on 3 March 2026: The company disputes it." in section
    feed = f"/incidents/{incident.public_id}/changes.atom"
    assert f'href="{feed}"' in section
    assert f'href="/incidents/{incident.public_id}/history/"' in section
    head = html[: html.index("</head>")]
    assert f'<link rel="alternate" type="application/atom+xml" title="What changed: {incident.public_id}" href="{feed}">' in head


def test_the_page_shows_no_draft_wording(client, clock):
    incident = IncidentFactory(is_published=False, summary="Draft wording")
    incident.title = "A title nobody published"
    incident.save()
    clock.tick()
    incident.is_published = True
    incident.title = "The published title"
    incident.save()

    html = client.get(incident.get_absolute_url()).content.decode()
    section = html[html.index('<section id="changes"'):]
    assert "nobody published" not in section[: section.index("</section>")]


def test_the_feeds_page_describes_the_changes_feed(client):
    html = client.get("/feeds/").content.decode()
    assert "What changed in one incident" in html and "/changes.atom" in html


def test_the_api_item_carries_the_same_changes(client, incident):
    data = client.get(f"/api/v1/incidents/{incident.public_id}/").json()

    expected = incident_changes(incident)
    assert [c["text"] for c in data["changes"]] == [c.text for c in expected]
    newest = data["changes"][0]
    assert newest["kind"] == "status" and newest["when"].startswith("2026-03-03T10:")
    assert newest["url"].endswith(f"/incidents/{incident.public_id}/#claim-{incident.claims.get().pk}")
    assert newest["url"].startswith("http")
