"""The overview page: incidents over time, by taxonomy domain, organisation
and severity, each chart with its data table, CSV and citation; and each
chart on its own: a permalink page with its embed code, an embed page other
sites may frame, and SVG and PNG files. Thin: the counts come from
incidents.overview, the files from incidents.chart_files.

Framing: every page of ours refuses to be framed (X-Frame-Options: DENY from
Django's clickjacking middleware, frame-ancestors 'none' from
config.security), so that no other site can dress our pages up and have a
reader click through them. The embed page is the one exception, by design:
it shows a chart, its notes and a line to cite it, and nothing a reader can
do there changes anything (no form, no script, links open in a new tab).
"""

import csv
import math

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from . import chart_files, overview

# The embed code's frame: this wide, and tall enough for the chart at this
# width with its title, notes and cite line (a narrower frame scales the
# chart down and leaves room to spare).
EMBED_WIDTH = 600
EMBED_TEXT_HEIGHT = 110  # title and cite line
EMBED_NOTE_HEIGHT = 40

# The embed page's own Content-Security-Policy: any site may frame it, and it
# may load nothing but our stylesheet (no script at all, no form, no font).
EMBED_POLICY = "; ".join([
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors *",
])


@require_safe
def insights_page(request):
    charts = overview.all_charts()
    accessed = timezone.localdate()
    return render(request, "incidents/insights.html", {
        "charts": [{"data": data, "chart": data.chart(), "citation": data.citation(accessed)} for data in charts],
        "total": overview.public_total(),
    })


@require_safe
def chart_csv(request, chart):
    data = overview.overview(chart)  # 404 for an unknown chart
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="aikb-insights-{data.slug}.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerows(data.csv_rows())
    return response


def _one_chart(slug: str) -> dict:
    """What the permalink and embed pages show of the chart `slug` (404 for any other)."""
    data = overview.overview(slug)
    return {
        "data": data,
        "chart": data.chart(),
        "chart_id": chart_files.chart_id(data.slug),
        "citation": data.citation(timezone.localdate()),
        "total": overview.public_total(),
    }


def embed_code(data, chart) -> str:
    """The <iframe> another site pastes to show the chart of `data`."""
    height = math.ceil(chart.height * EMBED_WIDTH / chart.width)
    height += EMBED_TEXT_HEIGHT + EMBED_NOTE_HEIGHT * len(data.notes)
    return render_to_string("incidents/_embed_code.html", {
        "data": data, "width": EMBED_WIDTH, "height": height,
    }).strip()


@require_safe
def chart_page(request, chart):
    """The chart's permalink: the chart, its data, files, citation and embed code."""
    context = _one_chart(chart)
    context["embed_code"] = embed_code(context["data"], context["chart"])
    return render(request, "incidents/insights_chart.html", context)


@require_safe
@xframe_options_exempt
def chart_embed(request, chart):
    """The chart alone, for other sites to frame (module docstring): no
    X-Frame-Options, and a policy of its own that lets any site frame it."""
    response = render(request, "incidents/insights_chart_embed.html", _one_chart(chart))
    response["Content-Security-Policy"] = EMBED_POLICY
    return response


@require_safe
def chart_svg(request, chart):
    data = overview.overview(chart)
    response = HttpResponse(chart_files.overview_svg(data), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="aikb-insights-{data.slug}.svg"'
    return response


@require_safe
def chart_png(request, chart):
    data = overview.overview(chart)
    response = HttpResponse(chart_files.overview_png(data), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="aikb-insights-{data.slug}.png"'
    return response
