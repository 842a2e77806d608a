"""A serious-incident report's pages: the timeline and fields, the two JSON
documents and the PDF. Public when the incident is (reporting.selectors);
thin over reporting.article73, reporting.code_of_practice and reporting.pdf."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from briefings.models import Briefing
from config.file_responses import StoredFile, serve_file

from .article73 import article73_document
from .code_of_practice import cop_document
from .pdf import report_briefing, report_context
from .selectors import public_report


def _json(document) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json")
    response["Cache-Control"] = "no-cache"  # the clocks' statuses depend on the time of asking
    return response


@require_safe
def report_detail(request, public_id, pk):
    report = public_report(public_id, pk)
    response = render(request, "reporting/report_detail.html", report_context(report))
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def report_article73(request, public_id, pk):
    return _json(article73_document(public_report(public_id, pk), timezone.now()))


@require_safe
def report_code_of_practice(request, public_id, pk):
    return _json(cop_document(public_report(public_id, pk), timezone.now()))


@require_safe
def report_pdf(request, public_id, pk):
    report = public_report(public_id, pk)
    briefing = report_briefing(report)
    if not briefing.is_ready:
        return render(request, "briefings/briefing_failed.html", {"briefing": briefing}, status=503)
    stored = StoredFile(
        name=briefing.file.name,
        size=briefing.size_bytes,
        sha256=briefing.sha256,
        modified=int(briefing.rendered_at.timestamp()),
        content_type="application/pdf",
        filename=f"{report.incident.public_id}-serious-incident-report-{report.pk}.pdf",
    )
    storage = Briefing._meta.get_field("file").storage
    return serve_file(request, storage, stored, {"X-Content-SHA256": stored.sha256})
