"""How a measurement reads, the same on every page, in the API and in PDFs:
its value in its unit (96%, 2,000:1), its interval (the source's own bounds,
or for a rate with a known sample size its 95% Wilson interval), what it is
of (system and condition), and its date at the precision it is known.

Pure functions over a measurement's fields; no queries.
"""

import math
from dataclasses import dataclass

from .models import DatePrecision, Metric, format_with_precision

Z_95 = 1.959963984540054
RATE_SCALE = {Metric.Unit.PERCENT: 100.0, Metric.Unit.PROPORTION: 1.0}


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


def rate_interval(value: float, sample_size: int, scale: float) -> tuple[float, float]:
    """The Wilson interval of a rate given in its unit (96 of 100 as 96 with scale 100)."""
    successes = min(max(round(value / scale * sample_size), 0), sample_size)
    lower, upper = wilson_interval(successes, sample_size)
    return min(lower * scale, value), max(upper * scale, value)


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    kind: str  # "given": the source's (or run's) own bounds; "wilson": computed here from n

    @property
    def note(self) -> str:
        return "95% Wilson interval from the sample size" if self.kind == "wilson" else "as given"


def interval_of(measurement, unit: str | None = None) -> Interval | None:
    """The interval to show beside a measurement: its own bounds when it has
    both, else the 95% Wilson interval of a rate whose sample size is known,
    else none."""
    if measurement.lower is not None and measurement.upper is not None:
        return Interval(measurement.lower, measurement.upper, "given")
    unit = unit or measurement.metric.unit
    scale = RATE_SCALE.get(unit)
    if scale and measurement.sample_size and 0 <= measurement.value <= scale:
        lower, upper = rate_interval(measurement.value, measurement.sample_size, scale)
        return Interval(lower, upper, "wilson")
    return None


def format_number(value: float) -> str:
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}".rstrip("0").rstrip(".")


def format_value(value: float, unit: str) -> str:
    """A value as people read it for its unit: 96%, 2,000:1, $1,200, 0.21."""
    if value is None:
        return ""
    number = format_number(value)
    if unit == Metric.Unit.PERCENT:
        return f"{number}%"
    if unit == Metric.Unit.RATIO:
        return f"{number}:1"
    if unit == Metric.Unit.USD:
        return f"${number}"
    return number


def format_bounds(lower, upper, unit: str) -> str:
    if lower is None and upper is None:
        return ""
    return f"{format_value(lower, unit) if lower is not None else '?'}\u2013{format_value(upper, unit) if upper is not None else '?'}"


def measurement_label(measurement) -> str:
    """What a measurement is of: its system and condition, or the field as a whole."""
    parts = [str(measurement.system) if measurement.system_id else "All systems"]
    if measurement.label:
        parts.append(f"({measurement.label})")
    return " ".join(parts)


def interval_text(measurement, unit: str | None = None) -> str:
    """The interval as shown beside a value: "90.2%–98.4% (Wilson, from n)"
    when computed here, the bounds alone when given, "" when none."""
    unit = unit or measurement.metric.unit
    interval = interval_of(measurement, unit)
    if interval is None:
        return ""
    text = format_bounds(interval.lower, interval.upper, unit)
    return f"{text} (Wilson, from n)" if interval.kind == "wilson" else text


def as_of_display(measurement) -> str:
    """The measurement's date as precisely as it is known: "2026", "June 2025", "20 June 2025"."""
    return format_with_precision(measurement.as_of, getattr(measurement, "as_of_precision", DatePrecision.DAY))
