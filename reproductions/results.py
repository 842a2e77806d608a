"""Turning a finished run's log into measurements, verdicts and claim statuses.

This is the one place a reproduction moves a claim: only runs whose purpose
is *reproduction* do, only about claims whose systems include the model that
ran, only against that system's own published figure, only through
incidents.services.change_claim_status, and only with the verdict that
justifies it. Whatever a run cannot judge it says in words on the run
(`ReproductionRun.notes`), never silently.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.figures import RATE_SCALE, Z_95
from incidents.models import Claim, Measurement, Metric
from incidents.services import change_claim_status

from .errors import RunFailed
from .models import HarnessMetric, ReproductionRun, Verdict
from .scores import ExtractedScore
from .targets import Target, published_figures, target_for
from .verdicts import Figure, judge, rate_figure

UNIT_SUFFIX = {Metric.Unit.PERCENT: "%"}


def rate_scale(metric: Metric) -> float:
    """A rate's scale in the metric's unit (100 for percent); 1 otherwise."""
    return RATE_SCALE.get(metric.unit, 1.0)


def to_metric_units(score: ExtractedScore, mapping: HarnessMetric) -> Figure:
    """A score in the metric's unit with its 95% interval: Wilson for a
    rate, ± 1.96 standard errors otherwise (when the log gives one)."""
    if mapping.is_rate:
        if not 0 <= score.value <= 1:
            raise RunFailed(f"The score {mapping} is {score.value}, which is not a rate between 0 and 1.")
        if not score.sample_size:
            raise RunFailed(f"The log does not say how many samples the score {mapping} is over.")
        scale = rate_scale(mapping.metric)
        return rate_figure(score.value * scale, score.sample_size, scale)
    if score.stderr:
        spread = Z_95 * score.stderr
        return Figure(score.value, score.value - spread, score.value + spread, score.sample_size)
    return Figure(score.value, None, None, score.sample_size)


def published_figure(target: Measurement, mapping: HarnessMetric) -> Figure:
    """A published measurement as a Figure: its own bounds when it gives
    them, else (for a rate with a sample size) its Wilson interval."""
    if target.lower is not None and target.upper is not None:
        return Figure(target.value, target.lower, target.upper, target.sample_size)
    if mapping.is_rate:
        return rate_figure(target.value, target.sample_size, rate_scale(mapping.metric))
    return Figure(target.value, None, None, target.sample_size)


def claim_status_from(outcomes: list[str], every_figure_judged: bool = True) -> str | None:
    """From the latest verdict on each of a claim's figures: not reproduced
    when any is inconsistent; reproduced when all are consistent and every
    published figure the harnesses re-test has one (a claim about five
    models is not reproduced by a re-run of one); otherwise unchanged."""
    if Verdict.Outcome.INCONSISTENT in outcomes:
        return Claim.Status.NOT_REPRODUCED
    if outcomes and every_figure_judged and all(o == Verdict.Outcome.CONSISTENT for o in outcomes):
        return Claim.Status.REPRODUCED
    return None


def _claim_status_after(claim: Claim) -> tuple[str | None, bool]:
    """The claim's status by claim_status_from over the latest verdict per
    AI system (any run), and whether it covers several figures."""
    latest = {}
    for verdict in Verdict.objects.filter(claim=claim).select_related("measurement").order_by("created", "id"):
        latest[verdict.measurement.system_id if verdict.measurement else None] = verdict
    needed = set()
    for mapping in HarnessMetric.objects.filter(claim=claim).select_related("metric", "claim"):
        needed |= set(published_figures(mapping).exclude(system=None).values_list("system_id", flat=True))
    consistent = {system for system, v in latest.items() if v.outcome == Verdict.Outcome.CONSISTENT}
    status = claim_status_from([v.outcome for v in latest.values()], every_figure_judged=needed <= consistent)
    return status, len(needed) > 1


@transaction.atomic
def record_results(run: ReproductionRun, scores: dict[int, ExtractedScore], finished: dict) -> bool:
    """Record a run's measurements and verdicts and mark it succeeded, once.

    `scores` maps each HarnessMetric id to its extracted score; `finished`
    holds the run fields to save with the success (tokens, samples, notes).
    Returns False (recording nothing) when the run is no longer running: a
    redelivered task, or a run cancelled meanwhile."""
    locked = ReproductionRun.objects.select_for_update(of=("self",)).select_related("harness", "model__system").get(pk=run.pk)
    if locked.status != ReproductionRun.Status.RUNNING or locked.measurements.exists():
        return False
    mappings = HarnessMetric.objects.filter(pk__in=scores).select_related("metric", "claim").order_by("id")
    system = locked.model.system if locked.model else None
    reproduction = locked.purpose == ReproductionRun.Purpose.REPRODUCTION
    notes = list(finished.pop("notes", []))
    today = timezone.localdate()
    verdicts_by_claim: dict[int, list[Verdict]] = {}
    for mapping in mappings:
        measured = to_metric_units(scores[mapping.pk], mapping)
        target = target_for(mapping, system) if reproduction else Target(None)
        measurement = Measurement(
            metric=mapping.metric,
            incident_id=mapping.claim.incident_id,
            # The measurement bears on the claim only when the claim is about this system.
            claim=mapping.claim if target.measurement else None,
            system=system,
            value=measured.value,
            lower=measured.lower,
            upper=measured.upper,
            sample_size=measured.sample_size,
            as_of=today,
            label=_label(locked, mapping),
            reproduction_run=locked,
            purpose=Measurement.Purpose.REPRODUCTION if reproduction else Measurement.Purpose.PIPELINE_CHECK,
        )
        try:
            measurement.full_clean()
        except ValidationError as error:
            raise RunFailed(f"The measured {mapping.metric} is not a valid measurement: {_messages(error)}") from error
        measurement.save()
        if not reproduction:
            continue
        if target.measurement is None:
            notes.append(target.problem)
            continue
        published = published_figure(target.measurement, mapping)
        judgement = judge(
            measured=measured,
            published=published,
            margin=locked.harness.equivalence_margin,
            min_sample_size=locked.harness.min_sample_size,
            is_rate=mapping.is_rate,
            unit=UNIT_SUFFIX.get(mapping.metric.unit, ""),
        )
        verdict = Verdict.objects.create(
            run=locked,
            claim=mapping.claim,
            harness_metric=mapping,
            measurement=measurement,
            published_measurement=target.measurement,
            outcome=judgement.outcome,
            reason=judgement.reason,
            published_value=published.value,
            published_sample_size=published.sample_size,
            measured_value=measured.value,
            measured_sample_size=measured.sample_size,
            difference=judgement.difference,
            difference_lower=judgement.lower,
            difference_upper=judgement.upper,
            margin=locked.harness.equivalence_margin,
            method=judgement.method,
        )
        verdicts_by_claim.setdefault(mapping.claim_id, []).append(verdict)

    for verdicts in verdicts_by_claim.values():
        deciding = next((v for v in verdicts if v.outcome != Verdict.Outcome.INCONCLUSIVE), None)
        if deciding is None:
            continue  # an inconclusive verdict never moves a claim
        status, several = _claim_status_after(deciding.claim)
        if status and status != deciding.claim.status:
            reason = deciding.reason
            if status == Claim.Status.REPRODUCED and several:
                reason += " Every published figure of this claim that a harness re-tests now has a consistent re-run."
            change_claim_status(deciding.claim, status, reason=reason, verdict=deciding)

    for field, value in finished.items():
        setattr(locked, field, value)
    locked.notes = [*locked.notes, *notes]
    locked.status = ReproductionRun.Status.SUCCEEDED
    locked.finished_at = timezone.now()
    locked.error = ""
    locked.save()
    return True


def _label(run: ReproductionRun, mapping: HarnessMetric) -> str:
    """What the run's measurement is, for charts and tables: whose re-run, which run, which condition."""
    kind = "Pipeline check" if run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK else "Our re-run"
    condition = f": {mapping.label}" if mapping.label else ""
    return f"{kind} (run {run.pk}, {run.harness.name}){condition}"[:200]


def _messages(error: ValidationError) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
