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

    The sample size of a rate is the number of sample-epochs scored without
    error (each epoch is another observation of each sample; ungraded ones
    are left out of the figure), or the value of `sample_size_metric` times
    the epochs when the task itself leaves some answers out (a count per
    epoch)."""
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
        sample_size = int(round(counted.value)) * max(epochs, 1)
    else:
        # scored_samples counts samples after the epochs are averaged;
        # completed_samples counts sample-epochs without error. A scorer
        # that skipped samples has fewer of the first; errored epochs make
        # fewer of the second.
        counts = [
            n for n in (
                score.scored_samples * max(epochs, 1) if score.scored_samples is not None else None,
                results.completed_samples,
            ) if n is not None
        ]
        sample_size = min(counts) if counts else None
    stderr = score.metrics.get("stderr")
    return ExtractedScore(float(metric.value), sample_size or None, float(stderr.value) if stderr else None)


def _describe(available: dict) -> str:
    return "; ".join(f"{name} ({', '.join(metrics)})" for name, metrics in available.items()) or "none"
