"""An overview chart as files of its own: a standalone SVG document and a
PNG made from it, for readers who put a chart in an article or a slide.

There is one drawing of each chart (templates/incidents/_overview_chart_svg.html,
from incidents.charts' geometry): the page, the embed page and these files
all render it, the files with the SVG namespace, a pixel size, a font and a
white background added. Its colours and font sizes are presentation
attributes, never style attributes or a <style> element, so the file looks
the same opened on its own, where our Content-Security-Policy would block
inline styles, as in a page.

The PNG is rasterised here with resvg (the resvg-py wheel: no system
library), at twice the chart's size so it stays sharp on a high-density
screen or a projector. Text is set in DejaVu Sans, the font the PDFs already
need (Debian fonts-dejavu-core), which resvg finds among the system's fonts;
the layout's text widths are estimated from it (incidents.charts.text_width).
"""

from django.template.loader import render_to_string

from .text import for_xml

PNG_SCALE = 2


def chart_id(slug: str) -> str:
    """The id the chart's elements are named from, the same everywhere it is drawn."""
    return f"chart-{slug}"


def overview_svg(data) -> str:
    """The chart of `data` (an incidents.overview.Overview) as a standalone
    SVG document. A character XML cannot carry (a control character saved
    before the text rules) is dropped, so one bad name never breaks the file."""
    svg = render_to_string("incidents/overview_chart.svg", {"chart": data.chart(), "chart_id": chart_id(data.slug)})
    return for_xml(svg)


def svg_to_png(svg: str, scale: float = PNG_SCALE) -> bytes:
    """`svg` rasterised as PNG, `scale` pixels to each unit of its size."""
    import resvg_py  # loaded on first use: pages never need it

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=scale, background="#ffffff"))


def overview_png(data) -> bytes:
    """The chart of `data` as PNG, rasterised from the same SVG document."""
    return svg_to_png(overview_svg(data))
