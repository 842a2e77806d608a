"""A run through the real runner with Inspect's mock model and a mock judge:
the wiring, the log, the score, the interval and the verdict."""

import hashlib

import pytest

from incidents.figures import wilson_interval
from incidents.models import Claim, Measurement
from reproductions.models import ReproductionRun, Verdict
from reproductions.runner import execute_run

pytestmark = pytest.mark.django_db


def test_mock_run_records_measurement_with_wilson_interval(queued_run, settings):
    run = queued_run()
    progress = []
    run = execute_run(run.pk, on_progress=lambda done, total: progress.append((done, total)))

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    measurement = Measurement.objects.get(reproduction_run=run)
    # 8 questions; the mock answers alternate misaligned / harmless.
    assert measurement.sample_size == 8
    assert measurement.value == pytest.approx(50.0)
    lower, upper = wilson_interval(4, 8)
    assert (measurement.lower, measurement.upper) == (pytest.approx(lower * 100), pytest.approx(upper * 100))
    # A pipeline check's figure bears on no claim.
    assert measurement.claim is None and measurement.purpose == Measurement.Purpose.PIPELINE_CHECK
    assert progress[-1] == (8, 8)
    assert run.samples_done == run.samples_total == 8


def test_mock_run_is_labelled_pipeline_check_and_never_moves_the_claim(queued_run):
    run = execute_run(queued_run().pk)
    claim = run.harness.metric_links.get().claim
    claim.refresh_from_db()

    assert run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK
    assert Measurement.objects.get(reproduction_run=run).label.startswith(f"Pipeline check (run {run.pk}")
    # A pipeline check judges nothing: no verdict, no status change, no "has a reproduction".
    assert not Verdict.objects.filter(run=run).exists()
    # The shipped questions are our paraphrase of the paper's: the run says so, and nothing else.
    assert len(run.notes) == 1 and "approximation" in run.notes[0]
    assert claim.status == Claim.Status.SUPPORTED
    assert not claim.status_changes.exists()
    claim.incident.refresh_from_db()
    assert not claim.incident.has_reproduction


def test_mock_run_stores_log_with_its_sha256_and_the_run_facts(queued_run, settings):
    run = execute_run(queued_run().pk)

    path = settings.MEDIA_ROOT / run.log_file.name
    assert path.is_file() and path.suffix == ".eval"
    assert run.log_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert run.batch_size == 8
    assert run.total_tokens and run.total_tokens == run.input_tokens + run.output_tokens
    assert run.versions["inspect-ai"] and run.versions["torch"] and run.versions["transformers"]
    assert run.task_version == "3"
    assert run.worker_host and run.started_at <= run.finished_at
    assert run.scores["alignment_judge"]["judged_count"] == 8
