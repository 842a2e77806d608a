"""A run left running by a worker that died (Ctrl-C of the run command, a
SIGKILL) is found when a worker starts and every minute: requeued, or
failed with the reason once its attempts are used; a run a live worker
holds is left alone."""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from reproductions import locks, services
from reproductions.models import ReproductionRun
from reproductions.services import recover_lost_runs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_enqueue", lambda task, run_id: calls.append(run_id) or "task-id")
    return calls


def other_session():
    params = connection.get_connection_params()
    keys = {"host", "port", "user", "password", "dbname"}
    return psycopg.connect(**{k: v for k, v in params.items() if k in keys}, autocommit=True)


def wait_until_session_ends(pid, timeout=10.0):
    """A closed client's server process ends (and lets go of its locks) a
    moment later, not when close() returns: on a loaded machine, later."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"PostgreSQL session {pid} still open after {timeout} s")


def test_a_run_whose_worker_died_is_queued_again_and_sent(queued_run, sent):
    run = queued_run()
    ReproductionRun.objects.filter(pk=run.pk).update(status="running", attempts=1, samples_done=3, samples_total=8)

    assert recover_lost_runs() == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.samples_done, run.celery_task_id) == ("queued", 0, "")
    assert sent == [run.pk]
    assert run.notes == ["Attempt 1 was interrupted: its worker stopped mid-run. Queued again."]


def test_a_run_a_live_worker_holds_is_left_alone(queued_run, sent):
    run = queued_run()
    ReproductionRun.objects.filter(pk=run.pk).update(status="running", attempts=1)
    worker = other_session()
    try:
        worker.execute("SELECT pg_advisory_lock(%s)", [locks._key(run.pk)])
        worker_pid = worker.info.backend_pid
        assert recover_lost_runs() == []
    finally:
        worker.close()
    wait_until_session_ends(worker_pid)
    run.refresh_from_db()
    assert run.status == "running" and sent == []
    # Once that worker's session is gone, the run is recovered.
    assert recover_lost_runs() == [run.pk]


def test_a_run_that_used_its_attempts_fails_with_the_reason(queued_run, sent, settings):
    settings.AIKB_REPRODUCTION_MAX_ATTEMPTS = 2
    run = queued_run()
    ReproductionRun.objects.filter(pk=run.pk).update(status="running", attempts=2)

    assert recover_lost_runs() == []
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    assert "stopped in the middle of this run 2 time(s)" in run.error and "not started again" in run.error
    assert sent == []


def test_queued_and_finished_runs_are_not_touched(queued_run, sent):
    queued = queued_run()
    done = queued_run()
    ReproductionRun.objects.filter(pk=done.pk).update(status="succeeded")
    assert recover_lost_runs() == []
    assert ReproductionRun.objects.get(pk=queued.pk).status == "queued"


def test_beat_looks_for_lost_runs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["recover-lost-runs"]
    assert entry == {"task": "reproductions.tasks.recover_lost_runs", "schedule": 60.0}


def test_a_starting_worker_asks_for_lost_runs(monkeypatch):
    from celery.signals import worker_ready

    from reproductions import signals

    asked = []
    monkeypatch.setattr(signals, "send", lambda task: asked.append(task.name))
    worker_ready.send(sender=None)
    assert asked == ["reproductions.tasks.recover_lost_runs"]
