"""The digest's cover: its period, the headline changes (the most severe
new incidents first, then claim status changes), one chart, and nothing
that spills onto a second page; the contents follow on page 2."""

import datetime
import re
from pathlib import Path

from briefings.digests import (
    COVER_INCIDENTS,
    COVER_STATUS_CHANGES,
    DigestFilter,
    build_digest,
    digest_content,
    digest_html,
)
from briefings.models import Cadence
from incidents.models import ClaimStatusChange, Incident
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory

from .conftest import END, INSIDE, START, at, open_pdf, save_page_png
from .test_chart_labels import pdf_words


def cover_of(digest):
    reader = open_pdf(digest.briefing.file.read())
    return " ".join(reader.pages[0].extract_text().split()), reader


def new_incident(title, severity, kind="incident", **fields):
    incident = IncidentFactory(title=title, severity=severity, kind=kind, **fields)
    at(Incident, incident, created=INSIDE, updated=INSIDE)
    return incident


def test_the_cover_gives_the_period_headlines_and_a_chart_then_the_contents(digest_data):
    new_incident("Hazard: agents could reach the open internet", Incident.Severity.CRITICAL, kind="hazard")
    new_incident("Chatbot gave harmful medical advice", Incident.Severity.MODERATE)
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    cover, reader = cover_of(digest)
    assert "Weekly AI incident digest" in cover and "9 November 2026 to 15 November 2026" in cover
    assert "3 new and 1 updated incidents, 1 claim status change, 1 reproduction verdict, 1 new measurement." in cover
    # Most severe first, the hazard's severity called potential.
    order = [cover.index(title) for title in ("Hazard: agents could reach", "Model blackmailed an executive",
                                              "Chatbot gave harmful medical advice")]
    assert order == sorted(order)
    assert "Potential severity critical · Hazard" in cover and "Severity severe · Incident" in cover
    assert "Unverified → Supported · AIKB-" in cover and "“The agent opened a reverse SSH tunnel.”" in cover
    assert "New incidents in the period by severity" in cover
    assert "Old incident nobody touched" not in cover
    # The chart: a bar per severity, counts of the period's new incidents.
    words = [w["text"] for w in pdf_words(Path(digest.briefing.file.path))[0]]
    for label in ("Critical", "Severe", "Significant", "Moderate", "Low"):
        assert label in words
    assert "Contents" in reader.pages[1].extract_text()
    save_page_png(Path(digest.briefing.file.path), "digest-cover-headlines", page=1)


def test_a_long_period_keeps_its_cover_on_one_page(digest_data):
    long_title = "Agents copied their own weights to an outside server " * 5
    for n in range(COVER_INCIDENTS + 3):
        incident = new_incident(f"{n} {long_title}"[:300], Incident.Severity.CRITICAL)
        claim = ClaimFactory(incident=incident, statement="A very long statement of what happened. " * 12)
        EvidenceFactory(incident=incident, claim=claim)
        change = ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="contested")
        at(ClaimStatusChange, change, changed_at=INSIDE)
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    cover, reader = cover_of(digest)
    assert "And 4 more, under New incidents." in cover  # 9 new: 5 on the cover
    assert f"And {COVER_INCIDENTS + 4 - COVER_STATUS_CHANGES} more, under Claims whose status changed." in cover
    assert "Contents" not in cover and "Contents" in reader.pages[1].extract_text()
    assert "Old incident nobody touched" not in cover


def test_status_changes_of_the_most_severe_incidents_come_first(digest_data):
    mild = new_incident("A mild incident", Incident.Severity.LOW)
    grave = new_incident("A grave incident", Incident.Severity.CRITICAL)
    for incident, statement in ((mild, "Mild claim."), (grave, "Grave claim.")):
        change = ClaimStatusChange.objects.create(claim=ClaimFactory(incident=incident, statement=statement),
                                                  from_status="unverified", to_status="refuted")
        at(ClaimStatusChange, change, changed_at=INSIDE + datetime.timedelta(hours=1 if incident == grave else 0))
    cover, _ = cover_of(build_digest(Cadence.WEEKLY, START, END, DigestFilter()))
    assert cover.index("Grave claim.") < cover.index("Mild claim.")


def test_drafts_are_never_on_the_cover(digest_data):
    new_incident("Quokkadraft incident", Incident.Severity.CRITICAL, is_published=False)
    cover, _ = cover_of(build_digest(Cadence.WEEKLY, START, END, DigestFilter()))
    assert "Quokkadraft" not in cover
    assert "Model blackmailed an executive" in cover


def test_without_new_incidents_the_cover_says_so_and_charts_the_updated_ones(digest_data):
    Incident.objects.filter(pk=digest_data["new"].pk).update(created=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    cover, _ = cover_of(build_digest(Cadence.WEEKLY, START, END, DigestFilter()))
    assert "No new incident in this period." in cover
    assert "Updated incidents in the period by severity" in cover


def test_the_cover_is_the_same_each_time_it_is_built(digest_data):
    start = datetime.datetime.combine(START, datetime.time.min, tzinfo=datetime.timezone.utc)
    end = datetime.datetime.combine(END, datetime.time.min, tzinfo=datetime.timezone.utc)
    first = digest_html(Cadence.WEEKLY, START, END, DigestFilter(), digest_content(start, end, DigestFilter()))
    second = digest_html(Cadence.WEEKLY, START, END, DigestFilter(), digest_content(start, end, DigestFilter()))
    assert first == second and "<svg" in first.split('class="toc')[0]
    assert build_digest(Cadence.WEEKLY, START, END, DigestFilter()).briefing_id == \
        build_digest(Cadence.WEEKLY, START, END, DigestFilter()).briefing_id


def test_each_and_more_line_names_and_links_a_section_of_the_digest(digest_data):
    for n in range(COVER_INCIDENTS + 1):
        incident = new_incident(f"Incident {n}", Incident.Severity.SIGNIFICANT)
        change = ClaimStatusChange.objects.create(claim=ClaimFactory(incident=incident), from_status="unverified",
                                                  to_status="supported")
        at(ClaimStatusChange, change, changed_at=INSIDE)
    start, end = (datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.timezone.utc) for day in (START, END))
    html = digest_html(Cadence.WEEKLY, START, END, DigestFilter(), digest_content(start, end, DigestFilter()))
    cover = html.split('class="toc')[0]
    more = re.findall(r'<p class="cover-more">And \d+ more, under <a href="#([\w-]+)">([^<]+)</a>\.</p>', cover)
    assert [text for _, text in more] == ["New incidents", "Claims whose status changed"]
    for anchor, text in more:
        assert f'<h2 id="{anchor}">{text}</h2>' in html
