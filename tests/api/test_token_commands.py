"""Tokens issued and revoked from the command line."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from api.models import ApiToken

pytestmark = pytest.mark.django_db


def issue(username, *flags):
    out = io.StringIO()
    call_command("issue_api_token", username, *flags, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_issue_then_revoke_by_prefix(make_user):
    make_user("desk")
    plain = issue("desk", "--name", "newsroom")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert client.get("/api/v1/").status_code == 200
    token = ApiToken.objects.get()
    assert token.name == "newsroom" and token.read_only is False and plain not in token.key_hash

    call_command("revoke_api_token", token.prefix, stdout=io.StringIO())

    assert client.get("/api/v1/").status_code == 401


def test_read_only_flag_and_revoke_all_of_a_user(make_user):
    make_user("desk")
    issue("desk", "--read-only")
    issue("desk")
    assert ApiToken.objects.filter(read_only=True).count() == 1
    call_command("revoke_api_token", "--user", "desk", stdout=io.StringIO())
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_commands_refuse_unknown_users_and_tokens(make_user):
    with pytest.raises(CommandError):
        issue("nobody")
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "deadbeef", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("revoke_api_token", stdout=io.StringIO())
