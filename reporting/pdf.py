"""A serious-incident report as a PDF, through the briefings pipeline: the
same renderer (tagged PDF/UA-1, project files only), the same store keyed by
the hash of the HTML, so the same content renders once. The clocks' statuses
are part of the HTML, so a report whose deadline passes gets a new PDF."""

from django.template.loader import render_to_string
from django.utils import timezone

from briefings.models import Briefing
from briefings.services import GENERATED_AT, RENDER_BRIEFING_PDF, SITE_AUTHOR, briefing_for_html, render_briefing
from config.queueing import send_on_commit

from .article73 import article73_document, reporter_role
from .code_of_practice import cop_document
from .documents import site_url


def report_context(report, now=None) -> dict:
    """What the page and the PDF show, for a report loaded with
    reporting.documents.with_document_data."""
    now = now or timezone.now()
    return {
        "report": report,
        "clocks": report.clocks(now),
        "article73": article73_document(report, now),
        "cop": cop_document(report, now),
        "reporter_role": reporter_role(report),
        "permalink": site_url(report.get_absolute_url()),
    }


def report_html(report, now=None) -> str:
    context = report_context(report, now)
    context.update(generated_at=GENERATED_AT, author=SITE_AUTHOR)
    return render_to_string("reporting/pdf/serious_incident_report.html", context)


def report_title(report) -> str:
    return f"{report.incident.public_id}: serious-incident report ({report.get_regime_display()}), {report.provider.name}"


def report_briefing(report, now=None) -> Briefing:
    """The stored PDF of the report's current content, rendered now when
    there is none (the web page's download)."""
    briefing = briefing_for_html(Briefing.Kind.REPORT, report_html(report, now), report_title(report), report.incident)
    if not briefing.is_ready:
        briefing = render_briefing(briefing.pk)
    return briefing


def request_report_briefing(report, now=None) -> Briefing:
    """The stored PDF of the report's current content, queued on the `pdf`
    queue (after commit) when there is none: the API's 202."""
    briefing = briefing_for_html(Briefing.Kind.REPORT, report_html(report, now), report_title(report), report.incident)
    if not briefing.is_ready:
        if briefing.status == Briefing.Status.FAILED:
            Briefing.objects.filter(pk=briefing.pk).update(status=Briefing.Status.QUEUED, error="")
            briefing.status, briefing.error = Briefing.Status.QUEUED, ""
        pk = briefing.pk
        send_on_commit(RENDER_BRIEFING_PDF, pk, on_sent=lambda task_id: Briefing.objects.filter(pk=pk).update(task_id=task_id))
    return briefing
