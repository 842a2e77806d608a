"""The worker's runner end to end with Inspect's mock model, as a
reproduction (the claim moves, through the service, once) and with every
kind of bad input (the run fails with its reason and nothing is recorded)."""

import hashlib

import psycopg
import pytest
from django.db import connection

from incidents.models import Claim, ClaimStatusChange, Measurement
from reproductions import locks, runner
from reproductions.models import EvalModel, ReproductionRun, Verdict
from reproductions.results import record_results
from reproductions.runner import execute_run
from reproductions.services import cancel_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_reproduction(monkeypatch):
    """Treat the mock model as if it were the real model on a GPU, so a run
    is a reproduction and may move claims: what these tests check is that
    it moves them only when it should."""
    monkeypatch.setattr(runner, "purpose_of", lambda reference, device: ReproductionRun.Purpose.REPRODUCTION)


def claim_of(run):
    claim = run.harness.metric_links.get().claim
    claim.refresh_from_db()
    return claim


def test_consistent_reproduction_marks_the_claim_reproduced_through_the_service(queued_run, as_reproduction):
    run = execute_run(queued_run().pk)

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.purpose == ReproductionRun.Purpose.REPRODUCTION
    verdict = Verdict.objects.get(run=run)
    assert verdict.outcome == Verdict.Outcome.CONSISTENT
    # The numbers the rule used are on the verdict: 4 of 8 against 50 of 100, margin 40.
    assert (verdict.measured_value, verdict.measured_sample_size) == (50.0, 8)
    assert (verdict.published_value, verdict.published_sample_size, verdict.margin) == (50.0, 100, 40.0)
    assert verdict.difference == 0 and verdict.difference_lower < 0 < verdict.difference_upper
    assert verdict.published_measurement.evidence_id and verdict.method.startswith("Newcombe")
    assert verdict.measurement.purpose == Measurement.Purpose.REPRODUCTION
    assert verdict.measurement.system == run.model.system and verdict.measurement.claim == verdict.claim
    claim = claim_of(run)
    assert claim.status == Claim.Status.REPRODUCED
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.verdict) == (Claim.Status.SUPPORTED, Claim.Status.REPRODUCED, verdict)
    assert change.reason == verdict.reason
    assert run.reference["harness"]["equivalence_margin"] == 40.0


def test_inconsistent_reproduction_marks_the_claim_not_reproduced(queued_run, as_reproduction):
    # 4 of 8 against 95 of 1000: -45.0 points, 95% interval about -73.5 to -16.6, wholly below -10.
    run = execute_run(queued_run(published={"value": 95.0, "sample_size": 1000}, equivalence_margin=10.0).pk)

    verdict = Verdict.objects.get(run=run)
    assert verdict.outcome == Verdict.Outcome.INCONSISTENT
    assert "wholly below the equivalence margin of ±10.0 points" in verdict.reason
    assert round(verdict.difference, 1) == -45.0 and verdict.difference_upper < -10
    assert claim_of(run).status == Claim.Status.NOT_REPRODUCED


def test_inconclusive_reproduction_leaves_the_claim_alone(queued_run, as_reproduction):
    run = execute_run(queued_run(min_sample_size=100).pk)

    assert Verdict.objects.get(run=run).outcome == Verdict.Outcome.INCONCLUSIVE
    assert claim_of(run).status == Claim.Status.SUPPORTED
    assert not ClaimStatusChange.objects.exists()


def test_redelivered_task_records_nothing_twice(queued_run, as_reproduction):
    run = queued_run()
    first = execute_run(run.pk)
    log_sha = first.log_sha256
    second = execute_run(run.pk)

    assert second.status == ReproductionRun.Status.SUCCEEDED
    assert second.log_sha256 == log_sha and second.attempts == 1
    assert Measurement.objects.filter(reproduction_run=run).count() == 1
    assert Verdict.objects.filter(run=run).count() == 1
    assert ClaimStatusChange.objects.count() == 1
    assert record_results(second, {}, {}) is False


