"""Anonymous and token clients are throttled at different rates; over the
limit the API answers 429 with Retry-After."""

import pytest
from rest_framework.test import APIClient

from api.tokens import issue_token
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "token": "5/minute", "journalist": "8/minute"},
    }


def statuses(client, n, path="/api/v1/incidents/", **extra):
    return [client.get(path, **extra).status_code for _ in range(n)]


def test_anonymous_clients_get_429_with_retry_after_over_their_rate(low_rates):
    IncidentFactory()
    client = APIClient()
    assert statuses(client, 3) == [200, 200, 200]
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"


def test_anonymous_clients_are_counted_per_address(low_rates):
    client = APIClient()
    assert statuses(client, 4, REMOTE_ADDR="10.0.0.1")[-1] == 429
    assert statuses(client, 1, REMOTE_ADDR="10.0.0.2") == [200]


def test_token_clients_get_a_higher_rate_than_anonymous(low_rates, make_user):
    _, plain = issue_token(make_user("reader"), "t", read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert statuses(client, 6) == [200] * 5 + [429]
    # The same address without the token has its own, lower allowance.
    assert statuses(APIClient(), 4) == [200, 200, 200, 429]


def test_journalists_get_the_highest_rate(low_rates, make_user):
    _, plain = issue_token(make_user("journo", groups=["journalist"]), "t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert statuses(client, 9) == [200] * 8 + [429]


def test_a_users_tokens_share_one_allowance(low_rates, make_user):
    user = make_user("two-tokens")
    clients = []
    for name in ("a", "b"):
        _, plain = issue_token(user, name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
        clients.append(client)
    assert statuses(clients[0], 5) == [200] * 5
    assert statuses(clients[1], 1) == [429]


def test_throttling_covers_items_and_writes(low_rates, editor_token):
    incident = IncidentFactory()
    client = APIClient()
    assert statuses(client, 4, f"/api/v1/incidents/{incident.public_id}/")[-1] == 429
    writer = APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Bearer {editor_token}")
    codes = [writer.patch(f"/api/v1/incidents/{incident.public_id}/", {"position": 1}, format="json").status_code
             for _ in range(6)]
    assert codes[-1] == 429


def test_the_documented_default_rates_are_in_settings():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(rates) >= {"anon", "token", "journalist"}
