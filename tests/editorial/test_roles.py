"""Roles × actions: each role may do exactly what editorial/roles.py grants."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import issue_token
from editorial.models import Submission
from editorial.roles import ROLES, give_role
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

ALL = ["anonymous", *ROLES]
STAFF = {"contributor", "editor", "administrator"}
MODERATORS = {"editor", "administrator"}
API_WRITERS = {"contributor", "editor", "administrator"}
PUBLISHERS = {"editor", "administrator"}


def test_every_role_is_a_group_with_its_permissions(roles):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    editor = Group.objects.get(name="editor")
    assert editor.permissions.filter(codename="change_submission").exists()
    assert not Group.objects.get(name="contributor").permissions.filter(codename="change_submission").exists()
    # Publishing, and changing what the public reads, is an editor's act.
    assert editor.permissions.filter(codename="publish_incident").exists()
    assert not Group.objects.get(name="contributor").permissions.filter(codename="publish_incident").exists()
    assert not Group.objects.get(name="journalist").permissions.exclude(codename__startswith="view_").exists()


def client_for(role, user_with_role):
    client = Client()
    if role != "anonymous":
        client.force_login(user_with_role(role))
    return client


def submission():
    return Submission.objects.create(kind="new-incident", title="A case", url="https://example.org/x", description="d")


@pytest.mark.parametrize("role", ALL)
def test_role_matrix(role, user_with_role):
    client = client_for(role, user_with_role)
    incident = IncidentFactory()
    incident.title = "Renamed by an editor"
    incident.save()
    pending = submission()

    # Everyone: submit, read the public history (editor names for staff only).
    assert client.get("/submit/").status_code == 200
    history = client.get(f"/incidents/{incident.public_id}/history/")
    assert history.status_code == 200
    assert history.context["show_editors"] is (role in STAFF)

    # The moderation queue and its actions: editors and administrators.
    queue = client.get("/admin/editorial/submission/")
    expected = 200 if role in MODERATORS else 403 if role in STAFF else 302
    assert queue.status_code == expected
    client.post("/admin/editorial/submission/", {"action": "accept", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert (pending.state == Submission.State.ACCEPTED) is (role in MODERATORS)

    # Revisions in the admin: staff may look; only who may change incidents may revert.
    first = incident.history.earliest()
    revert = client.get(f"/admin/incidents/incident/{incident.pk}/history/{first.history_id}/")
    assert revert.status_code == (200 if role in STAFF else 302)
    if role in STAFF:
        assert revert.context["revert_disabled"] is (role not in MODERATORS)


@pytest.mark.parametrize("role", ALL)
def test_api_writes_need_a_role_that_may_add(role, user_with_role):
    incident = IncidentFactory()
    api = APIClient()
    if role != "anonymous":
        _, plain = issue_token(user_with_role(role), "tests")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert api.get(f"/api/v1/incidents/{incident.public_id}/").status_code == 200
    # A public entry's claims are the editors' to add (incidents.publishing); a draft's, any writer's.
    response = api.post("/api/v1/claims/", {"incident": incident.public_id, "statement": "It did."}, format="json")
    assert response.status_code == (201 if role in PUBLISHERS else 401 if role == "anonymous" else 403)
    draft = IncidentFactory(is_published=False)
    response = api.post("/api/v1/claims/", {"incident": draft.public_id, "statement": "It did."}, format="json")
    assert response.status_code == (201 if role in API_WRITERS else 401 if role == "anonymous" else 403)


def test_give_role_makes_staff_roles_staff(django_user_model):
    user = django_user_model.objects.create_user("someone")
    give_role(user, "journalist")
    assert not user.is_staff
    give_role(user, "contributor")
    assert user.is_staff
    with pytest.raises(ValueError):
        give_role(user, "overlord")
