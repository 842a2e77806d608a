"""Guessing credentials is slowed: failed API tokens from one address, and
failed admin logins from one address for one username (or, three times as
many, for any usernames) get 429 + Retry-After. (That nobody can lock
someone else out this way: test_throttle_lockout.py.)"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import issue_token
from tests.api.conftest import login

pytestmark = pytest.mark.django_db


def test_guessing_tokens_is_slowed(few_failures):
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    guesses = [client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer aikb_0000_guess{i}") for i in range(5)]
    assert [guess.status_code for guess in guesses] == [401, 401, 401, 429, 429]
    assert 1 <= int(guesses[-1]["Retry-After"]) <= 600
    malformed = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION="Bearer two words")
    assert malformed.status_code == 429
    # Another address, and the anonymous reader, are not affected.
    assert APIClient(REMOTE_ADDR="10.1.1.2").get("/api/v1/", HTTP_AUTHORIZATION="Bearer aikb_0000_x").status_code == 401
    assert client.get("/api/v1/incidents/").status_code == 200


def test_good_tokens_are_never_counted(few_failures, make_user):
    _, good = issue_token(make_user("reader"), "t")
    client = APIClient(REMOTE_ADDR="10.1.1.3")
    assert {client.get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {good}").status_code for _ in range(6)} == {200}


def test_the_window_expires(few_failures, monkeypatch):
    from api import throttling

    now = [1_000_000.0]
    monkeypatch.setattr(throttling.time, "time", lambda: now[0])
    client = APIClient(REMOTE_ADDR="10.1.1.4")
    for _ in range(3):
        client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer wrong_wrong_wrong")
    assert client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer wrong_wrong_wrong").status_code == 429
    now[0] += 601
    assert client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer wrong_wrong_wrong").status_code == 401


def test_admin_login_brute_force_is_slowed(few_failures, admin_user):
    client = Client(REMOTE_ADDR="10.2.2.1")
    codes = [login(client, "editor-in-chief", f"guess-{i}").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    blocked = login(client, "editor-in-chief", "the-right-password-42")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_an_address_guessing_over_many_usernames_is_slowed(few_failures, admin_user):
    client = Client(REMOTE_ADDR="10.3.3.1")
    # Three times one username's allowance, spread so that no pair is over.
    codes = [login(client, f"user-{i % 4}", "password1").status_code for i in range(9)]
    assert codes == [200] * 9
    blocked = login(client, "someone-new", "password1")
    assert blocked.status_code == 429 and 1 <= int(blocked["Retry-After"]) <= 600
    assert login(client, "editor-in-chief", "the-right-password-42").status_code == 429
    assert "_auth_user_id" not in client.session
    assert login(Client(REMOTE_ADDR="10.3.3.2"), "someone-new", "password1").status_code == 200


def test_admin_login_still_works_below_the_limit(few_failures, admin_user):
    client = Client(REMOTE_ADDR="10.4.4.1")
    assert login(client, "editor-in-chief", "wrong").status_code == 200
    response = login(client, "editor-in-chief", "the-right-password-42")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_successful_logins_are_never_counted(few_failures, admin_user):
    client = Client(REMOTE_ADDR="10.4.4.2")
    assert {login(client, "editor-in-chief", "the-right-password-42").status_code for _ in range(4)} == {302}
    client.logout()
    assert [login(client, "editor-in-chief", "wrong").status_code for _ in range(4)] == [200, 200, 200, 429]
