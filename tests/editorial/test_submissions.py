"""Public submissions: the form, spam guards, the private tracking page and
the editors' decisions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from editorial.models import Submission
from editorial.submissions import (
    ModerationError,
    accept_submission,
    merge_incidents,
    merge_submission,
    reject_submission,
)
from incidents.models import Evidence, Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

NEW_INCIDENT = {
    "kind": "new-incident",
    "title": "Chatbot gave dangerous advice",
    "url": "https://example.org/report",
    "description": "A support chatbot told users to mix cleaning products.",
}


def submit(client, data, **extra):
    return client.post(reverse("submit"), data, REMOTE_ADDR=extra.pop("ip", "203.0.113.5"), **extra)


def test_anyone_can_submit_a_new_incident_and_follow_it_privately(client):
    form = client.get(reverse("submit"))
    assert form.status_code == 200 and b'name="website"' in form.content
    assert b"<style" not in form.content  # the CSP allows no inline style: the honeypot hides by class

    response = submit(client, NEW_INCIDENT)

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/submit/track/{submission.tracking_token}/")
    assert len(submission.tracking_token) >= 32
    assert submission.state == Submission.State.PENDING
    page = client.get(submission.get_tracking_url())
    assert page.status_code == 200
    assert b"Waiting for an editor" in page.content
    assert page["Cache-Control"] == "private, no-store"
    assert client.get("/submit/track/not-a-real-token/").status_code == 404


def test_evidence_with_a_file_for_an_existing_incident(client):
    incident = IncidentFactory()
    upload = SimpleUploadedFile("snapshot.html", b"<html>the article</html>", content_type="text/html")
    response = submit(client, {"kind": "evidence", "incident": incident.public_id, "citation": "Daily News, 3 May",
                               "description": "The article quotes the company.", "file": upload})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.incident == incident
    assert len(submission.file_sha256) == 64


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"url": "", "citation": ""}, "url", "Give a URL or a citation"),
        ({"title": ""}, "title", "Give the new incident a title"),
        ({"kind": "evidence", "incident": "AIKB-2099-9999"}, "incident", "No published incident"),
        ({"kind": "evidence"}, "incident", "Name the incident"),
        ({"description": "x" * 20_001}, "description", "at most 20000 characters"),
        ({"kind": "gossip"}, "kind", "Select a valid choice"),
    ],
)
def test_invalid_submissions_get_field_errors(client, changes, field, message):
    response = submit(client, {**NEW_INCIDENT, **changes})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Submission.objects.exists()


def test_file_type_and_size_limits(client, settings):
    settings.AIKB_SUBMISSION_MAX_BYTES = 1000
    script = SimpleUploadedFile("run.exe", b"MZ...", content_type="application/octet-stream")
    response = submit(client, {**NEW_INCIDENT, "file": script})
    assert "Upload a PDF, HTML" in response.context["form"].errors["file"][0]
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 2000, content_type="application/pdf")
    response = submit(client, {**NEW_INCIDENT, "file": big})
    assert "the limit is 1,000 bytes" in response.context["form"].errors["file"][0]
    huge = SimpleUploadedFile("huge.pdf", b"%PDF" + b"0" * 200_000, content_type="application/pdf")
    response = submit(client, {**NEW_INCIDENT, "file": huge})
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_honeypot_submissions_are_dropped_silently(client):
    response = submit(client, {**NEW_INCIDENT, "website": "http://spam.example"})
    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert not Submission.objects.exists()


def test_submissions_are_throttled_per_address(client, settings):
    settings.AIKB_SUBMISSIONS_PER_HOUR = 2
    assert submit(client, NEW_INCIDENT).status_code == 302
    assert submit(client, NEW_INCIDENT).status_code == 302
    refused = submit(client, NEW_INCIDENT)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert submit(client, NEW_INCIDENT, ip="198.51.100.7").status_code == 302
    assert Submission.objects.count() == 3


def make_submission(**fields):
    defaults = {"kind": "new-incident", "title": "A new case", "url": "https://example.org/a",
                "description": "Something happened."}
    return Submission.objects.create(**{**defaults, **fields})


def test_accepting_a_new_incident_creates_a_draft_with_its_source(editor):
    submission = make_submission()
    incident = accept_submission(submission, editor)
    submission.refresh_from_db()
    assert submission.state == Submission.State.ACCEPTED
    assert submission.decided_by == editor and submission.incident == incident
    assert incident.title == "A new case" and not incident.is_published
    assert incident.public_id
    # OECD "submitter": a member of the public, named nowhere (their contact stays on the submission).
    assert incident.submitter_type == "public" and incident.submitter_name == ""
    evidence = Evidence.objects.get(incident=incident)
    assert evidence.source.url == "https://example.org/a"
    assert incident.history.first().history_change_reason == f"Created from submission {submission.pk}"
    with pytest.raises(ModerationError, match="already decided"):
        accept_submission(submission, editor)


def test_accepting_evidence_attaches_it_with_the_archived_file(editor, client):
    incident = IncidentFactory()
    upload = SimpleUploadedFile("snapshot.html", b"<html>copy</html>", content_type="text/html")
    submit(client, {"kind": "evidence", "incident": incident.public_id, "url": "https://example.org/b",
                    "description": "More detail.", "file": upload})
    submission = Submission.objects.get()
    accept_submission(submission, editor)
    source = Evidence.objects.get(incident=incident).source
    assert source.archived_sha256 == submission.file_sha256
    assert Incident.objects.count() == 1


def test_a_duplicate_submission_is_merged_into_the_existing_incident(editor):
    existing = IncidentFactory()
    submission = make_submission()
    with pytest.raises(ModerationError, match="duplicate of"):
        merge_submission(submission, editor)
    submission.duplicate_of = existing
    submission.save()
    assert merge_submission(submission, editor) == existing
    submission.refresh_from_db()
    assert submission.state == Submission.State.MERGED
    assert Evidence.objects.filter(incident=existing).count() == 1
    assert Incident.objects.count() == 1


def test_rejection_needs_a_reason_the_submitter_sees(editor, client):
    submission = make_submission()
    with pytest.raises(ModerationError, match="needs a reason"):
        reject_submission(submission, editor, "  ")
    reject_submission(submission, editor, "The source does not mention an AI system.")
    page = client.get(submission.get_tracking_url())
    assert b"Rejected" in page.content
    assert b"The source does not mention an AI system." in page.content


def test_merged_incident_redirects_permanently_in_pages_and_api(client):
    survivor, duplicate, older = IncidentFactory(), IncidentFactory(), IncidentFactory()
    merge_incidents(older, duplicate)
    merge_incidents(duplicate, survivor)
    older.refresh_from_db()
    assert older.merged_into == survivor  # chains are flattened
    page = client.get(f"/incidents/{duplicate.public_id}/")
    assert page.status_code == 301 and page["Location"] == f"/incidents/{survivor.public_id}/"
    api = client.get(f"/api/v1/incidents/{older.public_id}/")
    assert api.status_code == 301 and survivor.public_id in api["Location"]
    history = client.get(f"/incidents/{duplicate.public_id}/history/")
    assert history.status_code == 301 and history["Location"] == f"/incidents/{survivor.public_id}/history/"


def test_api_submission_and_tracking(client):
    from rest_framework.test import APIClient

    api = APIClient(REMOTE_ADDR="192.0.2.9")
    response = api.post("/api/v1/submissions/", NEW_INCIDENT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending" and body["incident"] is None
    assert response["Location"].endswith(f"/submit/track/{body['tracking_token']}/")
    tracked = api.get(f"/api/v1/submissions/{body['tracking_token']}/")
    assert tracked.status_code == 200 and tracked.json()["kind"] == "new-incident"
    assert api.get("/api/v1/submissions/").status_code in (404, 405)  # no listing of others' submissions

    bad = api.post("/api/v1/submissions/", {**NEW_INCIDENT, "url": "", "citation": ""}, format="json")
    assert bad.status_code == 400
    assert "url" in bad.json()["errors"]
    spam = api.post("/api/v1/submissions/", {**NEW_INCIDENT, "website": "x"}, format="json")
    assert spam.status_code == 400
    not_an_object = api.post("/api/v1/submissions/", [NEW_INCIDENT], format="json")
    assert not_an_object.status_code == 400 and "non_field_errors" in not_an_object.json()["errors"]
    assert Submission.objects.count() == 1
