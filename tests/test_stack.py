"""The run command's stack, started for real: embedded PostgreSQL 18,
migrations, curated data, gunicorn, a Celery worker and beat on the
filesystem broker; then stopped with Ctrl-C, leaving no process behind."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_curated_incident_id() -> str:
    records = yaml.safe_load((BASE_DIR / "fixtures" / "curated.yaml").read_text())
    return next(r["fields"]["public_id"] for r in records if r["model"] == "incidents.incident")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.integration
def test_run_command_serves_the_curated_data_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(AIKB_VAR_DIR=str(tmp_path / "var"), AIKB_PORT=str(port), WEB_CONCURRENCY="1")
    stack = subprocess.Popen(
        [sys.executable, "-m", "config.stack"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(stack.stdout.readline, "")), daemon=True)
    reader.start()
    descendants: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        address = None
        worker_ready = False
        while time.monotonic() < deadline and stack.poll() is None:
            text = "".join(output)
            match = re.search(r"is running: open (http://\S+)", text)
            address = match.group(1) if match else None
            worker_ready = re.search(r"\S+@\S+ ready\.", text) is not None
            if address and worker_ready:
                break
            time.sleep(0.5)
        assert address == f"http://127.0.0.1:{port}/", "".join(output)[-3000:]
        assert worker_ready, "".join(output)[-3000:]
        descendants = psutil.Process(stack.pid).children(recursive=True)

        status, body = fetch(address + "admin/login/")
        assert status == 200 and "Log in" in body
        status, body = fetch(address + "healthz")
        assert status == 200 and '"database": "ok"' in body and '"broker": "ok"' in body
        public_id = first_curated_incident_id()
        status, body = fetch(f"{address}incidents/{public_id}/")
        assert status == 200
        assert public_id in body

        # The first run shows the whole product: harnesses, a pipeline check, a digest.
        assert (tmp_path / "var" / "site-url").read_text() == f"http://127.0.0.1:{port}\n"
        status, body = fetch(address + "api/v1/harnesses/")
        assert status == 200 and '"count":0' not in body.replace(" ", "")
        status, body = fetch(address + "digests/")
        assert status == 200 and ">PDF, " in body

        # Search on the embedded PostgreSQL 18, as a new user types it (issue 22).
        for query in ("alibba", "antropic", "blakmail", "crypto", "Alibaba+Group"):
            status, body = fetch(f"{address}incidents/?q={query}")
            assert status == 200 and '<h3 class="card__title">' in body, query
    finally:
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.kill()
            raise
    reader.join(timeout=5)
    assert stack.returncode == 0, "".join(output)[-3000:]
    assert "Stopped." in "".join(output)
    survivors = [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert survivors == []
    postgres_left = [
        p for p in psutil.process_iter(["cmdline"]) if any(str(tmp_path) in part for part in p.info["cmdline"] or [])
    ]
    assert postgres_left == []


@pytest.mark.parametrize(
    ("host", "address"),
    [("127.0.0.1", "http://127.0.0.1:8000"), ("0.0.0.0", "http://127.0.0.1:8000"), ("::", "http://[::1]:8000"),
     ("::1", "http://[::1]:8000"), ("aikb.local", "http://aikb.local:8000")],
)
def test_the_address_to_open_and_link_to_is_one_a_browser_reaches(host, address):
    from config.stack import local_address

    assert local_address(host, 8000) == address
