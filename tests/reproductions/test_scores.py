"""Reading a harness's figures out of an Inspect log (built with Inspect's
own log classes, as eval() returns them)."""

import pytest
from inspect_ai.log import EvalMetric, EvalResults, EvalScore

from reproductions.errors import ScoreMissing
from reproductions.scores import extract_score, log_scores


class Log:
    def __init__(self, results):
        self.results = results


def make_log(*scores, completed=10):
    return Log(EvalResults(total_samples=completed, completed_samples=completed, scores=list(scores)))


def score(name, scored=10, **metrics):
    return EvalScore(
        name=name,
        scorer=name,
        scored_samples=scored,
        metrics={key: EvalMetric(name=key, value=value) for key, value in metrics.items()},
    )


def test_first_score_is_used_when_no_name_is_given():
    log = make_log(score("harmful", accuracy=0.8, stderr=0.1), score("other", accuracy=0.1))
    extracted = extract_score(log, score_name="", score_metric="accuracy")
    assert (extracted.value, extracted.sample_size, extracted.stderr) == (0.8, 10, 0.1)


def test_named_score_and_metric_are_found():
    log = make_log(score("harmful", accuracy=0.8), score("judge", mean=42.0, scored=7))
    extracted = extract_score(log, score_name="judge", score_metric="mean")
    assert extracted.value == 42.0 and extracted.sample_size == 7 and extracted.stderr is None


def test_sample_size_counts_every_epoch():
    # Inspect counts completed sample-epochs, and scored samples after averaging the epochs.
    log = make_log(score("harmful", accuracy=0.5, scored=10), completed=30)
    assert extract_score(log, score_name="harmful", score_metric="accuracy", epochs=3).sample_size == 30


def test_sample_size_leaves_out_ungraded_epochs():
    # 10 samples x 3 epochs, two sample-epochs ended in an error: 28 observations, not 30.
    log = make_log(score("harmful", accuracy=0.5, scored=10), completed=28)
    assert extract_score(log, score_name="harmful", score_metric="accuracy", epochs=3).sample_size == 28


def test_sample_size_metric_overrides_scored_samples():
    log = make_log(score("judge", misaligned_rate=0.25, judged_count=8.0, scored=10))
    extracted = extract_score(log, score_name="judge", score_metric="misaligned_rate", sample_size_metric="judged_count", epochs=2)
    assert extracted.sample_size == 16


def test_missing_score_names_what_the_log_has():
    log = make_log(score("harmful", accuracy=0.8, stderr=0.1))
    with pytest.raises(ScoreMissing, match=r"no score named 'blackmail'; it has: harmful \(accuracy, stderr\)"):
        extract_score(log, score_name="blackmail", score_metric="accuracy")


def test_missing_metric_names_the_metrics_there_are():
    log = make_log(score("harmful", accuracy=0.8))
    with pytest.raises(ScoreMissing, match="has no metric 'mean'; it has: accuracy"):
        extract_score(log, score_name="harmful", score_metric="mean")


def test_missing_sample_size_metric_is_reported():
    log = make_log(score("judge", misaligned_rate=0.25))
    with pytest.raises(ScoreMissing, match="judged_count"):
        extract_score(log, score_name="judge", score_metric="misaligned_rate", sample_size_metric="judged_count")


@pytest.mark.parametrize("results", [None, EvalResults(scores=[])])
def test_a_log_without_scores_is_reported(results):
    with pytest.raises(ScoreMissing, match="no scores at all"):
        extract_score(Log(results), score_name="", score_metric="accuracy")


def test_log_scores_lists_every_score_and_metric():
    log = make_log(score("harmful", accuracy=0.8, stderr=0.1), score("judge", mean=42.0))
    assert log_scores(log) == {"harmful": {"accuracy": 0.8, "stderr": 0.1}, "judge": {"mean": 42.0}}
    assert log_scores(Log(None)) == {}
