"""Vector bar charts for PDF briefings: one bar per measurement of a metric
(one chart per panel, as on the web), with its 95% interval as an error bar
with end caps; and bars of counts (a digest's new incidents by severity).
Plain inline SVG that WeasyPrint draws as vectors; the data table printed
under each chart carries the exact values.

Each label is written above its bar, over the chart's whole width, and
wraps onto as many lines as it needs (incidents.charts.wrap_text, which
estimates widths from the widest fallback font): a label of any length is
printed in full, never cut short or clipped, so two figures of one system
under different conditions can always be told apart.

(The web pages draw their own charts from the same layout rules, sized
for the screen; this one is sized for A4 print. Numbers read as on the
web: incidents.figures.)
"""

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.charts import count_scale, text_width, wrap_text
from incidents.figures import format_value

WIDTH = 480
LEFT = 2
BAR_HEIGHT = 14
LABEL_SIZE = 11
LINE_HEIGHT = 13
ROW_GAP = 9
VALUE_SIZE = 11
TICK_SIZE = 9
MIN_RIGHT = 40
CAP_HALF = 4
INK = "#111"
BAR = "#3b6ea5"


def _axis(unit: str, values: list[float]) -> tuple[float, list[tuple[float, str]]]:
    """The axis's top and its ticks (value, text)."""
    if unit == "percent":
        return 100.0, [(v, format_value(v, unit)) for v in (0, 25, 50, 75, 100)]
    if unit == "proportion":
        return 1.0, [(v, format_value(v, unit)) for v in (0, 0.25, 0.5, 0.75, 1.0)]
    top = max(values) if values else 1.0
    if unit == "count" or top >= 4:
        top, ticks = count_scale(math.ceil(top))
        return float(top), [(v, format_value(v, unit)) for v in ticks]
    top = top if top > 0 else 1.0
    return top, [(top * i / 4, format_value(top * i / 4, unit)) for i in range(5)]


def bar_chart_svg(rows: list[dict], unit: str, title: str, width: int = WIDTH, label_width: int = 0) -> SafeString:
    """rows: [{"label", "value", "lower", "upper"}]. Returns an <svg> with a
    <title> (read by screen readers in the tagged PDF). `width` in the
    chart's own units: the narrower, the larger its text when the
    stylesheet sets its printed width. Labels go above their bars, or with
    `label_width` in a column of that width left of them (for short labels:
    a lower chart); either way they wrap, whole, within their room."""
    bounds = [r["upper"] if r.get("upper") is not None else r["value"] for r in rows]
    top, ticks = _axis(unit, bounds)
    value_texts = [format_value(row["value"], unit) for row in rows]
    right = max([MIN_RIGHT] + [text_width(text, VALUE_SIZE) + 10 for text in value_texts])
    start = LEFT + label_width + (6 if label_width else 0)  # where the bars start
    plot = width - start - right

    def x(value):
        return start + max(0.0, min((value or 0) / top, 1.0)) * plot

    parts = []
    y = 4.0
    for row, value_text in zip(rows, value_texts):
        lines = wrap_text(row["label"], LABEL_SIZE, label_width or width - 2 * LEFT)
        if label_width:  # beside the bar, centred on it
            height = max(len(lines) * LINE_HEIGHT, BAR_HEIGHT)
            bar_y = y + (height - BAR_HEIGHT) / 2
            first = y + (height - len(lines) * LINE_HEIGHT) / 2 + 10
        else:  # above the bar
            height = len(lines) * LINE_HEIGHT + 4 + BAR_HEIGHT
            bar_y = y + 4 + len(lines) * LINE_HEIGHT
            first = y + 11
        for index, line in enumerate(lines):
            parts.append(
                f'<text x="{LEFT}" y="{first + index * LINE_HEIGHT:.1f}" font-size="{LABEL_SIZE}" fill="{INK}">'
                f"{escape(line)}</text>"
            )
        mid = bar_y + BAR_HEIGHT / 2
        if row["value"]:
            parts.append(
                f'<rect x="{start}" y="{bar_y:.1f}" width="{max(x(row["value"]) - start, 0.5):.1f}" '
                f'height="{BAR_HEIGHT}" fill="{BAR}"/>'
            )
        end = row["value"]
        if row.get("lower") is not None and row.get("upper") is not None:
            x1, x2 = x(row["lower"]), x(row["upper"])
            whisker = (f"M{x1:.1f} {mid - CAP_HALF:.1f}V{mid + CAP_HALF:.1f}M{x1:.1f} {mid:.1f}H{x2:.1f}"
                       f"M{x2:.1f} {mid - CAP_HALF:.1f}V{mid + CAP_HALF:.1f}")
            parts.append(f'<path class="error-bar" d="{whisker}" fill="none" stroke="#fff" stroke-width="3"/>')
            parts.append(f'<path class="error-bar" d="{whisker}" fill="none" stroke="{INK}" stroke-width="1"/>')
            end = max(end, row["upper"])
        parts.append(
            f'<text x="{x(end) + 5:.1f}" y="{mid + 4:.1f}" font-size="{VALUE_SIZE}" font-weight="bold" fill="{INK}">'
            f"{escape(value_text)}</text>"
        )
        y += height + ROW_GAP
    axis_y = y - ROW_GAP + 4
    parts.append(f'<line x1="{start}" y1="{axis_y:.1f}" x2="{start + plot:.1f}" y2="{axis_y:.1f}" stroke="#444" stroke-width="0.7"/>')
    for index, (value, text) in enumerate(ticks):
        anchor = "start" if index == 0 else "end" if index == len(ticks) - 1 else "middle"
        parts.append(
            f'<text x="{x(value):.1f}" y="{axis_y + 12:.1f}" font-size="{TICK_SIZE}" fill="#444" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    height = axis_y + 16
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}"><title>{escape(title)}</title>'
    )
    return mark_safe(head + "".join(parts) + "</svg>")  # every interpolated text is escaped above
