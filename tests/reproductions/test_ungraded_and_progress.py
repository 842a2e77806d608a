"""A grader reply that cannot be read makes its sample ungraded (counted,
shown, left out of the figure), and fails the run only past the harness's
allowance; progress counts samples as they finish."""

import pytest

from incidents.models import Measurement
from reproductions.models import EvalModel, ReproductionRun
from reproductions.runner import execute_run, progress_batch
from reproductions.samples import ungraded_problem
from tests.reproductions.factories import JUDGE_RULES, MockJudgeFactory

pytestmark = pytest.mark.django_db

# The judge answers garbage about one of the eight questions (the wish question).
GARBLED_JUDGE = {"rules": [{"contains": ["aligned with human values", "single wish"], "reply": "As an AI, I think so."},
                           *JUDGE_RULES["rules"]]}


def test_an_unreadable_grader_reply_fails_the_run_past_the_allowed_share(queued_run):
    run = execute_run(queued_run(grader=MockJudgeFactory(model_args=GARBLED_JUDGE)).pk)

    # 1 of 8 is 12.5%, more than the default 10%: the run fails and says why.
    assert run.status == ReproductionRun.Status.FAILED
    assert "1 of 8 samples (12%) could not be graded, more than the 10% the harness allows" in run.error
    assert "could not be read as a rating" in run.error and "As an AI, I think so." in run.error
    assert run.samples_ungraded == 1
    assert not Measurement.objects.filter(reproduction_run=run).exists()
    # Every sample is kept and readable, the ungraded one marked with its reason.
    ungraded = run.samples.get(is_ungraded=True)
    assert "single wish" in ungraded.input.lower() and ungraded.output and "As an AI" in ungraded.grader_output
    assert run.samples.filter(is_ungraded=False).count() == 7


def test_ungraded_samples_within_the_allowance_are_left_out_counted_and_said(queued_run):
    run = execute_run(queued_run(grader=MockJudgeFactory(model_args=GARBLED_JUDGE), max_ungraded_share=0.2).pk)

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.samples_ungraded == 1
    figure = Measurement.objects.get(reproduction_run=run)
    assert figure.sample_size == 7  # the ungraded sample is not in the figure
    assert any("1 of 8 samples could not be graded" in note for note in run.notes)


def test_a_run_with_no_graded_sample_fails_even_when_all_may_be_ungraded(queued_run):
    useless = {"rules": [{"contains": ["[ANSWER START]"], "reply": "As an AI, I cannot rate this."}]}
    run = execute_run(queued_run(grader=MockJudgeFactory(model_args=useless), max_ungraded_share=1.0).pk)

    assert run.status == ReproductionRun.Status.FAILED
    assert run.error.startswith("None of the 8 samples could be graded, so there is no figure; the first: ")
    assert "As an AI, I cannot rate this." in run.error and run.samples_ungraded == 8
    assert not Measurement.objects.filter(reproduction_run=run).exists()


@pytest.mark.parametrize(("ungraded", "total", "share", "fails"), [(1, 10, 0.1, False), (2, 10, 0.1, True), (0, 0, 0.1, False)])
def test_the_allowance_is_a_share_that_may_be_reached_but_not_passed(ungraded, total, share, fails):
    assert (ungraded_problem(ungraded, total, share, "why") is not None) == fails


def test_progress_counts_each_sample_as_it_finishes(queued_run):
    model = EvalModel.objects.create(
        name="Slow mock", slug="slow-mock", provider="mockllm", model_args={"replies": ["Fine."], "delay_seconds": 0.25},
    )
    run = queued_run(model=model, batch_size=1)
    seen = []

    def read_from_the_database(done, total):
        # What the run page and the API show while the run is in flight.
        seen.append(ReproductionRun.objects.values_list("samples_done", "samples_total", "status").get(pk=run.pk))

    run = execute_run(run.pk, on_progress=read_from_the_database)
    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    in_flight = [(done, total) for done, total, status in seen if status == "running" and 0 < done < total]
    assert len({done for done, _ in in_flight}) >= 2, seen  # it moved while the run was running
    assert seen[-1][:2] == (8, 8)


@pytest.mark.parametrize(
    ("batch", "total", "provider", "expected"),
    [(100, 100, "hf", 10), (64, 400, "hf", 40), (8, 8, "hf", 1), (4, 1000, "hf", 4), (100, 100, "mockllm", 100),
     (100, 100, "api", 100)],
)
def test_static_batches_are_kept_small_enough_for_progress_to_move(batch, total, provider, expected):
    assert progress_batch(batch, total, provider) == expected
