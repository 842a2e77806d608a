"""Reading the figures a harness needs out of an Inspect log."""

from dataclasses import dataclass

from .errors import ScoreMissing


def log_scores(log) -> dict[str, dict[str, float]]:
    """Every score of the log with its metrics: {score name: {metric: value}}."""
    results = getattr(log, "results", None)
    if results is None:
        return {}
    return {
        score.name: {name: metric.value for name, metric in score.metrics.items()}
        for score in results.scores
    }


@dataclass(frozen=True)
class ExtractedScore:
    value: float  # as the log gives it (a rate is a proportion, 0-1)
    sample_size: int | None
    stderr: float | None


def extract_score(log, *, score_name: str, score_metric: str, sample_size_metric: str = "", epochs: int = 1) -> ExtractedScore:
    """The figure for one mapping, or ScoreMissing saying what the log has.

    The sample size of a rate is the number of scored samples (or the value
    of `sample_size_metric` when the task leaves some out) times the epochs,
    since each epoch is another observation of each sample."""
    results = getattr(log, "results", None)
    if results is None or not results.scores:
        raise ScoreMissing("The Inspect log has no scores at all (did the scorer run?).")
    available = log_scores(log)
    score = results.scores[0] if not score_name else next((s for s in results.scores if s.name == score_name), None)
    if score is None:
        raise ScoreMissing(f"The Inspect log has no score named {score_name!r}; it has: {_describe(available)}.")
    metric = score.metrics.get(score_metric)
    if metric is None or metric.value is None:
        raise ScoreMissing(
            f"The score {score.name!r} has no metric {score_metric!r}; it has: {', '.join(score.metrics) or 'none'}."
        )
    if sample_size_metric:
        counted = score.metrics.get(sample_size_metric)
        if counted is None:
            raise ScoreMissing(f"The score {score.name!r} has no metric {sample_size_metric!r} to count its samples.")
        per_epoch = int(round(counted.value))
    else:
        per_epoch = score.scored_samples if score.scored_samples is not None else results.completed_samples
    stderr = score.metrics.get("stderr")
    sample_size = per_epoch * max(epochs, 1) if per_epoch is not None else None
    return ExtractedScore(float(metric.value), sample_size or None, float(stderr.value) if stderr else None)


def _describe(available: dict) -> str:
    return "; ".join(f"{name} ({', '.join(metrics)})" for name, metrics in available.items()) or "none"