def test_run_whose_worker_was_lost_is_started_again_and_recorded_once(queued_run, as_reproduction):
    run = queued_run()
    # As a killed worker leaves it: running, first attempt, part-way, no lock held.
    ReproductionRun.objects.filter(pk=run.pk).update(status="running", attempts=1, samples_done=3, samples_total=8)
    run = execute_run(run.pk)

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.attempts == 2 and run.samples_done == 8
    assert Measurement.objects.filter(reproduction_run=run).count() == 1
    assert claim_of(run).status == Claim.Status.REPRODUCED


def test_run_that_lost_its_worker_too_often_fails_with_the_reason(queued_run, as_reproduction, settings):
    settings.AIKB_REPRODUCTION_MAX_ATTEMPTS = 2
    run = queued_run()
    ReproductionRun.objects.filter(pk=run.pk).update(status="running", attempts=2)
    run = execute_run(run.pk)

    assert run.status == ReproductionRun.Status.FAILED
    assert "stopped in the middle of this run 2 time(s)" in run.error
    assert not Measurement.objects.filter(reproduction_run__isnull=False).exists() and claim_of(run).status == Claim.Status.SUPPORTED


def test_run_locked_by_another_live_worker_is_left_to_it(queued_run, settings):
    settings.AIKB_RUN_LOCK_WAIT = 0
    run = queued_run()
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k in {"host", "port", "user", "password", "dbname"}}, autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [locks._key(run.pk)])
        result = execute_run(run.pk)
        assert result.status == ReproductionRun.Status.QUEUED and result.attempts == 0
    finally:
        other.close()
    assert not Measurement.objects.filter(reproduction_run__isnull=False).exists()
    # Once that worker's session is gone, the run can be taken.
    assert execute_run(run.pk).status == ReproductionRun.Status.SUCCEEDED


def test_cancelling_a_running_run_stops_it_and_records_nothing(queued_run):
    model = EvalModel.objects.create(
        name="Slow mock", slug="slow-mock", provider="mockllm",
        model_args={"replies": ["Fine."], "delay_seconds": 0.4},
    )
    run = queued_run(model=model, batch_size=1)

    def cancel_after_first_sample(done, total):
        if done >= 1:
            cancel_run(ReproductionRun.objects.get(pk=run.pk))

    result = execute_run(run.pk, on_progress=cancel_after_first_sample)

    assert result.status == ReproductionRun.Status.CANCELLED
    assert 1 <= result.samples_done < 8
    assert not Measurement.objects.filter(reproduction_run__isnull=False).exists() and not Verdict.objects.exists()


# Bad input: each ends the run as failed with the reason, keeps what was
# recorded, and never marks a claim.


def assert_failed_without_results(run, *fragments):
    run.refresh_from_db()
    assert run.status == ReproductionRun.Status.FAILED
    for fragment in fragments:
        assert fragment in run.error
    assert run.finished_at is not None
    assert run.versions.get("inspect-ai")  # recorded before the failure, kept
    assert not Measurement.objects.filter(reproduction_run=run).exists()
    assert not Verdict.objects.filter(run=run).exists()
    assert not ClaimStatusChange.objects.exists()
    assert claim_of(run).status == Claim.Status.SUPPORTED


def test_unknown_task_fails_the_run(queued_run, as_reproduction):
    run = execute_run(queued_run(task="inspect_evals/no_such_task_anywhere").pk)
    assert_failed_without_results(run, "Unknown task 'inspect_evals/no_such_task_anywhere'")


def test_missing_task_file_fails_the_run(queued_run, as_reproduction):
    run = execute_run(queued_run(task="reproductions/harnesses/missing.py@task").pk)
    assert_failed_without_results(run, "task file reproductions/harnesses/missing.py does not exist")


