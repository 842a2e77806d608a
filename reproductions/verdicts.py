"""Confidence intervals for measured rates, and the verdict against a published figure."""

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default). Unlike the
    normal approximation it stays inside [0, 1] and behaves at 0 and n."""
    if n <= 0:
        raise ValueError("A rate needs at least one sample.")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie between 0 and n, got {successes} of {n}.")
    p = successes / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    # Rounding leaves e.g. 5e-17 instead of 0 at 0 of n; the bounds must
    # contain the rate exactly (a measurement's lower <= value is enforced).
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


@dataclass(frozen=True)
class Judgement:
    outcome: str  # a Verdict.Outcome value
    reason: str


def judge(
    *,
    published: float,
    tolerance: float,
    value: float,
    lower: float | None,
    upper: float | None,
    sample_size: int | None,
    min_sample_size: int,
    unit: str = "",
) -> Judgement:
    """Compare a measurement with a published figure.

    The published figure stands for the range published ± tolerance.
    - inconclusive: fewer samples than the harness asks for, or an interval
      so wide that it overlaps the range without fitting in its width (it
      could neither confirm nor refute);
    - consistent: the measured interval overlaps the published range;
    - inconsistent: it lies wholly outside it.
    Without an interval the point value stands for it."""
    lo = value if lower is None else lower
    hi = value if upper is None else upper
    band_lo, band_hi = published - tolerance, published + tolerance
    measured = f"{_fmt(value)}{unit} (interval {_fmt(lo)}-{_fmt(hi)}{unit}, n={sample_size or '?'})"
    published_text = f"{_fmt(published)}{unit} ± {_fmt(tolerance)}"
    if sample_size is not None and sample_size < min_sample_size:
        return Judgement(
            "inconclusive",
            f"Measured {measured} on fewer than the {min_sample_size} samples the harness requires.",
        )
    overlaps = lo <= band_hi and hi >= band_lo
    if not overlaps:
        side = "below" if hi < band_lo else "above"
        return Judgement("inconsistent", f"Measured {measured}, wholly {side} the published {published_text}.")
    if (hi - lo) > (band_hi - band_lo):
        return Judgement(
            "inconclusive",
            f"Measured {measured}: the interval is wider than the published {published_text} allows, "
            "so it can neither confirm nor refute it; run more samples.",
        )
    return Judgement("consistent", f"Measured {measured}, within the published {published_text}.")


def _fmt(number: float) -> str:
    return f"{number:.1f}" if abs(number) >= 1 else f"{number:.3f}"
