"""Reports of public incidents are public data: the dataset export keeps
them (so `export` + `import_export` loses none), a release holds those of
public incidents only."""

import datetime

import pytest

from editorial.dataset import export_dataset, import_dataset
from incidents.models import Incident
from releases.contents import public_document, rows_of
from reporting.models import ReportSubmission, SeriousIncidentReport

from .factories import ReportSubmissionFactory, SeriousIncidentReportFactory

pytestmark = pytest.mark.django_db


def test_release_holds_reports_of_public_incidents_only():
    public = ReportSubmissionFactory()
    hidden = ReportSubmissionFactory()
    Incident.objects.filter(pk=hidden.report.incident_id).update(is_published=False)
    tables = rows_of(public_document(datetime.date(2026, 12, 1)))
    assert [r["pk"] for r in tables["serious_incident_reports"]] == [public.report.pk]
    assert [r["pk"] for r in tables["report_submissions"]] == [public.pk]
    assert tables["serious_incident_reports"][0]["fields"]["member_states"] == ["DE"]


def test_export_and_import_keep_reports():
    submission = ReportSubmissionFactory(reference="AIO-1")
    SeriousIncidentReportFactory(regime="ai-act-art73", category="death")
    document = export_dataset()
    assert document["counts"]["reporting.seriousincidentreport"] == 2
    assert document["counts"]["reporting.reportsubmission"] == 1
    from django.apps import apps
    from django.db import connection

    models = [m for app in ("incidents", "reproductions", "imports", "reporting") for m in apps.get_app_config(app).get_models()]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models) + " CASCADE")
    counts = import_dataset(document)
    assert counts["reporting.seriousincidentreport"] == 2
    restored = ReportSubmission.objects.get(pk=submission.pk)
    assert restored.reference == "AIO-1"
    assert restored.report.aware_at == submission.report.aware_at
    assert SeriousIncidentReport.objects.get(pk=submission.report_id).history.count() == 1
