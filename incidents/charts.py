"""Server-rendered SVG charts, with their text alternative.

The geometry is laid out here in Python; templates draw it as inline SVG
(no scripts, no style attributes, so the CSP holds) with a <title>/<desc>
text alternative and a data table beside it:

- `bar_chart`/`panel_charts`: measurements of one metric
  (templates/incidents/_chart.html). One chart per panel: figures measured
  under different conditions (a measurement's `label`, e.g. "16-model panel
  (Figure 7)") are never drawn side by side as if comparable, and the panel
  is named in the chart's title. Each figure's 95% interval is drawn as an
  error bar with end caps.
- `count_bars`/`count_columns`: counts of incidents by a category, stacked
  by a series (incidents.overview; templates/incidents/_overview_chart.html).

Labels sit above their bars and wrap onto as many lines as they need, so
a label of any length is shown in full, never cut or clipped, and the chart
stays legible at 360 px wide. Text widths are estimated from the widest
common sans-serif font (`text_width`), so a line never runs past the chart.
"""

import math
from dataclasses import dataclass, field

from .confidence import confidence_of
from .figures import as_of_display, format_bounds, format_value, interval_of, measurement_label
from .models import Measurement, Metric

WIDTH = 400
LEFT = 4
MIN_RIGHT = 60  # room for the value printed after the bar
BAR_HEIGHT = 14
TOP = 8
AXIS_HEIGHT = 24
LABEL_SIZE = 12
VALUE_SIZE = 12
LINE_HEIGHT = 15
ROW_GAP = 12
CAP_HALF = 5  # half the height of an error bar's end caps

# Advance widths of ASCII characters (space to tilde) in hundredths of an
# em: DejaVu Sans Bold, the widest of the sans-serif fonts the pages and
# PDFs fall back to, so an estimate never falls short of the drawn text.
_ASCII_WIDTHS = [
    35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 40,
    40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100, 84, 85, 73, 85, 77, 72, 68, 81,
    77, 110, 77, 72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72, 68, 44, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72,
    72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71, 37, 71, 84,
]
_OTHER_WIDTH = 110  # any other character: a full em and more (CJK, symbols)


def text_width(text: str, size: float) -> float:
    """An upper estimate of the width of `text` set at `size` units."""
    total = 0
    for char in text:
        code = ord(char)
        total += _ASCII_WIDTHS[code - 32] if 32 <= code < 127 else _OTHER_WIDTH
    return total * size / 100


def _split_word(word: str, size: float, width: float) -> list[str]:
    """A word too long for one line, cut into pieces that fit."""
    pieces, piece = [], ""
    for char in word:
        if piece and text_width(piece + char, size) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + ([piece] if piece else [])


def wrap_text(text: str, size: float, width: float, tail: str = "") -> list[str]:
    """`text` broken into lines no wider than `width` at `size`: at spaces,
    and inside a word only when the word alone is wider than a line. Every
    character is kept. `tail` (drawn after the last line, e.g. a claim's
    confidence) is counted in the last line's width: when it does not fit
    there, an empty last line is added for it."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = _split_word(word, size, width) if text_width(word, size) > width else [word]
        lines += pieces[:-1]
        line = pieces[-1]
    lines.append(line)
    if tail and text_width(lines[-1] + tail, size) > width:
        lines.append("")
    return lines


@dataclass
class Line:
    text: str
    y: float


@dataclass
class Bar:
    label: str
    value_text: str
    bounds_text: str
    sample_size: int | None
    as_of: object
    measurement: object
    level: object = None  # the confidence level of the claim the figure bears on
    lines: list[Line] = field(default_factory=list)  # the label as drawn, wrapped, in full
    y: float = 0
    bar_y: float = 0
    bar_width: float = 0
    text_x: float = 0
    text_y: float = 0
    err_x1: float | None = None
    err_x2: float | None = None
    err_y: float = 0
    cap_y1: float = 0
    cap_y2: float = 0

    @property
    def label_text(self) -> str:
        """The label as drawn, its lines joined."""
        return " ".join(line.text for line in self.lines if line.text)


@dataclass
class Tick:
    x: float
    text: str
    anchor: str = "middle"  # the end ticks align inwards so their text is not clipped
    y: float = 0  # a count axis's ticks (columns) stand at heights


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
    plot_right: float = WIDTH - MIN_RIGHT
    panel: str = ""  # the condition or panel every figure of the chart was measured under
    suffix: str = ""  # told apart from the other panels' charts of a set (element ids)

    @property
    def panels(self) -> list["Chart"]:
        return [self]

    @property
    def has_intervals(self) -> bool:
        return any(bar.err_x1 is not None for bar in self.bars)

    @property
    def has_levels(self) -> bool:
        return any(bar.level for bar in self.bars)


@dataclass
class ChartSet:
    """The charts of one metric's measurements: one per panel."""

    panels: list[Chart]
    omitted: int = 0  # panels not drawn (listed in the table beside)


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


