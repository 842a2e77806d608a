"""Server-rendered SVG bar charts of measurements, with their text alternative.

`bar_chart` lays out the geometry in Python; templates/incidents/_chart.html
draws it as inline SVG (no scripts, no style attributes, so the CSP holds)
with a <title>/<desc> text alternative and a data table beside it. Labels
sit above their bars so the chart stays legible at 360 px wide.
"""

import math
from dataclasses import dataclass, field

from .confidence import confidence_of
from .figures import format_bounds, format_value, interval_of, measurement_label
from .models import Metric

WIDTH = 400
LEFT = 4
RIGHT = 60  # room for the value printed after the bar
ROW_HEIGHT = 40
BAR_HEIGHT = 14
TOP = 8
AXIS_HEIGHT = 24


LABEL_CHARS = 50  # what fits above a bar at 12 px in the chart's 400 units


@dataclass
class Bar:
    label: str
    value_text: str
    bounds_text: str
    sample_size: int | None
    as_of: object
    measurement: object
    level: object = None  # the confidence level of the claim the figure bears on
    label_text: str = ""  # the label as drawn: shortened to leave room for the level
    y: float = 0
    label_y: float = 0
    bar_y: float = 0
    bar_width: float = 0
    text_x: float = 0
    text_y: float = 0
    err_x1: float | None = None
    err_x2: float | None = None
    err_y: float = 0


@dataclass
class Tick:
    x: float
    text: str
    anchor: str = "middle"  # the end ticks align inwards so their text is not clipped


@dataclass
class Chart:
    title: str
    description: str
    unit: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    axis_y: float = 0
    plot_left: float = LEFT
    plot_right: float = WIDTH - RIGHT


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _domain_max(measurements, unit) -> float:
    if unit == Metric.Unit.PERCENT:
        return 100.0
    if unit == Metric.Unit.PROPORTION:
        return 1.0
    highest = max((m.upper if m.upper is not None else m.value) for m in measurements)
    return _nice_ceiling(max(highest, 0))


def bar_chart(metric: Metric, measurements, title: str | None = None) -> Chart | None:
    """A horizontal bar chart of `measurements` of one metric (bounds drawn
    as error bars), with a one-paragraph text alternative listing every
    value. None when there is nothing to draw."""
    measurements = [m for m in measurements if m.value is not None]
    if not measurements:
        return None
    unit = metric.unit
    top = _domain_max(measurements, unit)
    plot_width = WIDTH - LEFT - RIGHT

    def x(value):
        clamped = min(max(value or 0, 0), top)
        return LEFT + plot_width * clamped / top

    bars = []
    for index, m in enumerate(measurements):
        y = TOP + index * ROW_HEIGHT
        interval = interval_of(m, unit)
        bar = Bar(
            label=measurement_label(m),
            value_text=format_value(m.value, unit),
            bounds_text=format_bounds(interval.lower, interval.upper, unit) if interval else "",
            sample_size=m.sample_size,
            as_of=m.as_of,
            measurement=m,
            level=confidence_of(m.claim).level if m.claim_id else None,
            y=y,
            label_y=y + 12,
            bar_y=y + 18,
            bar_width=max(x(m.value) - LEFT, 1),
        )
        room = LABEL_CHARS - (len(bar.level.short) + 3 if bar.level else 0)
        bar.label_text = bar.label if len(bar.label) <= room else bar.label[: room - 1].rstrip() + "\u2026"
        bar.text_x = x(max(m.value, interval.upper if interval else m.value)) + 4
        bar.text_y = bar.bar_y + BAR_HEIGHT - 3
        if interval:
            bar.err_x1 = x(interval.lower)
            bar.err_x2 = x(interval.upper)
            bar.err_y = bar.bar_y + BAR_HEIGHT / 2
        bars.append(bar)

    axis_y = TOP + len(bars) * ROW_HEIGHT + 4
    ticks = [Tick(x(top * i / 4), format_value(top * i / 4, unit)) for i in range(5)]
    ticks[0].anchor, ticks[-1].anchor = "start", "end"
    title = title or f"{metric.name} by AI system"
    described = "; ".join(
        f"{b.label}: {b.value_text}"
        + (f" (95% interval {b.bounds_text})" if b.bounds_text else "")
        + (f", n = {b.sample_size:,}" if b.sample_size else "")
        + (f", claim {b.level.label.lower()}" if b.level else "")
        for b in bars
    )
    description = f"Bar chart of {metric.name} ({metric.get_unit_display().lower()}). {described}."
    return Chart(
        title=title,
        description=description,
        unit=unit,
        width=WIDTH,
        height=int(axis_y + AXIS_HEIGHT),
        bars=bars,
        ticks=ticks,
        axis_y=axis_y,
    )


def charts_by_metric(measurements) -> list[tuple]:
    """(metric, chart, measurements) per metric, in the order first seen."""
    grouped = {}
    for m in measurements:
        grouped.setdefault(m.metric_id, (m.metric, []))[1].append(m)
    return [(metric, bar_chart(metric, items), items) for metric, items in grouped.values()]
