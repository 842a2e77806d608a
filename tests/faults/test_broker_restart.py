"""Redis restarted while tasks are queued: after it returns every queued task
runs, and a briefing or reproduction run requested while it was down is
recorded (202, never a 500) and sent by the requeue task once the broker is
back; the briefings are rendered once.

The test runs its own Redis (append-only file on, as docs/operations.md asks of
production) on a free loopback port, so restarting it disturbs nothing else,
and a real Celery worker on the `pdf` queue against the test database."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from briefings.models import Briefing
from briefings.delivery import requeue_undispatched
from config.celery import app as celery_app
from reproductions.models import EvalModel, ReproductionRun
from reproductions.services import requeue_undispatched as requeue_runs
from reproductions.services import trigger_run
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory
from tests.reproductions.factories import HarnessMetricFactory
from tests.test_stack import BASE_DIR, free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class PrivateRedis:
    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # a clean shutdown writes the append-only file
            self.process.wait(timeout=10)

    def queued(self, queue: str) -> int:
        return redis.Redis(port=self.port).llen(queue)


@pytest.fixture
def private_redis(tmp_path):
    if not subprocess.run(["which", "redis-server"], capture_output=True).stdout:
        pytest.fail("redis-server is not installed (scripts/services.sh installs it)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _reset_producers():
    # Only forget the cached pools: they are kombu's process-wide pools for
    # the broker URL, still used by other tests once the URL is restored.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (which sends tasks) at `url`."""
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.set_current()  # shared tasks send through the current app
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = url, {}
    _reset_producers()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
        _reset_producers()


def worker_database_url() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return (f"postgresql://{params['USER'] or 'postgres'}{password}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or '5432'}/{params['NAME']}")


@contextlib.contextmanager
def pdf_worker(broker_url: str, log_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=worker_database_url(), CELERY_BROKER_URL=broker_url,
               AIKB_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "pdf", "-P", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"faults-{os.getpid()}@%h"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            yield worker
        finally:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            except ProcessLookupError:
                pass


def published_incident():
    incident = IncidentFactory(is_published=True)
    EvidenceFactory(incident=incident, claim=ClaimFactory(incident=incident))
    return incident


def request_briefing(client, incident):
    response = client.post("/api/v1/briefings/", {"incident": incident.public_id}, format="json")
    assert response.status_code == 202, response.content
    return Briefing.objects.get(pk=response.json()["id"])


def test_queued_tasks_survive_a_redis_restart_and_requests_during_the_outage_are_sent_later(
    private_redis, tmp_path
):
    incidents = [published_incident() for _ in range(3)]
    client = APIClient()
    with celery_broker(private_redis.url):
        before = [request_briefing(client, incident) for incident in incidents[:2]]
        assert all(Briefing.objects.get(pk=b.pk).task_id for b in before)
        assert private_redis.queued("pdf") == 2

        private_redis.stop()
        during = request_briefing(client, incidents[2])
        during.refresh_from_db()
        assert during.status == Briefing.Status.QUEUED and during.task_id == ""

        private_redis.start()
        assert private_redis.queued("pdf") == 2  # nothing queued was lost in the restart
        assert requeue_undispatched(now=timezone.now() + timedelta(minutes=5)) == 1
        assert private_redis.queued("pdf") == 3
        assert requeue_undispatched(now=timezone.now() + timedelta(minutes=5)) == 0

    with pdf_worker(private_redis.url, tmp_path / "worker.log"):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if Briefing.objects.filter(status=Briefing.Status.READY).count() == 3:
                break
            time.sleep(0.5)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert Briefing.objects.filter(status=Briefing.Status.READY).count() == 3, log[-3000:]
    for incident in incidents:
        assert Briefing.objects.filter(incident=incident).count() == 1
    assert private_redis.queued("pdf") == 0


def test_a_run_requested_while_the_broker_is_down_is_queued_and_sent_when_it_returns(private_redis):
    mapping = HarnessMetricFactory()
    model = EvalModel.objects.create(name="Mock model", slug="mock-model", provider="mockllm")
    with celery_broker(private_redis.url):
        private_redis.stop()
        run = trigger_run(mapping.harness, model, triggered_by="api")
        run.refresh_from_db()
        assert run.status == ReproductionRun.Status.QUEUED and run.celery_task_id == ""

        private_redis.start()
        assert requeue_runs(now=timezone.now() + timedelta(minutes=5)) == 1
        assert ReproductionRun.objects.get(pk=run.pk).celery_task_id
        assert private_redis.queued("gpu") == 1
        assert requeue_runs(now=timezone.now() + timedelta(minutes=5)) == 0
