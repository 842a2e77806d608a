"""The moderation queue in the admin: list, accept, merge, reject."""

import pytest
from django.test import Client

from editorial.models import Submission
from incidents.models import Evidence
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_as_editor(editor):
    client = Client()
    client.force_login(editor)
    return client


def pending(**fields):
    defaults = {"kind": "new-incident", "title": "A case", "url": "https://example.org/x", "description": "d"}
    return Submission.objects.create(**{**defaults, **fields})


def act(client, action, *submissions):
    return client.post("/admin/editorial/submission/", {"action": action, "_selected_action": [s.pk for s in submissions]},
                       follow=True)


def test_queue_lists_pending_submissions_within_a_query_budget(admin_client_as_editor, django_assert_max_num_queries):
    for _ in range(10):
        pending(kind="evidence", incident=IncidentFactory())
    with django_assert_max_num_queries(20):
        response = admin_client_as_editor.get("/admin/editorial/submission/?state__exact=pending")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 10
    change = admin_client_as_editor.get(f"/admin/editorial/submission/{Submission.objects.first().pk}/change/")
    assert b"/submit/track/" in change.content


def test_reject_needs_the_reason_written_on_the_submission(admin_client_as_editor):
    without, with_reason = pending(), pending(rejection_reason="Not about an AI system.")
    response = act(admin_client_as_editor, "reject", without, with_reason)
    without.refresh_from_db()
    with_reason.refresh_from_db()
    assert without.state == Submission.State.PENDING
    assert with_reason.state == Submission.State.REJECTED
    assert b"needs a reason" in response.content


def test_merge_uses_the_duplicate_of_field(admin_client_as_editor):
    existing = IncidentFactory()
    submission = pending(duplicate_of=existing)
    act(admin_client_as_editor, "merge", submission)
    submission.refresh_from_db()
    assert submission.state == Submission.State.MERGED
    assert Evidence.objects.filter(incident=existing, source=submission.source).exists()
