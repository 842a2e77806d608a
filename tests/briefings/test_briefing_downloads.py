"""Where people get a briefing: the incident page, its PDF address, the
digest archive and the API (202, then poll)."""

import hashlib

import pytest
from django.urls import reverse

from briefings import services, tasks
from briefings.models import Briefing
from briefings.selectors import published_incident
from config import queueing
from incidents.models import Incident
from tests.factories import IncidentFactory


def test_incident_page_links_to_its_briefing(client, briefed_incident):
    page = client.get(f"/incidents/{briefed_incident.public_id}/")
    assert page.status_code == 200
    assert f'href="/incidents/{briefed_incident.public_id}/briefing.pdf"' in page.content.decode()


def test_briefing_pdf_address_serves_the_stored_file(client, briefed_incident):
    response = client.get(f"/incidents/{briefed_incident.public_id}/briefing.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    briefing = Briefing.objects.get(incident=briefed_incident)
    assert response["X-Content-SHA256"] == briefing.sha256 == hashlib.sha256(data).hexdigest()
    assert f'filename="{briefed_incident.public_id}.pdf"' in response["Content-Disposition"]


def test_unknown_or_unpublished_incident_has_no_briefing(client, db):
    hidden = IncidentFactory(is_published=False)
    assert client.get("/incidents/AIKB-1999-9999/briefing.pdf").status_code == 404
    assert client.get(f"/incidents/{hidden.public_id}/briefing.pdf").status_code == 404
    assert not Briefing.objects.exists()


def test_failed_render_serves_the_previous_briefing(client, briefed_incident, monkeypatch):
    good = services.incident_briefing(published_incident(briefed_incident.public_id))
    Incident.objects.filter(pk=briefed_incident.pk).update(summary="Changed after the first render.")

    def broken(html, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(services, "html_to_pdf", broken)
    response = client.get(f"/incidents/{briefed_incident.public_id}/briefing.pdf")
    assert response.status_code == 200
    assert response["X-Content-SHA256"] == good.sha256
    assert "stale" in response["Warning"]
    failed = Briefing.objects.get(status=Briefing.Status.FAILED)
    assert "No space left on device" in failed.error


def test_failed_render_without_a_previous_one_explains(client, briefed_incident, monkeypatch):
    monkeypatch.setattr(services, "html_to_pdf", lambda html, *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    response = client.get(f"/incidents/{briefed_incident.public_id}/briefing.pdf")
    assert response.status_code == 503
    assert "could not be rendered" in response.content.decode()


def capture_render_sends(monkeypatch) -> list[int]:
    """Briefing ids sent to the render task (through config.queueing)."""
    queued = []

    def fake_send(task, *args, **kwargs):
        assert task.name == "briefings.tasks.render_briefing_pdf"
        queued.append(*args)
        return "task-1"

    monkeypatch.setattr(queueing, "send", fake_send)
    return queued


def test_api_request_answers_202_and_the_poll_url_leads_to_the_pdf(
    client, briefed_incident, django_capture_on_commit_callbacks, monkeypatch
):
    queued = capture_render_sends(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/briefings/", {"incident": briefed_incident.public_id}, content_type="application/json"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["download_url"] is None
    assert response["Location"] == body["url"]
    assert queued == [body["id"]]

    # The pdf worker runs the task; polling then shows the stored file.
    assert tasks.render_briefing_pdf(body["id"]) == "ready"
    polled = client.get(body["url"]).json()
    assert polled["status"] == "ready" and polled["page_count"] >= 1 and len(polled["sha256"]) == 64
    download = client.get(polled["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")


def test_api_request_for_unchanged_content_queues_nothing(client, briefed_incident, monkeypatch):
    services.incident_briefing(published_incident(briefed_incident.public_id))
    queued = capture_render_sends(monkeypatch)
    response = client.post("/api/v1/briefings/", {"incident": briefed_incident.public_id}, content_type="application/json")
    assert response.status_code == 202
    assert response.json()["status"] == "ready" and queued == []


@pytest.mark.parametrize("value", ["AIKB-1999-9999", "", "x" * 50])
def test_api_request_for_unknown_incident_is_a_400(client, db, value):
    response = client.post("/api/v1/briefings/", {"incident": value}, content_type="application/json")
    assert response.status_code == 400
    assert "incident" in response.json() or "incident" in str(response.json())
    assert not Briefing.objects.exists()


def test_api_lists_briefings_without_their_html(client, briefed_incident):
    services.incident_briefing(published_incident(briefed_incident.public_id))
    response = client.get("/api/v1/briefings/", {"incident": briefed_incident.public_id})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1 and "html" not in rows[0]
    assert rows[0]["download_url"].endswith(reverse("briefing-download", args=[rows[0]["id"]]))
