"""A run judges only the claim it tests: a claim about the AI system that
ran, against that system's own published figure. Runs of other models
record their figure and judge nobody's claim; a claim about several
models is reproduced only when each of its figures is."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Claim, ClaimStatusChange, Incident, Measurement
from reproductions import runner
from reproductions.models import EvalModel, HarnessMetric, ReproductionRun, Verdict
from reproductions.runner import execute_run
from reproductions.services import snapshot_reference, trigger_run
from tests.factories import AISystemFactory
from tests.reproductions.factories import HarnessMetricFactory, MockModelFactory, RunFactory, published_figure

pytestmark = pytest.mark.django_db


def verdict_notes(run):
    """The run's notes about claims, without the harness's own (the shipped
    emergent-misalignment questions say they are an approximation)."""
    return [note for note in run.notes if "approximation" not in note]


@pytest.fixture(autouse=True)
def as_reproduction(monkeypatch):
    """The mock model stands for a real model on a GPU (see test_runs)."""
    monkeypatch.setattr(runner, "purpose_of", lambda reference, device: ReproductionRun.Purpose.REPRODUCTION)


def run_of(mapping, model):
    mapping.harness.eval_models.add(model)
    run = RunFactory(harness=mapping.harness, model=model, reference=snapshot_reference(mapping.harness, model))
    return execute_run(run.pk)


def test_a_run_of_another_model_at_its_own_figure_leaves_the_claim_alone():
    # The claim is about model A (96% of 100). Model B measures 50% (4 of 8),
    # which happens to be B's own figure elsewhere: no verdict on A's claim.
    mapping = HarnessMetricFactory()
    model_a, model_b = AISystemFactory(name="Model A"), AISystemFactory(name="Model B")
    published_figure(mapping, model_a, value=96.0, sample_size=100)
    run = run_of(mapping, MockModelFactory(system=model_b))

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert not Verdict.objects.exists()
    mapping.claim.refresh_from_db()
    assert mapping.claim.status == Claim.Status.SUPPORTED and not ClaimStatusChange.objects.exists()
    figure = Measurement.objects.get(reproduction_run=run)
    assert (figure.system, figure.claim, figure.purpose) == (model_b, None, Measurement.Purpose.REPRODUCTION)
    assert figure.label.startswith(f"Our re-run (run {run.pk}")
    assert verdict_notes(run) == [
        f"Claim {mapping.claim.pk} is about Model A; this run is of Model B, so its {mapping.metric} is recorded "
        "for Model B and the claim is not judged."
    ]
    # The incident has no reproduction of its claims.
    assert not Incident.objects.get(pk=mapping.claim.incident_id).has_reproduction


def test_a_run_of_the_claims_model_far_from_its_figure_is_not_reproduced():
    mapping = HarnessMetricFactory(harness__equivalence_margin=10.0)
    model_a = AISystemFactory(name="Model A")
    published_figure(mapping, model_a, value=96.0, sample_size=100)
    run = run_of(mapping, MockModelFactory(system=model_a))

    verdict = Verdict.objects.get(run=run)
    # 4 of 8 (50%) against 96 of 100: -46.0 points, interval about -74.4 to -17.0, wholly below -10.
    assert verdict.outcome == Verdict.Outcome.INCONSISTENT
    assert (verdict.published_value, verdict.published_sample_size) == (96.0, 100)
    assert (verdict.measured_value, verdict.measured_sample_size) == (50.0, 8)
    assert round(verdict.difference, 1) == -46.0 and verdict.difference_upper < -10
    mapping.claim.refresh_from_db()
    assert mapping.claim.status == Claim.Status.NOT_REPRODUCED
    assert Incident.objects.get(pk=mapping.claim.incident_id).has_reproduction


def test_a_few_samples_far_from_the_figure_are_inconclusive_and_move_nothing():
    mapping = HarnessMetricFactory(harness__equivalence_margin=10.0, harness__min_sample_size=30)
    model_a = AISystemFactory()
    published_figure(mapping, model_a, value=96.0, sample_size=100)
    run = run_of(mapping, MockModelFactory(system=model_a))

    verdict = Verdict.objects.get(run=run)
    assert verdict.outcome == Verdict.Outcome.INCONCLUSIVE
    assert "fewer than the 30 scored samples" in verdict.reason
    mapping.claim.refresh_from_db()
    assert mapping.claim.status == Claim.Status.SUPPORTED


def test_each_run_is_judged_against_its_own_models_figure_and_the_claim_waits_for_all():
    # A claim about two models: A published 96/100, B 50/100 (the mock's rate).
    mapping = HarnessMetricFactory(harness__equivalence_margin=40.0)
    model_a, model_b = AISystemFactory(), AISystemFactory()
    published_figure(mapping, model_a, value=96.0, sample_size=100)
    published_figure(mapping, model_b, value=50.0, sample_size=100)
    claim = mapping.claim

    run_b = run_of(mapping, MockModelFactory(system=model_b))
    verdict_b = Verdict.objects.get(run=run_b)
    assert (verdict_b.outcome, verdict_b.published_value) == (Verdict.Outcome.CONSISTENT, 50.0)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPPORTED  # A's figure is not re-run yet

    run_a = run_of(mapping, MockModelFactory(system=model_a, slug="mock-a"))
    verdict_a = Verdict.objects.get(run=run_a)
    assert verdict_a.published_value == 96.0  # A's own figure, not B's
    # 4 of 8 against 96 of 100: -46, interval about -74 to -17: past -40, not wholly beyond it.
    assert verdict_a.outcome == Verdict.Outcome.INCONCLUSIVE
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPPORTED


def test_a_claim_about_two_models_is_reproduced_once_both_figures_are():
    mapping = HarnessMetricFactory(harness__equivalence_margin=40.0)
    model_a, model_b = AISystemFactory(), AISystemFactory()
    published_figure(mapping, model_a, value=50.0, sample_size=100)
    published_figure(mapping, model_b, value=50.0, sample_size=100)

    run_of(mapping, MockModelFactory(system=model_a))
    mapping.claim.refresh_from_db()
    assert mapping.claim.status == Claim.Status.SUPPORTED
    run_of(mapping, MockModelFactory(system=model_b, slug="mock-b"))
    mapping.claim.refresh_from_db()
    assert mapping.claim.status == Claim.Status.REPRODUCED
    assert "Every published figure of this claim" in ClaimStatusChange.objects.get(claim=mapping.claim).reason


def test_the_mappings_condition_picks_the_figure_of_the_panel_it_re_tests():
    mapping = HarnessMetricFactory(label="16-model panel", harness__equivalence_margin=10.0)
    model_a = AISystemFactory()
    published_figure(mapping, model_a, value=96.0, sample_size=100, label="5-model panel")
    published_figure(mapping, model_a, value=50.0, sample_size=100, label="16-model panel")
    run = run_of(mapping, MockModelFactory(system=model_a))
    assert Verdict.objects.get(run=run).published_value == 50.0


def test_several_figures_for_the_model_without_a_condition_are_not_guessed():
    mapping = HarnessMetricFactory()
    model_a = AISystemFactory(name="Model A")
    published_figure(mapping, model_a, value=96.0, sample_size=100, label="5-model panel")
    published_figure(mapping, model_a, value=50.0, sample_size=100, label="16-model panel")
    run = run_of(mapping, MockModelFactory(system=model_a))

    assert run.status == ReproductionRun.Status.SUCCEEDED and not Verdict.objects.exists()
    assert "has 2 published figures" in verdict_notes(run)[0] and "name the condition" in verdict_notes(run)[0]


def test_a_claim_without_a_published_sample_size_gets_an_inconclusive_verdict_that_says_why():
    mapping = HarnessMetricFactory()
    model_a = AISystemFactory()
    published_figure(mapping, model_a, value=50.0, sample_size=None)
    run = run_of(mapping, MockModelFactory(system=model_a))

    verdict = Verdict.objects.get(run=run)
    assert verdict.outcome == Verdict.Outcome.INCONCLUSIVE
    assert "gives no sample size or interval" in verdict.reason


def test_a_reproduction_of_a_model_without_an_ai_system_is_refused_with_the_reason():
    mapping = HarnessMetricFactory(harness__grader=None)
    model = EvalModel.objects.create(name="Unlinked", slug="unlinked", provider="api", api_model="openai/gpt-4.1")
    with pytest.raises(ValidationError, match="linked to no AI system"):
        trigger_run(mapping.harness, model, triggered_by=ReproductionRun.Trigger.ADMIN)
    # A pipeline check needs no system: the mock model measures nobody.
    mock = MockModelFactory(system=None)
    assert trigger_run(mapping.harness, mock, triggered_by=ReproductionRun.Trigger.ADMIN).purpose == "pipeline-check"


def test_a_run_whose_model_lost_its_system_records_its_figure_and_says_why():
    mapping = HarnessMetricFactory()
    model = MockModelFactory()
    published_figure(mapping, model.system, value=50.0, sample_size=100)
    model.system = None
    model.save()
    run = run_of(mapping, model)
    assert not Verdict.objects.exists()
    assert "linked to no AI system" in verdict_notes(run)[0]


def test_the_admin_is_told_when_a_mapped_claim_names_no_system_or_figure():
    mapping = HarnessMetricFactory()
    with pytest.raises(ValidationError) as error:
        HarnessMetric(harness=mapping.harness, metric=mapping.metric, claim=mapping.claim, score_name="x").full_clean(
            validate_unique=False
        )
    messages = " ".join(error.value.message_dict["claim"])
    assert "does not say which AI system(s) it is about" in messages
    assert "has no published figure" in messages
