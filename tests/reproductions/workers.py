"""A real Celery worker process for the integration tests: started on the
test broker (TEST_REDIS_URL) and pointed at the pytest test database."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from django.conf import settings
from django.db import connection

from reproductions.models import EvalModel, ReproductionRun
from tests.reproductions.factories import HarnessMetricFactory

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

    def __init__(self, log_path: Path, media_root: Path, **env):
        self.log_path = log_path
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        environment.update(
            DATABASE_URL=worker_database_url(),
            CELERY_BROKER_URL=REDIS_URL,
            AIKB_MEDIA_ROOT=str(media_root),
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
        # Nothing of a test worker needs a graceful shutdown: kill the group.
        if self.process.poll() is None:
            self.kill()
        # Children of a main process killed earlier must not outlive the test.
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if f"repro-test-{os.getpid()}-{id(self)}@" in cmdline:
                proc.kill()
        self.log.close()


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


