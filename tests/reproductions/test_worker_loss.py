"""A worker SIGKILLed mid-run does not lose the run: the task is delivered
again (acks_late + reject_on_worker_lost; Redis redelivers a dead worker's
task after the visibility timeout, short here) and the run completes
exactly once, with no duplicate measurement."""

import os
import re
import signal

import pytest

from incidents.models import Measurement
from reproductions.models import ReproductionRun, Verdict
from reproductions.services import trigger_run
from tests.reproductions.workers import finished, mock_pair, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_killed_mid_run_is_redelivered_and_completes_once(start_worker):
    """Two losses: the pool's child process (the worker requeues the task at
    once: acks_late + reject_on_worker_lost), then the whole worker (Redis
    gives the unacknowledged task to the next worker after the visibility
    timeout)."""
    short = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_INTERVAL": "1",
             "CELERY_UNACKED_RESTORE_THROTTLE": "1", "AIKB_REPRODUCTION_MAX_ATTEMPTS": "3"}
    first = start_worker(**short)
    harness, model = mock_pair(delay_seconds=0.6)
    run = trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.API)

    running = wait_for(run.pk, lambda r: r.status == "running" and r.samples_done >= 1, first)
    child = int(re.search(r"pid (\d+)", running.worker_host).group(1))
    os.kill(child, signal.SIGKILL)
    second_attempt = wait_for(run.pk, lambda r: r.attempts == 2 and r.samples_done >= 1, first, timeout=60)
    assert second_attempt.status == "running" and f"pid {child})" not in second_attempt.worker_host
    assert re.search(r"WorkerLostError|SIGKILL|Signal 9", first.output()), first.output()[-3000:]

    first.kill()
    second = start_worker(**short)
    run = wait_for(run.pk, finished, second, timeout=120)

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.attempts == 3
    assert Measurement.objects.filter(reproduction_run=run).count() == 1
    assert run.samples.count() == 8  # the last attempt's samples only
    assert not Verdict.objects.filter(run=run).exists()  # a pipeline check
    assert run.samples_done == run.samples_total == 8
