"""A real Celery worker (`celery -A config worker -Q pdf,default`) on the real
Redis runs the digest schedule end to end against the test database, and
survives its rendering process being SIGKILLed (issue 8's fault test)."""

import datetime
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from briefings.digests import previous_period
from briefings.models import Cadence, DigestDelivery, Subscription
from incidents.models import Incident
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory

from .conftest import make_digest_data

# No serialized_rollback: reloading the serialized database clashes with the content
# types that an earlier transactional test's flush has already recreated.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    # Not the current app: shared tasks sent later in this process (other
    # tests) must still go through config.celery's app.
    probe = Celery("probe", broker=REDIS_URL, set_as_current=False)
    probe.conf.task_routes = settings.CELERY_TASK_ROUTES
    try:
        yield probe
    finally:
        probe.close()
        client.flushdb()


@pytest.fixture
def start_worker(broker, use_smtp, tmp_path):
    """A function that starts a worker process for both queues and returns it
    once it is ready; every worker started is stopped at the end."""
    db_url = urlparse(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    base_env = {
        **os.environ,
        "DATABASE_URL": urlunparse(db_url._replace(path=f"/{connection.settings_dict['NAME']}")),
        "CELERY_BROKER_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "AIKB_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(use_smtp["port"]),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    started = []

    def start(name="pdftest", **env):
        log_path = tmp_path / f"{name}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "pdf,default", "--concurrency", "1",
             "--pool", "prefork", "--loglevel", "INFO", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"],
            cwd=BASE_DIR, env={**base_env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        handle = {"process": process, "log": log_path}
        started.append(handle)
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        return handle

    try:
        yield start
    finally:
        for handle in started:
            process = handle["process"]
            if process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
            except ProcessLookupError:
                pass


@pytest.fixture
def worker(start_worker):
    return start_worker()


# Incidents added to the digest so that rendering lasts a few seconds, long
# enough to be killed in the middle (25 rendered in under 0.7 s on a faster
# machine, before the kill).
RENDER_BUSY_INCIDENTS = 100


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc, no extra package)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _wait_for(predicate, worker, seconds=90):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert worker["process"].poll() is None, worker["log"].read_text()[-3000:]
        assert time.monotonic() < deadline, worker["log"].read_text()[-4000:]
        time.sleep(0.2)


def _last_week_data(extra_incidents=0):
    start, end = previous_period(Cadence.WEEKLY)
    inside = datetime.datetime.combine(start, datetime.time(12), tzinfo=datetime.timezone.utc) + datetime.timedelta(days=2)
    data = make_digest_data(inside, inside - datetime.timedelta(days=60))
    for number in range(extra_incidents):
        incident = IncidentFactory(title=f"Additional incident {number}", summary="Summary paragraph. " * 20)
        for claim_number in range(3):
            claim = ClaimFactory(incident=incident, statement=f"Claim {claim_number} about incident {number}.")
            EvidenceFactory(incident=incident, claim=claim)
        Incident.objects.filter(pk=incident.pk).update(created=inside, updated=inside)
    return data


def _beat_fires(broker, cadence="weekly"):
    """What django-celery-beat sends when the schedule is due: the stored task with its stored arguments."""
    from django.apps import apps

    # The data migration's schedules (re-created: a reused test database may have been flushed).
    importlib.import_module("briefings.migrations.0002_digest_schedules").create_schedules(apps, None)
    periodic = PeriodicTask.objects.get(task="briefings.tasks.send_due_digests", args=json.dumps([cadence]))
    broker.send_task(periodic.task, args=json.loads(periodic.args), queue=periodic.queue)


def test_worker_runs_the_weekly_schedule_end_to_end_once_even_when_beat_fires_twice(broker, worker, use_smtp):
    _last_week_data()
    Subscription.objects.create(email="one@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())
    Subscription.objects.create(email="two@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())
    Subscription.objects.create(email="unconfirmed@example.org", cadence=Cadence.WEEKLY)

    _beat_fires(broker)
    _beat_fires(broker)
    _wait_for(lambda: DigestDelivery.objects.filter(status=DigestDelivery.Status.SENT).count() == 2, worker)
    time.sleep(2)  # room for a duplicate to show up, if the once-only rule failed

    received = use_smtp["received"]
    assert sorted(r["to"][0] for r in received) == ["one@example.org", "two@example.org"]
    for item in received:
        [pdf] = list(item["message"].iter_attachments())
        assert pdf.get_content().startswith(b"%PDF-")
        assert "/digests/unsubscribe/" in str(item["message"]["List-Unsubscribe"])
    assert DigestDelivery.objects.count() == 2


def test_worker_killed_mid_render_redelivers_and_sends_exactly_once(broker, worker, use_smtp):
    _last_week_data(extra_incidents=RENDER_BUSY_INCIDENTS)
    Subscription.objects.create(email="one@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())
    _beat_fires(broker)

    # The attempt is counted when rendering starts; then kill the pool process doing it.
    _wait_for(lambda: DigestDelivery.objects.filter(attempts=1, status=DigestDelivery.Status.PENDING).exists(), worker)
    time.sleep(0.2)
    [child] = _children(worker["process"].pid)  # the single prefork pool process
    assert DigestDelivery.objects.get().status == DigestDelivery.Status.PENDING, "rendering finished before the kill"
    os.kill(child, signal.SIGKILL)

    _wait_for(lambda: DigestDelivery.objects.filter(status=DigestDelivery.Status.SENT).exists(), worker)
    time.sleep(2)
    delivery = DigestDelivery.objects.get()
    assert delivery.attempts == 2
    assert len(use_smtp["received"]) == 1
    assert "WorkerLostError" in worker["log"].read_text() or "signal 9" in worker["log"].read_text()


def test_whole_worker_killed_mid_render_is_redelivered_to_the_next_worker_once(broker, start_worker, use_smtp):
    """The worker and its pool are SIGKILLed together (no chance to requeue): the
    unacknowledged message stays in Redis and the next worker restores it once
    it is older than the visibility timeout (short here; hours in production)."""
    _last_week_data(extra_incidents=RENDER_BUSY_INCIDENTS)
    Subscription.objects.create(email="one@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())
    first = start_worker("first", CELERY_VISIBILITY_TIMEOUT="3")
    _beat_fires(broker)
    _wait_for(lambda: DigestDelivery.objects.filter(attempts=1, status=DigestDelivery.Status.PENDING).exists(), first)
    time.sleep(0.2)
    assert DigestDelivery.objects.get().status == DigestDelivery.Status.PENDING, "rendering finished before the kill"
    os.killpg(first["process"].pid, signal.SIGKILL)
    first["process"].wait(10)
    time.sleep(4)  # past the visibility timeout

    second = start_worker("second", CELERY_VISIBILITY_TIMEOUT="3")
    _wait_for(lambda: DigestDelivery.objects.filter(status=DigestDelivery.Status.SENT).exists(), second)
    time.sleep(2)
    assert len(use_smtp["received"]) == 1
    assert DigestDelivery.objects.get().attempts == 2
