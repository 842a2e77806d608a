"""Turning a finished run's log into measurements, verdicts and claim statuses.

This is the one place a reproduction moves a claim: only runs whose purpose
is *reproduction* do, only through incidents.services.change_claim_status,
and only with the verdict that justifies it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import Claim, Measurement, Metric
from incidents.services import change_claim_status

from .errors import RunFailed
from .models import HarnessMetric, ReproductionRun, Verdict
from .scores import ExtractedScore
from .verdicts import Z_95, judge, wilson_interval

UNIT_SUFFIX = {Metric.Unit.PERCENT: "%"}


@dataclass(frozen=True)
class MeasuredValue:
    value: float
    lower: float | None
    upper: float | None
    sample_size: int | None


def to_metric_units(score: ExtractedScore, mapping: HarnessMetric) -> MeasuredValue:
    """A score in the metric's unit with its 95% interval: Wilson for a
    rate, ± 1.96 standard errors otherwise (when the log gives one)."""
    unit = mapping.metric.unit
    if mapping.is_rate:
        if not 0 <= score.value <= 1:
            raise RunFailed(f"The score {mapping} is {score.value}, which is not a rate between 0 and 1.")
        if not score.sample_size:
            raise RunFailed(f"The log does not say how many samples the score {mapping} is over.")
        scale = 100.0 if unit == Metric.Unit.PERCENT else 1.0
        lower, upper = wilson_interval(round(score.value * score.sample_size), score.sample_size)
        value = score.value * scale
        # The interval is of the rounded count; keep the logged value inside it.
        return MeasuredValue(value, min(lower * scale, value), max(upper * scale, value), score.sample_size)
    if score.stderr:
        spread = Z_95 * score.stderr
        return MeasuredValue(score.value, score.value - spread, score.value + spread, score.sample_size)
    return MeasuredValue(score.value, None, None, score.sample_size)


def claim_status_from(outcomes: list[str]) -> str | None:
    """A claim is reproduced when every verdict of the run about it is
    consistent, not reproduced when any is inconsistent; otherwise unchanged."""
    if outcomes and all(o == Verdict.Outcome.CONSISTENT for o in outcomes):
        return Claim.Status.REPRODUCED
    if Verdict.Outcome.INCONSISTENT in outcomes:
        return Claim.Status.NOT_REPRODUCED
    return None


@transaction.atomic
def record_results(run: ReproductionRun, scores: dict[int, ExtractedScore], finished: dict) -> bool:
    """Record a run's measurements and verdicts and mark it succeeded, once.

    `scores` maps each HarnessMetric id to its extracted score; `finished`
    holds the run fields to save with the success (tokens, log file...).
    Returns False (recording nothing) when the run is no longer running: a
    redelivered task, or a run cancelled meanwhile."""
    locked = ReproductionRun.objects.select_for_update(of=("self",)).select_related("harness", "model").get(pk=run.pk)
    if locked.status != ReproductionRun.Status.RUNNING or locked.verdicts.exists():
        return False
    mappings = HarnessMetric.objects.filter(pk__in=scores).select_related("metric", "claim")
    today = timezone.localdate()
    kind = locked.get_purpose_display()
    label = f"{kind}: {locked.harness.name} on {locked.model.name if locked.model else 'no model'}"[:200]
    verdicts_by_claim: dict[int, list[Verdict]] = {}
    for mapping in mappings:
        measured = to_metric_units(scores[mapping.pk], mapping)
        measurement = Measurement(
            metric=mapping.metric,
            incident_id=mapping.claim.incident_id,
            claim=mapping.claim,
            system=locked.model.system if locked.model else None,
            value=measured.value,
            lower=measured.lower,
            upper=measured.upper,
            sample_size=measured.sample_size,
            as_of=today,
            label=label,
            reproduction_run=locked,
        )
        try:
            measurement.full_clean()
        except ValidationError as error:
            raise RunFailed(f"The measured {mapping.metric} is not a valid measurement: {_messages(error)}") from error
        measurement.save()
        judgement = judge(
            published=mapping.published_value,
            tolerance=mapping.tolerance,
            value=measured.value,
            lower=measured.lower,
            upper=measured.upper,
            sample_size=measured.sample_size,
            min_sample_size=locked.harness.min_sample_size,
            unit=UNIT_SUFFIX.get(mapping.metric.unit, ""),
        )
        reason = judgement.reason
        if locked.purpose == ReproductionRun.Purpose.PIPELINE_CHECK:
            reason += " (Pipeline check: it does not change the claim's status.)"
        verdict = Verdict.objects.create(
            run=locked,
            claim=mapping.claim,
            harness_metric=mapping,
            measurement=measurement,
            outcome=judgement.outcome,
            reason=reason,
            published_value=mapping.published_value,
            tolerance=mapping.tolerance,
        )
        verdicts_by_claim.setdefault(mapping.claim_id, []).append(verdict)

    if locked.purpose == ReproductionRun.Purpose.REPRODUCTION:
        for verdicts in verdicts_by_claim.values():
            status = claim_status_from([v.outcome for v in verdicts])
            if status:
                deciding = next(v for v in verdicts if v.outcome != Verdict.Outcome.INCONCLUSIVE)
                change_claim_status(deciding.claim, status, reason=deciding.reason, verdict=deciding)

    for field, value in finished.items():
        setattr(locked, field, value)
    locked.status = ReproductionRun.Status.SUCCEEDED
    locked.finished_at = timezone.now()
    locked.error = ""
    locked.save()
    return True


def _messages(error: ValidationError) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