def subject_label(measurement) -> str:
    """What a figure is of, without its panel (named in the chart's title)."""
    label = measurement_label(measurement)
    panel = f" ({measurement.label})" if measurement.label else ""
    if panel and label.endswith(panel):
        label = label[: -len(panel)]
    if measurement.purpose == Measurement.Purpose.REPRODUCTION:
        label += ", our re-run"
    return label


def chart_labels(measurements) -> list[str]:
    """Each figure's subject; the same subject twice in one panel (a
    published figure and a later one) is told apart by its date, as
    precisely as it is known (figures.as_of_display: "2025", "June 2025")."""
    subjects = [subject_label(m) for m in measurements]
    return [
        f"{subject}, {as_of_display(m)}" if subjects.count(subject) > 1 else subject
        for subject, m in zip(subjects, measurements)
    ]


def bar_chart(metric: Metric, measurements, title: str | None = None, panel: str | None = None) -> Chart | None:
    """A horizontal bar chart of `measurements` of one metric, all of one
    panel (`panel`, named in the title; by default their shared label), each
    figure's 95% interval drawn as an error bar, with a one-paragraph text
    alternative listing every value. None when there is nothing to draw."""
    measurements = [m for m in measurements if m.value is not None]
    if not measurements:
        return None
    if panel is None:
        labels = {m.label for m in measurements}
        panel = labels.pop() if len(labels) == 1 else ""
    unit = metric.unit
    top = _domain_max(measurements, unit)
    value_texts = [format_value(m.value, unit) for m in measurements]
    right = max(MIN_RIGHT, max(text_width(text, VALUE_SIZE) for text in value_texts) + 10)
    plot_width = WIDTH - LEFT - right
    label_width = WIDTH - 2 * LEFT

    def x(value):
        clamped = min(max(value or 0, 0), top)
        return LEFT + plot_width * clamped / top

    bars = []
    y = TOP
    for m, label, value_text in zip(measurements, chart_labels(measurements), value_texts):
        interval = interval_of(m, unit)
        bar = Bar(
            label=label,
            value_text=value_text,
            bounds_text=format_bounds(interval.lower, interval.upper, unit) if interval else "",
            sample_size=m.sample_size,
            as_of=m.as_of,
            measurement=m,
            level=confidence_of(m.claim).level if m.claim_id else None,
            y=y,
        )
        tail = f" \u00b7 {bar.level.short}" if bar.level else ""
        texts = wrap_text(label, LABEL_SIZE, label_width, tail)
        bar.lines = [Line(text, y + 12 + i * LINE_HEIGHT) for i, text in enumerate(texts)]
        bar.bar_y = y + 6 + len(texts) * LINE_HEIGHT
        bar.bar_width = max(x(m.value) - LEFT, 1)
        bar.text_y = bar.bar_y + BAR_HEIGHT - 3
        if interval:
            bar.err_x1 = x(interval.lower)
            bar.err_x2 = x(interval.upper)
            bar.err_y = bar.bar_y + BAR_HEIGHT / 2
            bar.cap_y1, bar.cap_y2 = bar.err_y - CAP_HALF, bar.err_y + CAP_HALF
        bar.text_x = x(max(m.value, interval.upper if interval else m.value)) + 6
        bars.append(bar)
        y = bar.bar_y + BAR_HEIGHT + ROW_GAP

    axis_y = y - ROW_GAP + 8
    ticks = [Tick(x(top * i / 4), format_value(top * i / 4, unit)) for i in range(5)]
    ticks[0].anchor, ticks[-1].anchor = "start", "end"
    title = title or f"{metric.name} by AI system"
    if panel:
        title = f"{title} \u2014 {panel}"
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
        plot_right=WIDTH - right,
        panel=panel,
    )


def by_metric(measurements) -> list[tuple]:
    """(metric, measurements) per metric, in the order first seen."""
    grouped = {}
    for m in measurements:
        grouped.setdefault(m.metric_id, (m.metric, []))[1].append(m)
    return list(grouped.values())


def panels_of(measurements) -> list[tuple[str, list]]:
    """(panel, measurements) per panel (a measurement's label: the
    condition or panel it was measured under), in the order first seen."""
    grouped: dict[str, list] = {}
    for m in measurements:
        grouped.setdefault(m.label, []).append(m)
    return list(grouped.items())


