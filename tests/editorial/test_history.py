"""Revision history: the public page on each incident, and revert in the admin."""

import pytest
from django.test import Client

from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def edit_as(user, incident, **changes):
    """Save as the admin does: the revision records the user."""
    for name, value in changes.items():
        setattr(incident, name, value)
    incident._history_user = user
    incident._change_reason = "Corrected after the company replied"
    incident.save()


def test_public_history_lists_changes_with_diffs_without_editor_names(client, editor):
    incident = IncidentFactory(title="Original title")
    ClaimFactory(incident=incident, statement="The agent mined crypto.")
    EvidenceFactory(incident=incident)
    edit_as(editor, incident, title="Corrected title")

    response = client.get(f"/incidents/{incident.public_id}/history/")

    assert response.status_code == 200
    revisions = response.context["revisions"]
    newest = revisions[0]
    assert newest.action == "changed" and newest.reason == "Corrected after the company replied"
    assert [(c.name, c.old, c.new) for c in newest.changes] == [("title", "Original title", "Corrected title")]
    assert {r.what for r in revisions} == {"incident", "claim", "evidence"}
    assert b"Corrected title" in response.content
    assert editor.username.encode() not in response.content


def test_staff_see_who_made_each_change(editor):
    incident = IncidentFactory()
    edit_as(editor, incident, summary="A better summary.")
    client = Client()
    client.force_login(editor)
    response = client.get(f"/incidents/{incident.public_id}/history/")
    assert response.context["revisions"][0].editor == editor.username
    assert editor.username.encode() in response.content


def test_history_page_has_a_fixed_query_budget(client, django_assert_max_num_queries, editor):
    incident = IncidentFactory()
    for n in range(15):
        edit_as(editor, incident, title=f"Title {n}")
        ClaimFactory(incident=incident)
    with django_assert_max_num_queries(8):
        response = client.get(f"/incidents/{incident.public_id}/history/")
    assert len(response.context["revisions"]) == 31


def test_unpublished_and_unknown_incidents_have_no_public_history(client):
    draft = IncidentFactory(is_published=False)
    assert client.get(f"/incidents/{draft.public_id}/history/").status_code == 404
    assert client.get("/incidents/AIKB-2099-9999/history/").status_code == 404


def test_an_editor_reverts_a_revision_in_the_admin(editor):
    incident = IncidentFactory(title="Right title")
    first = incident.history.earliest()
    edit_as(editor, incident, title="Vandalised title")
    client = Client()
    client.force_login(editor)

    form_page = client.get(f"/admin/incidents/incident/{incident.pk}/history/{first.history_id}/")
    assert form_page.status_code == 200 and not form_page.context["revert_disabled"]
    data = form_data(form_page)
    response = client.post(f"/admin/incidents/incident/{incident.pk}/history/{first.history_id}/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    incident.refresh_from_db()
    assert incident.title == "Right title"
    assert incident.history.count() == 3
    assert incident.history.first().history_user == editor


def form_data(response):
    """What a browser would post back from the admin form as rendered."""
    data = {}
    for form in [response.context["adminform"].form]:  # the revert form has no inlines
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [v for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = value
    return data



def test_incident_page_links_to_its_history_and_to_submit_evidence(client):
    incident = IncidentFactory()
    page = client.get(f"/incidents/{incident.public_id}/")
    assert f'href="/incidents/{incident.public_id}/history/"'.encode() in page.content
    assert f'href="/submit/?incident={incident.public_id}"'.encode() in page.content


def test_admin_history_lists_each_revision_with_its_diff(editor):
    incident = IncidentFactory(title="Original title")
    edit_as(editor, incident, title="Corrected title")
    client = Client()
    client.force_login(editor)
    page = client.get(f"/admin/incidents/incident/{incident.pk}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Corrected after the company replied" in text
    assert "Original title" in text and "Corrected title" in text
    assert "&rarr;" in text or "→" in text
