"""Reads of serious-incident reports shared by the pages, the API and the
PDF. A report is public when its incident is (incidents.visibility)."""

from django.http import Http404

from incidents.visibility import public_q, resolve_public_id

from .documents import with_document_data
from .models import SeriousIncidentReport


def public_reports():
    return SeriousIncidentReport.objects.filter(public_q("incident"))


def reports_of_incident(incident):
    """An incident's reports, for the list on its page."""
    return list(
        SeriousIncidentReport.objects.filter(incident=incident)
        .select_related("provider", "system")
        .only("pk", "incident_id", "regime", "category", "stage", "provider__name", "system__name", "system__version")
        .order_by("id")
    )


def public_report(public_id: str, pk: int) -> SeriousIncidentReport:
    """The report `pk` of the public incident at `public_id`, loaded for its
    documents; 404 when either is unknown, the incident is not public, or
    the report belongs to another incident."""
    incident = resolve_public_id(public_id)
    if incident.public_id != public_id:
        raise Http404("No such report.")
    report = with_document_data(SeriousIncidentReport.objects.filter(pk=pk, incident=incident)).first()
    if report is None:
        raise Http404("No such report.")
    return report
