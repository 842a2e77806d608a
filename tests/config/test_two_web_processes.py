"""Two web processes (gunicorn) sharing the response cache, as production
runs several: what one renders the other serves, and a change saved
elsewhere (here, by the test's own process) is never answered from a copy
made before it, for the page, the PDF, the feed and the API item. Both
shared caches are tried: files under the var folder (the embedded set-up)
and Redis (AIKB_CACHE_URL)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.factories import ClaimFactory, IncidentFactory
from tests.test_stack import BASE_DIR, free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def get(url: str):
    # One public address in front of both, as behind a proxy or load balancer.
    request = urllib.request.Request(url, headers={"Host": "127.0.0.1"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(params=["files", "redis"])
def shared_cache_env(request, settings):
    """The web processes' cache settings, and the same for this process, so
    that its saves start a generation they see."""
    if request.param == "files":
        yield {}
        return
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.CACHES = {**settings.CACHES, "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "shared"}}
    from django.core.cache import caches

    caches["shared"].clear()
    yield {"AIKB_CACHE_URL": url}
    caches["shared"].clear()


@pytest.fixture
def two_web_processes(shared_cache_env, settings, tmp_path):
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "AIKB_VAR_DIR": str(settings.VAR_DIR),
        "AIKB_MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": "memory://",
        **shared_cache_env,
    }
    servers, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--worker-class", "gthread", "--threads", "2", "--timeout", "60"],
                cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            deadline = time.monotonic() + 60
            while True:
                try:
                    get(f"{base}/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_a_change_saved_anywhere_is_never_answered_from_the_cache(two_web_processes):
    first, second = two_web_processes
    incident = IncidentFactory(title="Agent mined cryptocurrency on its training GPUs", is_published=True)
    ClaimFactory(incident=incident, statement="The agent opened a reverse SSH tunnel.")
    addresses = {
        "page": f"/incidents/{incident.public_id}/",
        "api item": f"/api/v1/incidents/{incident.public_id}/",
        "feed": "/feeds/incidents.atom",
        "pdf": f"/incidents/{incident.public_id}/briefing.pdf",
    }
    before = {}
    for name, path in addresses.items():
        status, headers, body = get(first + path)
        assert (status, headers.get("X-Cache")) == (200, "MISS"), name
        status, other_headers, other_body = get(second + path)
        assert (status, other_headers.get("X-Cache")) == (200, "HIT"), f"{name}: rendered again by the other process"
        assert other_body == body and other_headers["ETag"] == headers["ETag"], name
        before[name] = headers["ETag"]

    incident.title = "Agent mined Monero on its training GPUs"
    incident.save()

    for name, path in addresses.items():
        status, headers, body = get(second + path)
        assert status == 200, name
        assert headers.get("X-Cache") == "MISS", f"{name}: answered from a copy made before the change"
        assert headers["ETag"] != before[name], name
        if name != "pdf":
            assert b"Agent mined Monero" in body, name
        status, other_headers, other_body = get(first + path)
        assert (other_headers.get("X-Cache"), other_body) == ("HIT", body), name
