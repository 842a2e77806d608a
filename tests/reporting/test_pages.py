"""The report's web page, its JSON documents and its PDF: public when the
incident is; the incident page lists its reports; /methodology/ explains
the clocks."""

import datetime
import json

import pytest
from django.template import Context, Template

from incidents.models import Incident
from reporting.models import SeriousIncidentReport

from .factories import SeriousIncidentReportFactory

pytestmark = pytest.mark.django_db


def address(report, tail=""):
    return f"/incidents/{report.incident.public_id}/serious-incident-reports/{report.pk}/{tail}"


@pytest.fixture
def on_1_april(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 4, 1, 12, tzinfo=datetime.timezone.utc))


def test_report_page_shows_the_timeline_in_words(client, full_report, on_1_april):
    page = client.get(address(full_report))
    assert page.status_code == 200
    html = " ".join(page.content.decode().split())
    assert "Timeline" in html
    assert '<strong class="clock__status">Overdue</strong>: sent 1 day, 10 hours late' in html
    assert '<strong class="clock__status">Due</strong><br><span class="clock__note">28 days after the previous report.' in html
    assert '<strong class="clock__status">Unknown</strong>' in html
    assert "Helix Health AI" in html and "MedAssist" in html
    assert address(full_report, "report.pdf") in html
    assert "AIO-2026-17" in html


def test_json_documents(client, full_report):
    article73 = client.get(address(full_report, "article73.json"))
    assert article73.status_code == 200
    assert article73["Content-Type"] == "application/json"
    document = json.loads(article73.content)
    assert document["format"] == "aikb-article73-report"
    assert list(document["sections"]) == list("ABCDEFG")
    cop = json.loads(client.get(address(full_report, "code-of-practice.json")).content)
    assert [item["item"] for item in cop["items"]] == list(range(1, 10))
    assert cop["clocks"][0]["status"] == "overdue"


def test_pdf_download(client, full_report):
    response = client.get(address(full_report, "report.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("tail", ["", "article73.json", "code-of-practice.json", "report.pdf"])
def test_report_of_a_draft_incident_is_not_found(client, tail):
    report = SeriousIncidentReportFactory()
    Incident.objects.filter(pk=report.incident_id).update(is_published=False)
    assert client.get(address(report, tail)).status_code == 404


def test_report_under_another_incident_address_is_not_found(client, full_report):
    other = SeriousIncidentReportFactory()
    assert client.get(f"/incidents/{other.incident.public_id}/serious-incident-reports/{full_report.pk}/").status_code == 404
    assert client.get(f"/incidents/{full_report.incident.public_id}/serious-incident-reports/999999/").status_code == 404
    assert client.get("/incidents/not-an-id/serious-incident-reports/1/").status_code == 404


def test_incident_reports_tag_lists_reports_in_one_query(full_report, django_assert_num_queries):
    template = Template("{% load reporting_tags %}{% incident_serious_reports incident %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"incident": full_report.incident}))
    assert address(full_report) in html
    assert "Helix Health AI" in html and "GPAI Code of Practice" in html
    lonely = SeriousIncidentReportFactory().incident
    SeriousIncidentReport.objects.filter(incident=lonely).delete()
    assert "Serious-incident reports" not in template.render(Context({"incident": lonely}))


def test_methodology_partial_explains_the_clocks():
    from django.template.loader import render_to_string

    html = render_to_string("reporting/_methodology_clocks.html")
    assert 'id="reporting-clocks"' in html
    for words in ("not counted", "weekend", "met", "due", "overdue", "unknown", "28 days", "60 days"):
        assert words in html


def test_clock_words_in_the_page_follow_now(client, full_report, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc))
    html = " ".join(client.get(address(full_report)).content.decode().split())
    assert "Intermediate report 1" in html
    assert html.count('<strong class="clock__status">Overdue</strong>') == 2