def panel_charts(metric: Metric, measurements, title: str | None = None, limit: int | None = None) -> ChartSet | None:
    """One bar chart per panel of `measurements` of one metric. With
    `limit`, only that many panels are drawn, those with the most figures
    (the rest are counted in `omitted`). None when there is nothing to draw."""
    panels = [(panel, items) for panel, items in panels_of(measurements) if any(m.value is not None for m in items)]
    omitted = 0
    if limit is not None and len(panels) > limit:
        keep = sorted(range(len(panels)), key=lambda i: -len(panels[i][1]))[:limit]
        omitted = len(panels) - limit
        panels = [panels[i] for i in sorted(keep)]
    charts = [bar_chart(metric, items, title=title, panel=panel) for panel, items in panels]
    charts = [chart for chart in charts if chart is not None]
    if not charts:
        return None
    for index, chart in enumerate(charts[1:], start=2):
        chart.suffix = f"-{index}"
    return ChartSet(charts, omitted)


def charts_by_metric(measurements) -> list[tuple]:
    """(metric, charts, measurements) per metric, in the order first seen:
    `charts` a ChartSet, one chart per panel."""
    return [(metric, panel_charts(metric, items), items) for metric, items in by_metric(measurements)]


# Counts of incidents (incidents.overview): stacked bars or columns.

COUNT_LEFT = 4
COUNT_RIGHT = 44
SERIES_CLASSES = 4  # chart__series--0 .. --3 in site.css; more series repeat them
# The same colours as presentation attributes, so that a chart drawn outside
# our pages (the standalone SVG and PNG, incidents.chart_files; an embed)
# looks as it does in them. site.css's classes win wherever it is loaded.
SERIES_FILLS = ("#2f6fb0", "#b05a00", "#6a3d9a", "#1e6b52")
COLUMN_AXIS_LEFT = 34
COLUMN_PLOT_HEIGHT = 180
MIN_COLUMN_LABEL_GAP = 8


@dataclass
class Segment:
    series: int
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def fill(self) -> str:
        return SERIES_FILLS[self.series]


@dataclass
class CountRow:
    label: str
    total: int
    lines: list[Line] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    bar_y: float = 0
    text_x: float = 0
    text_y: float = 0
    # Columns: where the category's name is written under the axis ("" when skipped for room).
    tick_x: float = 0
    tick_text: str = ""

    @property
    def total_text(self) -> str:
        return f"{self.total:,}"


@dataclass
class LegendItem:
    series: int
    label: str
    x: float  # the swatch's corner; its name follows it
    y: float

    @property
    def fill(self) -> str:
        return SERIES_FILLS[self.series]

    @property
    def text_x(self) -> float:
        return self.x + 16

    @property
    def text_y(self) -> float:
        return self.y + 10


@dataclass
class CountChart:
    kind: str  # "bars" (one row per category) or "columns" (a time axis)
    title: str
    description: str
    width: int
    height: int
    rows: list[CountRow] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    axis_y: float = 0
    plot_left: float = COUNT_LEFT
    plot_right: float = WIDTH - COUNT_RIGHT
    plot_top: float = 0


def count_scale(highest: int) -> tuple[int, list[int]]:
    """The top of a count axis and its ticks: whole numbers, at most five."""
    step, magnitude = 1, 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * 4 >= highest:
                top = max(step * math.ceil(highest / step), step)
                return top, list(range(0, top + 1, step))
        magnitude *= 10


def _legend(series: list[str], y: float) -> tuple[list[LegendItem], float]:
    """Legend entries (a swatch and a name each) laid out in lines from `y`;
    returns them and the y below them. None for a single series."""
    if len(series) < 2:
        return [], y
    items, x = [], COUNT_LEFT
    for index, label in enumerate(series):
        width = 16 + text_width(label, LABEL_SIZE) + 14
        if x > COUNT_LEFT and x + width > WIDTH:
            x, y = COUNT_LEFT, y + LINE_HEIGHT + 4
        items.append(LegendItem(index % SERIES_CLASSES, label, x, y))
        x += width
    return items, y + LINE_HEIGHT + 8


def _described(categories, series, counts) -> str:
    parts = []
    for (key, label), total in zip(categories, (sum(counts.get((k, s), 0) for s, _ in series) for k, _ in categories)):
        if len(series) > 1 and total:
            split = ", ".join(f"{name.lower()} {counts.get((key, s), 0):,}" for s, name in series if counts.get((key, s)))
            parts.append(f"{label}: {total:,} ({split})")
        else:
            parts.append(f"{label}: {total:,}")
    return "; ".join(parts)