def test_argument_the_task_does_not_take_fails_the_run(queued_run, as_reproduction):
    run = execute_run(queued_run(task_args={"scenario": "blackmail"}).pk)
    assert_failed_without_results(run, "does not take the argument(s) scenario", "it takes: judge_model")


def test_argument_the_task_rejects_fails_the_run(queued_run, as_reproduction):
    run = execute_run(queued_run(task_args={"questions_file": "/nonexistent/questions.jsonl"}).pk)
    assert_failed_without_results(run, "rejected its arguments")


def test_different_task_version_fails_the_run(queued_run, as_reproduction):
    run = execute_run(queued_run(task_version="1").pk)
    assert_failed_without_results(run, "at version 3 on this worker, but the harness pins version 1")


def test_unpinned_task_version_fails_the_run(queued_run, as_reproduction):
    run = execute_run(queued_run(task_version="").pk)
    assert_failed_without_results(run, "does not pin a task version")


def test_log_without_the_expected_score_fails_the_run_but_keeps_the_log(queued_run, as_reproduction, settings):
    run = queued_run()
    run.harness.metric_links.update(score_name="blackmail")
    run = execute_run(run.pk)

    assert_failed_without_results(run, "no score named 'blackmail'", "alignment_judge (misaligned_rate, judged_count)")
    path = settings.MEDIA_ROOT / run.log_file.name
    assert run.log_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert run.scores["alignment_judge"]["judged_count"] == 8


@pytest.fixture
def local_model(tmp_path):
    folder = tmp_path / "weights"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "model.safetensors").write_bytes(b"not really weights")

    def make(pins):
        return EvalModel.objects.create(
            name="Local", slug="local", provider="hf", local_path=str(folder), weight_sha256=pins
        )

    return make, folder


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_missing_weight_file_fails_the_run(queued_run, as_reproduction, local_model):
    make, folder = local_model
    model = make({"config.json": sha(b'{"model_type": "llama"}'), "tokenizer.json": "0" * 64})
    run = execute_run(queued_run(model=model).pk)
    assert_failed_without_results(run, f"The weight file tokenizer.json is missing from {folder}")


def test_wrong_sha256_fails_the_run(queued_run, as_reproduction, local_model):
    make, _ = local_model
    model = make({"model.safetensors": sha(b"the registered weights")})
    run = execute_run(queued_run(model=model).pk)
    assert_failed_without_results(
        run, f"has SHA-256 {sha(b'not really weights')}", f"the reference pins {sha(b'the registered weights')}"
    )


def test_missing_weights_folder_fails_the_run(queued_run, as_reproduction, settings, tmp_path):
    model = EvalModel.objects.create(name="Gone", slug="gone", provider="hf", local_path="not-here",
                                     weight_sha256={"a": "0" * 64})
    settings.AIKB_MODELS_DIR = tmp_path / "models"
    run = execute_run(queued_run(model=model).pk)
    assert_failed_without_results(run, f"The weights folder {tmp_path / 'models' / 'not-here'} does not exist")


def test_gpu_out_of_memory_fails_the_run_with_advice(queued_run, as_reproduction, monkeypatch):
    import torch
    from inspect_ai.model import get_model

    def out_of_memory(*args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 79.11 GiB total capacity)")

    real_build = runner.build_model

    def build(model_ref, *args, **kwargs):
        if model_ref["name"].startswith("Mock model"):
            return get_model("mockllm/model", custom_outputs=out_of_memory, memoize=False)
        return real_build(model_ref, *args, **kwargs)

    monkeypatch.setattr(runner, "build_model", build)
    run = execute_run(queued_run().pk)
    assert_failed_without_results(run, "ran out of memory at batch size 8", "lower the harness's batch size")
    assert run.log_sha256  # Inspect's log of the failed eval is kept


def test_out_of_memory_while_loading_the_model_fails_the_run(queued_run, as_reproduction, monkeypatch):
    import torch

    def build(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(runner, "build_model", build)
    run = execute_run(queued_run().pk)
    assert_failed_without_results(run, "ran out of memory")
