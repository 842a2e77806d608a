"""Wilson intervals, verdict rules, and how a score becomes a measurement
in the metric's unit: pure functions, no database."""

import pytest

from incidents.figures import wilson_interval
from incidents.models import Claim, Metric
from reproductions.errors import RunFailed
from reproductions.models import HarnessMetric
from reproductions.results import claim_status_from, to_metric_units
from reproductions.scores import ExtractedScore
from reproductions.verdicts import Figure, difference_interval, judge, rate_figure


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


# The verdict rule (reproductions.verdicts): the 95% interval of the
# difference of two rates (Newcombe's hybrid score interval) against the
# harness's equivalence margin. Each example's numbers are worked by hand:
# Wilson(96, 100) = 90.16-98.43; Wilson(90, 100) = 82.56-94.48;
# Wilson(70, 100) = 60.42-78.13. The difference's interval goes below the
# point difference by hypot(measured - its lower, published upper -
# published) and above it by hypot(measured upper - measured, published -
# published lower).

PUBLISHED_96 = rate_figure(96.0, 100, 100.0)


def rate(successes, n):
    return rate_figure(100.0 * successes / n, n, 100.0)


def verdict(measured, published=PUBLISHED_96, margin=10.0, min_sample_size=50, is_rate=True):
    return judge(measured=measured, published=published, margin=margin, min_sample_size=min_sample_size,
                 is_rate=is_rate, unit="%")


def test_newcombe_interval_matches_newcombes_published_examples():
    # Newcombe (1998), table II, method 10: 56/70 - 48/80 and 9/10 - 3/10.
    d, lower, upper = difference_interval(rate_figure(56 / 70, 70, 1.0), rate_figure(48 / 80, 80, 1.0))
    assert (round(d, 4), round(lower, 4), round(upper, 4)) == (0.2, 0.0524, 0.3339)
    d, lower, upper = difference_interval(rate_figure(0.9, 10, 1.0), rate_figure(0.3, 10, 1.0))
    assert (round(lower, 4), round(upper, 4)) == (0.1705, 0.809)


def test_a_run_far_below_the_published_rate_is_inconsistent():
    # 70/100 against 96/100: -26.0, below by hypot(70 - 60.42, 98.43 - 96) = 9.89,
    # above by hypot(78.13 - 70, 96 - 90.16) = 10.01: -35.9 to -16.0, wholly below -10.
    result = verdict(rate(70, 100))
    assert result.outcome == "inconsistent"
    assert (round(result.difference, 1), round(result.lower, 1), round(result.upper, 1)) == (-26.0, -35.9, -16.0)
    assert "wholly below the equivalence margin of ±10.0 points" in result.reason
    assert "n=100" in result.reason and result.method.startswith("Newcombe")


def test_a_run_near_the_published_rate_with_too_few_samples_to_tell_is_inconclusive():
    # 90/100 against 96/100: -6.0, below by hypot(90 - 82.56, 98.43 - 96) = 7.82,
    # above by hypot(94.48 - 90, 96 - 90.16) = 7.36: -13.8 to +1.4, past -10 but not wholly.
    result = verdict(rate(90, 100))
    assert result.outcome == "inconclusive"
    assert (round(result.lower, 1), round(result.upper, 1)) == (-13.8, 1.4)
    assert "too wide to tell" in result.reason


def test_the_same_run_within_a_wider_margin_is_consistent():
    result = verdict(rate(90, 100), margin=15.0)
    assert result.outcome == "consistent"
    assert "wholly within the equivalence margin of ±15.0 points" in result.reason


def test_a_run_above_the_published_rate_is_inconsistent_too():
    result = verdict(rate(96, 100), published=rate(40, 100))
    assert result.outcome == "inconsistent" and "wholly above" in result.reason


def test_an_identical_rate_is_consistent():
    # 96/100 against 96/100: 0, +-hypot(96 - 90.16, 98.43 - 96) = 6.3: within 10.
    result = verdict(rate(96, 100))
    assert result.outcome == "consistent" and round(result.upper, 1) == 6.3


def test_a_handful_of_samples_is_inconclusive_whatever_the_rate():
    result = verdict(rate(5, 6))
    assert result.outcome == "inconclusive"
    assert "fewer than the 50 scored samples the harness requires" in result.reason
    assert result.difference is None


def test_the_minimum_sample_size_is_enough():
    # Exactly the minimum is judged on the figures, one fewer is not.
    at_minimum = verdict(rate(48, 50), min_sample_size=50)
    assert "scored samples the harness requires" not in at_minimum.reason
    assert at_minimum.difference is not None
    below = verdict(rate(48, 50), min_sample_size=51)
    assert below.outcome == "inconclusive" and "fewer than the 51" in below.reason


def test_a_published_rate_without_its_sample_size_cannot_be_judged():
    result = verdict(rate(96, 100), published=rate_figure(96.0, None, 100.0))
    assert result.outcome == "inconclusive"
    assert "gives no sample size or interval" in result.reason and result.difference is None


def test_a_figure_that_is_not_a_rate_uses_each_figures_own_interval():
    result = verdict(Figure(62.0, 58.0, 66.0, 50), published=Figure(60.0, 57.0, 63.0, None), margin=10.0, is_rate=False)
    # 62 - 60 = 2; below by hypot(4, 3) = 5, above by hypot(4, 3) = 5: -3 to 7, within 10.
    assert result.outcome == "consistent"
    assert (result.lower, result.upper) == (pytest.approx(-3.0), pytest.approx(7.0))
    assert result.method.startswith("MOVER")


def test_a_published_point_figure_is_taken_as_exact_and_the_verdict_says_so():
    result = verdict(Figure(62.0, 58.0, 66.0, 50), published=Figure(60.0, None, None, None), is_rate=False)
    assert (result.lower, result.upper) == (pytest.approx(-2.0), pytest.approx(6.0))
    assert "taken as exact" in result.method


def test_a_run_without_an_interval_is_inconclusive():
    result = verdict(Figure(62.0, None, None, 50), published=Figure(60.0, 57.0, 63.0, None), is_rate=False)
    assert result.outcome == "inconclusive" and "no interval" in result.reason


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
    return HarnessMetric(metric=Metric(name="Blackmail rate", slug="blackmail-rate", unit=unit), is_rate=is_rate)


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
