"""The digest of a period and filter: cover, contents with page numbers and
bookmarks, new and updated incidents, claim status changes, verdicts,
metric changes and the index of sources."""

import datetime
from pathlib import Path

import pytest

from briefings.digests import DigestFilter, build_digest, previous_period
from briefings.models import Briefing, Cadence, Digest
from incidents.models import Incident

from .conftest import END, START, open_pdf, pdf_text, save_page_png

def outline_titles(reader):
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def test_weekly_digest_has_every_section_with_the_periods_changes(digest_data):
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    assert digest.incident_count == 2 and digest.change_count == 3
    data = digest.briefing.file.read()
    text = " ".join(pdf_text(data).split())
    assert "Weekly AI incident digest" in text and "9 November 2026 to 15 November 2026" in text
    assert "Model blackmailed an executive in a simulation" in text
    assert "Agent mined cryptocurrency during training" in text
    assert "Old incident nobody touched" not in text
    assert "Unverified Supported Primary source found." in text
    assert "Consistent misalignment-harness Re-run gave 90%." in text
    assert "79% 96%" in text  # previous and new value of the metric
    assert "Agentic Misalignment report" in text and "Let It Flow paper" in text


def test_digest_contents_have_page_numbers_and_bookmarks(digest_data):
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    data = digest.briefing.file.read()
    reader = open_pdf(data)
    first, contents = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "Weekly AI incident digest" in first
    assert "Contents" in contents
    pages = len(reader.pages)
    for section in ("New incidents (1)", "Updated incidents (1)", "Metric changes (1)", "Index of sources ("):
        line = next(line for line in contents.splitlines() if section in line)
        number = int(line.rstrip(". ").split()[-1].lstrip("."))
        assert 3 <= number <= pages
    titles = outline_titles(reader)
    for section in ("New incidents", "Updated incidents", "Claims whose status changed", "New reproduction verdicts", "Metric changes", "Index of sources"):
        assert section in titles
    # Contents entries jump to their section; sources and incidents are clickable web links.
    internal = [a.get_object() for a in reader.pages[1].get("/Annots", []) if "/Dest" in a.get_object() or "/A" in a.get_object()]
    assert len(internal) >= 6
    uris = {
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]
    }
    assert any(uri.startswith("https://example.org/papers/") for uri in uris)
    assert any(uri.startswith("http://127.0.0.1:8000/incidents/AIKB-") for uri in uris)
    metadata = reader.metadata
    assert metadata.title.startswith("Weekly AI incident digest") and metadata.author == "AI Incident Knowledge Base"
    assert "digest" in metadata.get("/Keywords")


def test_digest_pages_render_to_png(digest_data):
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    path = Path(digest.briefing.file.path)
    assert save_page_png(path, "digest-cover", page=1).read_bytes().startswith(b"\x89PNG")
    assert save_page_png(path, "digest-contents", page=2).stat().st_size > 1000
    assert save_page_png(path, "digest-body", page=3).stat().st_size > 1000


@pytest.mark.parametrize(
    "make_filter, expected",
    [
        (lambda d: DigestFilter(taxonomy=d["term"]), {"new"}),
        (lambda d: DigestFilter(organisation=d["lab"]), {"new"}),
        (lambda d: DigestFilter(min_severity=Incident.Severity.SEVERE), {"new"}),
        (lambda d: DigestFilter(kind=Incident.Kind.INCIDENT), {"new", "updated"}),
    ],
)
def test_filter_selects_the_incidents_of_the_digest(digest_data, make_filter, expected):
    digest_filter = make_filter(digest_data)
    digest = build_digest(Cadence.WEEKLY, START, END, digest_filter)
    text = pdf_text(digest.briefing.file.read())
    for key in ("new", "updated"):
        assert (digest_data[key].title in text) == (key in expected)
    assert digest.filter_key == digest_filter.key and digest.filter_label in text.replace("\n", " ")


def test_period_without_changes_gives_no_digest(digest_data):
    assert build_digest(Cadence.WEEKLY, datetime.date(2026, 1, 5), datetime.date(2026, 1, 12), DigestFilter()) is None
    assert not Digest.objects.exists() and not Briefing.objects.exists()


def test_same_period_and_filter_reuse_one_digest_and_pdf(digest_data):
    first = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    second = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    assert first.pk == second.pk and first.briefing_id == second.briefing_id
    assert Briefing.objects.filter(kind=Briefing.Kind.DIGEST).count() == 1


@pytest.mark.parametrize(
    "cadence, moment, expected",
    [
        (Cadence.DAILY, datetime.datetime(2026, 11, 23, 6, tzinfo=datetime.timezone.utc), (datetime.date(2026, 11, 22), datetime.date(2026, 11, 23))),
        (Cadence.WEEKLY, datetime.datetime(2026, 11, 18, 6, tzinfo=datetime.timezone.utc), (START, END)),
        (Cadence.MONTHLY, datetime.datetime(2026, 1, 1, 6, tzinfo=datetime.timezone.utc), (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1))),
    ],
)
def test_previous_period_is_the_last_complete_one(cadence, moment, expected):
    assert previous_period(cadence, moment) == expected


def test_digest_archive_lists_past_digests_with_their_pdf(client, digest_data, django_assert_max_num_queries):
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    with django_assert_max_num_queries(8):
        page = client.get("/digests/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "9 Nov 2026 – 15 Nov 2026" in html
    assert f'href="/briefings/{digest.briefing_id}.pdf"' in html
    download = client.get(f"/briefings/{digest.briefing_id}.pdf")
    assert b"".join(download.streaming_content) == digest.briefing.file.open("rb").read()


def test_build_digest_command_fills_the_archive_without_sending(digest_data):
    from io import StringIO

    from django.core import mail
    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("build_digest", "weekly", "2026-11-09", "--taxonomy", "deception", stdout=out)
    digest = Digest.objects.get()
    assert digest.filter_key == "taxonomy=deception" and digest.briefing.is_ready
    assert digest.briefing.sha256 in out.getvalue() and mail.outbox == []
    call_command("build_digest", "weekly", "2026-01-05", stdout=out)
    assert "no digest" in out.getvalue()
    with pytest.raises(CommandError, match="Monday"):
        call_command("build_digest", "weekly", "2026-11-10")
    with pytest.raises(CommandError, match="Unknown filter"):
        call_command("build_digest", "weekly", "2026-11-09", "--organisation", "nobody")
