"""A finished run's samples, read out of its Inspect log and kept beside the
run, so anyone can read what each figure was computed from: the prompt,
the model's answer, what the grader replied, the score, and why a sample
could not be graded.

A sample is *ungraded* when it ended in an error (most often a grader
reply its scorer could not read): Inspect leaves it out of the figures
(the runner passes fail_on_error=False), and the run counts it and fails
only when more of them than the harness allows (Harness.max_ungraded_share).
"""

from dataclasses import dataclass, field

from django.db import transaction

from .models import ReproductionRun, RunSample

SCORING_SPANS = {"scorers", "scorer"}
TEXT_LIMIT = 20_000  # characters kept of each text; the log holds the rest


@dataclass(frozen=True)
class SampleRecord:
    sample_id: str
    epoch: int
    input: str
    output: str
    target: str
    scores: dict = field(default_factory=dict)
    grader_output: str = ""
    error: str = ""

    @property
    def is_ungraded(self) -> bool:
        return bool(self.error) or not self.scores


def read_samples(log_path: str) -> list[SampleRecord]:
    """Every sample-epoch of the log at `log_path`, in order."""
    from inspect_ai.log import read_eval_log

    log = read_eval_log(log_path, resolve_attachments=True)
    return [_record(sample) for sample in log.samples or []]


def _record(sample) -> SampleRecord:
    scores = {
        name: {"value": score.value, "answer": score.answer, "explanation": score.explanation}
        for name, score in (sample.scores or {}).items()
    }
    return SampleRecord(
        sample_id=str(sample.id),
        epoch=int(sample.epoch or 1),
        input=_clip(_text(sample.input)),
        output=_clip(sample.output.completion if sample.output else ""),
        target=_clip(_text(sample.target)),
        scores=scores,
        grader_output=_clip("\n\n".join(_grader_replies(sample.events or []))),
        error=_clip(sample.error.message if sample.error else ""),
    )


def _grader_replies(events) -> list[str]:
    """What the grader replied: the model calls made inside the scoring
    spans (the model under test answers inside the solver spans)."""
    from inspect_ai.event import ModelEvent, SpanBeginEvent

    scoring: set[str] = set()
    for event in events:
        if isinstance(event, SpanBeginEvent) and (event.type in SCORING_SPANS or event.parent_id in scoring):
            scoring.add(event.id)
    return [
        event.output.completion
        for event in events
        if isinstance(event, ModelEvent) and event.span_id in scoring and event.output is not None
    ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n\n".join(_text(item) if isinstance(item, str) else getattr(item, "text", str(item)) for item in value)
    return str(value)


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "\n[...cut here; the full text is in the Inspect log]"


@transaction.atomic
def store_samples(run: ReproductionRun, records: list[SampleRecord]) -> int:
    """Replace the run's stored samples with `records` (a restarted run
    keeps only its last attempt's). Returns how many are ungraded."""
    RunSample.objects.filter(run=run).delete()
    RunSample.objects.bulk_create(
        [
            RunSample(
                run=run,
                sample_id=record.sample_id[:200],
                epoch=record.epoch,
                input=record.input,
                output=record.output,
                target=record.target,
                scores=_json_safe(record.scores),
                grader_output=record.grader_output,
                error=record.error,
                is_ungraded=record.is_ungraded,
            )
            for record in records
        ],
        batch_size=500,
    )
    return sum(1 for record in records if record.is_ungraded)


def ungraded_problem(ungraded: int, total: int, allowed_share: float, first_error: str) -> str | None:
    """Why the run must fail for its ungraded samples, or None when they are
    within the harness's allowance (more than the share fails, not equal)."""
    if not total or ungraded / total <= allowed_share:
        return None
    return (
        f"{ungraded} of {total} samples ({100 * ungraded / total:.0f}%) could not be graded, more than the "
        f"{100 * allowed_share:.0f}% the harness allows; the first: {first_error or 'no score'}"
    )


def _json_safe(value):
    """Score values as JSON can hold them (Inspect allows NaN and nested values)."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
