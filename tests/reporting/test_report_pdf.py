"""The report as a PDF, through the briefings pipeline: tagged PDF/UA with
the fields, each clock's label with its status in words and its due date,
stored as a briefing of kind `report` and rendered once per content."""

import datetime

import pytest

from briefings.models import Briefing
from reporting.pdf import report_briefing, report_html
from tests.briefings.conftest import open_pdf, pdf_text

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=datetime.timezone.utc)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_holds_the_fields_and_every_clock_with_its_status(loaded):
    briefing = report_briefing(loaded, NOW)
    assert briefing.kind == Briefing.Kind.REPORT == "report"
    assert briefing.incident_id == loaded.incident_id
    assert briefing.is_ready
    data = briefing.file.read()
    text = flat(pdf_text(data))
    for expected in (
        "Helix Health AI", "MedAssist 2.1", "Serious harm to a person's health", "10 March 2026, 12:00 CET",
        loaded.incident.public_id,
        # Initial report: due 25 March, sent 27 March: overdue, and how late.
        "Initial report 25 March 2026, 23:59 CET Overdue: sent 1 day, 10 hours late", "27 March 2026, 10:00 CET",
        # First intermediate report: 28 days after the initial one was sent, not sent yet.
        "Intermediate report 1 24 April 2026, 23:59 CEST Due 28 days after the previous report.",
        # Final report: the incident is not resolved.
        "Final report No date Unknown", "not recorded as resolved",
        # Code of Practice items, including what is missing.
        "Code of Practice, measure 9.2", "Not yet known",
    ):
        assert expected in text, expected
    assert "reconstructed" not in text  # the CoP items are confirmed; the Article 73 note is for that regime


def test_article73_pdf_marks_the_template_reconstructed(loaded):
    loaded.regime, loaded.category = "ai-act-art73", "death"
    text = flat(pdf_text(report_briefing(loaded, NOW).file.read()))
    assert "Article 73 report, sections A to G" in text
    assert "reconstructed" in text
    assert "Complete report" in text and "No deadline (Art. 73(6) investigation)" in text
    # Death: 10 days after 10 March, already sent on 27 March: overdue.
    assert "20 March 2026, 23:59 CET" in text


def test_pdf_is_tagged_with_language_and_metadata(loaded):
    reader = open_pdf(report_briefing(loaded, NOW).file.read())
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert reader.metadata.title == f"Serious-incident report {loaded.incident.public_id}: MedAssist"
    assert "Helix Health AI" in reader.metadata.subject


def test_the_same_content_renders_once_and_a_new_status_renders_again(loaded):
    first = report_briefing(loaded, NOW)
    again = report_briefing(loaded, NOW + datetime.timedelta(hours=1))
    assert again.pk == first.pk
    assert Briefing.objects.filter(kind="report").count() == 1
    # Past the intermediate deadline its status reads overdue: new content, new PDF.
    later = report_briefing(loaded, datetime.datetime(2026, 4, 30, tzinfo=datetime.timezone.utc))
    assert later.pk != first.pk
    assert "Overdue" in report_html(loaded, datetime.datetime(2026, 4, 30, tzinfo=datetime.timezone.utc))