def count_bars(title: str, summary: str, categories, series, counts) -> CountChart:
    """Horizontal bars, one per category (its name above it, wrapped), each
    stacked by series, the total after it. `categories` and `series` are
    (key, label) pairs; `counts` maps (category key, series key) to a count."""
    legend, y = _legend([label for _, label in series], TOP + 4)
    plot_top = y
    totals = [sum(counts.get((k, s), 0) for s, _ in series) for k, _ in categories]
    top, tick_values = count_scale(max(totals, default=0))
    right = max(COUNT_RIGHT, max((text_width(f"{t:,}", VALUE_SIZE) for t in totals), default=0) + 10)
    plot_width = WIDTH - COUNT_LEFT - right
    rows = []
    for (key, label), total in zip(categories, totals):
        row = CountRow(label, total)
        texts = wrap_text(label, LABEL_SIZE, WIDTH - 2 * COUNT_LEFT)
        row.lines = [Line(text, y + 12 + i * LINE_HEIGHT) for i, text in enumerate(texts)]
        row.bar_y = y + 6 + len(texts) * LINE_HEIGHT
        x = COUNT_LEFT
        for index, (series_key, _) in enumerate(series):
            count = counts.get((key, series_key), 0)
            if count:
                width = plot_width * count / top
                row.segments.append(Segment(index % SERIES_CLASSES, count, x, row.bar_y, width, BAR_HEIGHT))
                x += width
        row.text_x = x + 6
        row.text_y = row.bar_y + BAR_HEIGHT - 3
        rows.append(row)
        y = row.bar_y + BAR_HEIGHT + ROW_GAP
    axis_y = y - ROW_GAP + 8
    ticks = [Tick(COUNT_LEFT + plot_width * value / top, f"{value:,}") for value in tick_values]
    ticks[0].anchor, ticks[-1].anchor = "start", "end"
    description = f"Bar chart. {summary} {_described(categories, series, counts)}."
    return CountChart("bars", title, description, WIDTH, int(axis_y + AXIS_HEIGHT), rows, ticks, legend, axis_y,
                      COUNT_LEFT, WIDTH - right, plot_top)


def count_columns(title: str, summary: str, categories, series, counts) -> CountChart:
    """Vertical columns along a time axis, one per category, stacked by
    series, a count axis on the left; category names under the axis, as
    many as fit (every one is in the description and the data table)."""
    legend, top_y = _legend([label for _, label in series], TOP + 4)
    totals = [sum(counts.get((k, s), 0) for s, _ in series) for k, _ in categories]
    top, tick_values = count_scale(max(totals, default=0))
    tick_texts = [f"{value:,}" for value in tick_values]
    widest = max((text_width(label, 11) for _, label in categories), default=0)
    # Room for the count axis's numbers on the left, and half the widest
    # name on either side: the end columns' names are centred under them.
    plot_left = max(COLUMN_AXIS_LEFT, max(text_width(t, 11) for t in tick_texts) + 8, widest / 2 + 2)
    plot_right = WIDTH - max(4, widest / 2 + 2)
    plot_top = top_y + 8
    axis_y = plot_top + COLUMN_PLOT_HEIGHT
    slot = (plot_right - plot_left) / max(len(categories), 1)
    every = max(1, math.ceil((widest + MIN_COLUMN_LABEL_GAP) / slot))
    rows = []
    for index, ((key, label), total) in enumerate(zip(categories, totals)):
        row = CountRow(label, total)
        x = plot_left + index * slot + slot * 0.15
        width = slot * 0.7
        y = axis_y
        for series_index, (series_key, _) in enumerate(series):
            count = counts.get((key, series_key), 0)
            if count:
                height = COLUMN_PLOT_HEIGHT * count / top
                y -= height
                row.segments.append(Segment(series_index % SERIES_CLASSES, count, x, y, width, height))
        row.tick_x = plot_left + (index + 0.5) * slot
        # The last category is always named (the latest year), the others every `every`.
        if (len(categories) - 1 - index) % every == 0:
            row.tick_text = label
        rows.append(row)
    ticks = [Tick(plot_left - 4, text, "end", axis_y - COLUMN_PLOT_HEIGHT * value / top)
             for value, text in zip(tick_values, tick_texts)]
    description = f"Column chart. {summary} {_described(categories, series, counts)}."
    return CountChart("columns", title, description, WIDTH, int(axis_y + AXIS_HEIGHT + 4), rows, ticks, legend,
                      axis_y, plot_left, plot_right, plot_top)
