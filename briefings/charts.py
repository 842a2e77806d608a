"""Vector bar charts for PDF briefings: one bar per measurement of a metric,
with its interval as a whisker. Plain inline SVG that WeasyPrint draws as
vectors; the data table printed beside each chart carries the exact values.

(The web pages have their own charts; this one is sized for A4 print. Numbers
read as on the web: incidents.figures.)
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.figures import format_value

WIDTH = 240
BAR_HEIGHT = 16
GAP = 6
LABEL_WIDTH = 90
VALUE_WIDTH = 36


def _axis_max(unit: str, values: list[float]) -> float:
    if unit == "percent":
        return 100.0
    if unit == "proportion":
        return 1.0
    top = max(values) if values else 1.0
    return top if top > 0 else 1.0


def bar_chart_svg(rows: list[dict], unit: str, title: str) -> SafeString:
    """rows: [{"label", "value", "lower", "upper"}]. Returns an <svg> with a
    <title> (read by screen readers in the tagged PDF)."""
    bounds = [r["upper"] if r.get("upper") is not None else r["value"] for r in rows]
    top = _axis_max(unit, bounds)
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP

    def x(value):
        return LABEL_WIDTH + max(0.0, min(value / top, 1.0)) * plot

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>',
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="#444" stroke-width="0.5"/>',
    ]
    for index, row in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        mid = y + BAR_HEIGHT / 2
        label = escape(row["label"][:28])
        parts.append(f'<text x="{LABEL_WIDTH - 4}" y="{mid + 3}" font-size="7" text-anchor="end">{label}</text>')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{x(row["value"]) - LABEL_WIDTH:.1f}" '
            f'height="{BAR_HEIGHT}" fill="#3b6ea5"/>'
        )
        if row.get("lower") is not None and row.get("upper") is not None:
            parts.append(
                f'<line x1="{x(row["lower"]):.1f}" y1="{mid}" x2="{x(row["upper"]):.1f}" y2="{mid}" '
                f'stroke="#111" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{WIDTH - VALUE_WIDTH + 2}" y="{mid + 3}" font-size="7">'
            f'{escape(format_value(row["value"], unit))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above
