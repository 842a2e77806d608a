"""Anonymous and token clients are throttled at different rates; over the
limit the API answers 429 with Retry-After. A client gets the documented
rate whichever web process serves it, and cannot reset its count by writing
X-Forwarded-For."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.tokens import issue_token
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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


def test_anonymous_clients_cannot_reset_their_count_with_x_forwarded_for(low_rates):
    client = APIClient(REMOTE_ADDR="10.0.0.3")
    codes = [client.get("/api/v1/incidents/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_clients_are_told_apart_by_the_address_it_appended(low_rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = APIClient(REMOTE_ADDR="10.0.0.254")
    # What the client wrote comes first; the proxy appends what it saw.
    codes = [proxy.get("/api/v1/incidents/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.1").status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert statuses(proxy, 1, HTTP_X_FORWARDED_FOR="198.51.100.2") == [200]


# A web process of its own: counts anonymous requests from one address at
# AIKB_API_RATE_ANON, from a common start time, and prints how many passed.
WEB_PROCESS = """
import sys, time
import django
django.setup()
from django.test import RequestFactory
from rest_framework.request import Request
from api.throttling import ApiRateThrottle
address, requests, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
request = Request(RequestFactory().get("/api/v1/incidents/", REMOTE_ADDR=address))
time.sleep(max(0.0, start - time.time()))
print(sum(ApiRateThrottle().allow_request(request, None) for _ in range(requests)))
"""


def web_processes(cache_url, rate, address, *requests):
    """Start one process per entry of `requests` at once; how many of its
    requests each let through."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "AIKB_API_RATE_ANON": rate}
    env.pop("AIKB_CACHE_URL", None)
    if cache_url:
        env["AIKB_CACHE_URL"] = cache_url
    start = time.time() + 3  # once all have started Django
    processes = [
        subprocess.Popen([sys.executable, "-c", WEB_PROCESS, address, str(n), str(start)],
                         cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in requests
    ]
    passed = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        passed.append(int(out))
    return passed


@pytest.mark.integration
@pytest.mark.parametrize("cache_url", ["", REDIS_URL], ids=["embedded-files", "redis"])
def test_web_processes_share_one_count(cache_url):
    address = f"proc-{uuid.uuid4().hex}"
    first = web_processes(cache_url, "10/minute", address, 7)
    second = web_processes(cache_url, "10/minute", address, 7)
    assert first + second == [7, 3]


@pytest.mark.integration
@pytest.mark.parametrize("cache_url", ["", REDIS_URL], ids=["embedded-files", "redis"])
def test_requests_served_at_once_by_several_processes_are_all_counted(cache_url):
    passed = web_processes(cache_url, "40/minute", f"proc-{uuid.uuid4().hex}", 25, 25, 25, 25)
    assert sum(passed) == 40, passed
