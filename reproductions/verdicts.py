"""The verdict rule: does a re-run's figure agree with the published one?

Both figures are estimates from samples, so the rule compares them as two
samples: it computes a 95% interval for their difference (measured minus
published) and holds it against the harness's equivalence margin m.

- consistent: the whole interval lies within ±m (the two agree to within
  the margin, given both sample sizes);
- inconsistent: the whole interval lies beyond ±m (they differ by more
  than the margin);
- inconclusive: the interval straddles a bound of the margin (too few
  samples on one side or both to tell), or the run has fewer scored
  samples than the harness asks for, or a figure has no interval at all.

For rates the interval is Newcombe's hybrid score interval (method 10 of
Newcombe 1998), built from each rate's Wilson score interval; for other
figures the same construction (MOVER: Zou and Donner 2008) from each
figure's own 95% interval. Both are standard, behave at 0% and 100%, and
need only the two figures and their sample sizes, so a reader can check a
verdict by hand from what it shows. /methodology/ explains the rule.
"""

import math
from dataclasses import dataclass

from incidents.figures import rate_interval

NEWCOMBE = "Newcombe hybrid score interval (95%) for a difference of two rates"
MOVER = "MOVER interval (95%) from each figure's own interval"


@dataclass(frozen=True)
class Figure:
    """A figure in its metric's unit, with its 95% interval where one is known."""

    value: float
    lower: float | None
    upper: float | None
    sample_size: int | None

    @property
    def has_interval(self) -> bool:
        return self.lower is not None and self.upper is not None


def rate_figure(value: float, sample_size: int | None, scale: float) -> Figure:
    """A published rate (in the metric's unit: 96 for 96% with scale 100)
    with its Wilson interval when its sample size is known."""
    if not sample_size:
        return Figure(value, None, None, None)
    lower, upper = rate_interval(value, sample_size, scale)
    return Figure(value, lower, upper, sample_size)


def difference_interval(measured: Figure, published: Figure) -> tuple[float, float, float]:
    """(difference, lower, upper) of measured minus published, by MOVER:
    each side of the difference's interval combines the two figures'
    distances to the opposite bounds. With Wilson intervals this is
    Newcombe's hybrid score interval."""
    difference = measured.value - published.value
    below = math.hypot(measured.value - measured.lower, published.upper - published.value)
    above = math.hypot(measured.upper - measured.value, published.value - published.lower)
    return difference, difference - below, difference + above


@dataclass(frozen=True)
class Judgement:
    outcome: str  # a Verdict.Outcome value
    reason: str
    method: str = ""
    difference: float | None = None
    lower: float | None = None
    upper: float | None = None


def judge(
    *,
    measured: Figure,
    published: Figure,
    margin: float,
    min_sample_size: int,
    is_rate: bool,
    unit: str = "",
) -> Judgement:
    """The verdict on a re-run's figure against the published one (see the
    module docstring for the rule). `unit` is "%" for percentages, whose
    differences read in percentage points."""
    say = _Words(unit)
    measured_text = say.figure("Measured", measured)
    published_text = say.figure("published", published)
    if measured.sample_size is not None and measured.sample_size < min_sample_size:
        return Judgement(
            "inconclusive",
            f"{measured_text}: fewer than the {min_sample_size} scored samples the harness requires.",
        )
    if is_rate and not published.has_interval:
        return Judgement(
            "inconclusive",
            f"{measured_text} against {published_text}: the published figure gives no sample size or interval, "
            "so the difference between the two cannot be tested. Record the published sample size to judge it.",
        )
    if not measured.has_interval:
        return Judgement(
            "inconclusive",
            f"{measured_text} against {published_text}: the run gives no interval for its figure (no standard "
            "error in the log), so the difference cannot be tested.",
        )
    method = NEWCOMBE if is_rate else MOVER
    if not published.has_interval:
        # A published point figure without any spread is taken as exact; said in the reason.
        published = Figure(published.value, published.value, published.value, published.sample_size)
        method = f"{MOVER}; the published figure has no interval and is taken as exact"
    difference, lower, upper = difference_interval(measured, published)
    compared = (
        f"{measured_text} against {published_text}: difference {say.signed(difference)}, "
        f"95% interval {say.signed(lower)} to {say.signed(upper)}"
    )
    band = f"the equivalence margin of ±{say.amount(margin)}"
    if -margin <= lower and upper <= margin:
        return Judgement("consistent", f"{compared}, wholly within {band}.", method, difference, lower, upper)
    if lower > margin or upper < -margin:
        side = "above" if lower > margin else "below"
        return Judgement(
            "inconsistent", f"{compared}, wholly {side} {band}.", method, difference, lower, upper
        )
    return Judgement(
        "inconclusive",
        f"{compared}, which reaches past {band} without lying wholly beyond it: too wide to tell; run more samples.",
        method,
        difference,
        lower,
        upper,
    )


class _Words:
    """Numbers as the verdict's reason prints them."""

    def __init__(self, unit: str):
        self.unit = unit

    def number(self, value: float) -> str:
        return f"{value:.1f}" if abs(value) >= 1 or value == 0 else f"{value:.3f}"

    def amount(self, value: float) -> str:
        return f"{self.number(value)} points" if self.unit == "%" else f"{self.number(value)}{self.unit}"

    def signed(self, value: float) -> str:
        sign = "+" if value > 0 else "\u2212" if value < 0 else ""
        return f"{sign}{self.amount(abs(value))}"

    def figure(self, lead: str, figure: Figure) -> str:
        text = f"{lead} {self.number(figure.value)}{self.unit}"
        details = []
        if figure.sample_size:
            details.append(f"n={figure.sample_size}")
        if figure.has_interval:
            details.append(f"95% interval {self.number(figure.lower)}-{self.number(figure.upper)}{self.unit}")
        return f"{text} ({', '.join(details)})" if details else f"{text} (n unknown)"
