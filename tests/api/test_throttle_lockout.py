"""Nobody can lock someone else out: failures slow down only the address that
sends them, so a right credential from anywhere else is accepted, and a
valid token is accepted even from an address that sent many bad ones."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import issue_token
from tests.api.conftest import login

pytestmark = pytest.mark.django_db


def test_failed_logins_from_25_addresses_do_not_lock_the_editor_out(few_failures, admin_user):
    for i in range(25):
        attacker = Client(REMOTE_ADDR=f"10.9.0.{i}")
        assert [login(attacker, "Editor-In-Chief", f"guess-{n}").status_code for n in range(4)] == [200] * 3 + [429]
    editor = Client(REMOTE_ADDR="10.9.1.1")
    response = login(editor, "editor-in-chief", "the-right-password-42")
    assert response.status_code == 302
    assert editor.get("/admin/").status_code == 200


def test_a_valid_token_is_accepted_from_an_address_that_sent_many_bad_ones(few_failures, make_user):
    _, good = issue_token(make_user("reader"), "t")
    client = APIClient(REMOTE_ADDR="10.9.2.1")
    bad = [client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer aikb_0000_guess{i}").status_code
           for i in range(10)]
    assert bad == [401] * 3 + [429] * 7
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    # ...while its guessing stays slowed.
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION="Bearer aikb_0000_guess").status_code == 429
