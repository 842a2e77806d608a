"""The overview page: incidents over time, by taxonomy domain, organisation
and severity, each chart with its data table, CSV and citation. Thin: the
counts come from incidents.overview."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import overview


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
