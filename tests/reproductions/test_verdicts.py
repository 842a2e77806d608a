"""Wilson intervals, verdict rules, and how a score becomes a measurement
in the metric's unit: pure functions, no database."""

import pytest

from incidents.models import Claim, Metric
from reproductions.errors import RunFailed
from reproductions.models import HarnessMetric, Verdict
from reproductions.results import claim_status_from, to_metric_units
from reproductions.scores import ExtractedScore
from reproductions.verdicts import judge, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "lower", "upper"),
    [
        # Reference values (Wilson 1927; e.g. Newcombe 1998, table I).
        (4, 8, 0.2152, 0.7848),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_interval_matches_reference_values(successes, n, lower, upper):
    low, high = wilson_interval(successes, n)
    assert low == pytest.approx(lower, abs=5e-4)
    assert high == pytest.approx(upper, abs=5e-4)


def test_wilson_interval_stays_within_zero_and_one_and_contains_the_rate():
    for n in (1, 2, 7, 30, 1000):
        for k in range(0, n + 1, max(1, n // 7)):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_interval_narrows_with_more_samples():
    small = wilson_interval(5, 10)
    large = wilson_interval(500, 1000)
    assert (large[1] - large[0]) < (small[1] - small[0]) / 5


@pytest.mark.parametrize(("successes", "n"), [(0, 0), (3, 2), (-1, 5)])
def test_wilson_interval_refuses_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def verdict(**kwargs):
    args = {"published": 79.0, "tolerance": 10.0, "min_sample_size": 30, "unit": "%"} | kwargs
    return judge(**args)


def test_interval_overlapping_the_published_range_is_consistent():
    result = verdict(value=75.0, lower=70.0, upper=80.0, sample_size=200)
    assert result.outcome == Verdict.Outcome.CONSISTENT
    assert "within the published 79.0% ± 10.0" in result.reason
    assert "n=200" in result.reason


@pytest.mark.parametrize(("value", "lower", "upper", "side"), [(40.0, 35.0, 45.0, "below"), (99.0, 97.0, 100.0, "above")])
def test_interval_wholly_outside_the_published_range_is_inconsistent(value, lower, upper, side):
    result = verdict(value=value, lower=lower, upper=upper, sample_size=200)
    assert result.outcome == Verdict.Outcome.INCONSISTENT
    assert f"wholly {side}" in result.reason


def test_too_few_samples_is_inconclusive_even_when_far_off():
    result = verdict(value=5.0, lower=0.0, upper=20.0, sample_size=10)
    assert result.outcome == Verdict.Outcome.INCONCLUSIVE
    assert "fewer than the 30 samples" in result.reason


def test_an_interval_wider_than_the_published_range_is_inconclusive():
    result = verdict(value=70.0, lower=40.0, upper=95.0, sample_size=40)
    assert result.outcome == Verdict.Outcome.INCONCLUSIVE
    assert "run more samples" in result.reason


def test_without_an_interval_the_point_value_decides():
    assert verdict(value=85.0, lower=None, upper=None, sample_size=None).outcome == Verdict.Outcome.CONSISTENT
    assert verdict(value=50.0, lower=None, upper=None, sample_size=None).outcome == Verdict.Outcome.INCONSISTENT


def test_range_edges_count_as_consistent():
    assert verdict(value=69.0, lower=60.0, upper=69.0, sample_size=100).outcome == Verdict.Outcome.CONSISTENT


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        (["consistent"], Claim.Status.REPRODUCED),
        (["consistent", "consistent"], Claim.Status.REPRODUCED),
        (["consistent", "inconsistent"], Claim.Status.NOT_REPRODUCED),
        (["inconclusive", "inconsistent"], Claim.Status.NOT_REPRODUCED),
        (["consistent", "inconclusive"], None),
        (["inconclusive"], None),
        ([], None),
    ],
)
def test_claim_status_follows_the_runs_verdicts(outcomes, status):
    assert claim_status_from(outcomes) == status


def mapping(unit=Metric.Unit.PERCENT, is_rate=True):
    return HarnessMetric(metric=Metric(name="Blackmail rate", slug="blackmail-rate", unit=unit), is_rate=is_rate,
                         published_value=79, tolerance=10)


def test_a_rate_is_scaled_to_percent_with_its_wilson_interval():
    measured = to_metric_units(ExtractedScore(value=0.25, sample_size=100, stderr=None), mapping())
    low, high = wilson_interval(25, 100)
    assert measured.value == pytest.approx(25.0)
    assert (measured.lower, measured.upper) == (pytest.approx(low * 100), pytest.approx(high * 100))
    assert measured.sample_size == 100


def test_a_rate_in_a_proportion_metric_stays_a_proportion():
    measured = to_metric_units(ExtractedScore(value=0.5, sample_size=8, stderr=None), mapping(unit=Metric.Unit.PROPORTION))
    assert measured.value == pytest.approx(0.5)
    assert measured.upper < 1


def test_a_mean_score_gets_a_normal_interval_from_its_stderr():
    measured = to_metric_units(ExtractedScore(value=62.0, sample_size=50, stderr=2.0), mapping(is_rate=False))
    assert (measured.lower, measured.upper) == (pytest.approx(62 - 1.96 * 2, abs=0.01), pytest.approx(62 + 1.96 * 2, abs=0.01))


def test_a_mean_score_without_stderr_has_no_interval():
    measured = to_metric_units(ExtractedScore(value=62.0, sample_size=50, stderr=None), mapping(is_rate=False))
    assert measured.lower is None and measured.upper is None


def test_a_rate_outside_zero_and_one_fails_the_run():
    with pytest.raises(RunFailed, match="not a rate between 0 and 1"):
        to_metric_units(ExtractedScore(value=79.0, sample_size=100, stderr=None), mapping())


def test_a_rate_without_sample_size_fails_the_run():
    with pytest.raises(RunFailed, match="how many samples"):
        to_metric_units(ExtractedScore(value=0.5, sample_size=None, stderr=None), mapping())
