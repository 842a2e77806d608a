import hashlib
import re
from pathlib import Path

from briefings.models import Briefing
from briefings.selectors import published_incident
from briefings.services import incident_briefing

from tests.factories import EvidenceFactory, SourceFactory

from .conftest import open_pdf, pdf_text, save_page_png


def render(incident):
    return incident_briefing(published_incident(incident.public_id))


def test_briefing_contains_facts_claims_and_evidence_footnotes(briefed_incident):
    briefing = render(briefed_incident)
    assert briefing.status == Briefing.Status.READY, briefing.error
    text = pdf_text(briefing.file.read())
    assert briefed_incident.public_id in text
    assert "Agent opened a reverse SSH tunnel during training" in text
    assert "reverse SSH tunnel and mined cryptocurrency" in text  # the summary
    assert "Severity Significant (3 of 5)" in text  # key facts table
    assert "Alibaba (developer)" in text
    # How sure we are, and who says so (the briefing's evidence is the developer's primary report).
    assert re.search(r"\[Supported: the party's own account only\]\s+The agent established a reverse SSH tunnel\.", text)
    assert "Basis: The party's own account only (1 source)." in text
    # Evidence footnotes: source, quote, locator, URL and the archived copy's SHA-256.
    assert "Flow: agentic crafting, arXiv (2025), section 3.1" in text
    assert "“we observed the unauthorized repurposing of provisioned GPU capacity”" in text
    assert "https://arxiv.org/abs/2512.24873" in text
    archived = hashlib.sha256(b"an archived copy of the paper").hexdigest()
    assert f"SHA-256 {archived}" in " ".join(text.split())
    assert "2. Incident log excerpt" in text
    # Metric chart data beside the chart, verdicts, related incidents.
    assert "Blackmail rate" in text and "96%" in text and "90%–99%" in text
    assert "Consistent" in text and "agentic-misalignment" in text
    assert "Re-run gave 94% on the same prompts." in " ".join(text.split())
    assert "Follow-up study: AIKB-2025-0002: Self-replication study follow-up" in text


def test_briefing_has_running_header_footer_with_pages_permalink_and_time(briefed_incident):
    briefing = render(briefed_incident)
    reader = open_pdf(briefing.file.read())
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert f"http://127.0.0.1:8000/incidents/{briefed_incident.public_id}/ · generated " in text
        assert "UTC" in text and "@@AIKB" not in text


def test_stored_file_records_its_sha256_size_and_page_count(briefed_incident):
    briefing = render(briefed_incident)
    data = briefing.file.read()
    assert briefing.sha256 == hashlib.sha256(data).hexdigest()
    assert briefing.size_bytes == len(data)
    assert 1 <= briefing.page_count <= 4
    assert briefing.page_count == len(open_pdf(data).pages)
    assert data.startswith(b"%PDF-")


def test_briefing_metadata_is_set(briefed_incident):
    reader = open_pdf(render(briefed_incident).file.read())
    meta = reader.metadata
    assert meta.title == f"{briefed_incident.public_id}: Agent opened a reverse SSH tunnel during training"
    assert meta.author == "AI Incident Knowledge Base"
    assert meta.subject.startswith(f"Briefing on incident {briefed_incident.public_id}")
    keywords = meta.get("/Keywords")
    assert "Resource acquisition" in keywords and "Alibaba" in keywords


def test_briefing_is_tagged_pdf_ua_with_embedded_fonts(briefed_incident):
    data = render(briefed_incident).file.read()
    reader = open_pdf(data)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    # The PDF/UA identification sits in the (compressed) XMP metadata stream.
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid" in xmp and b'pdfuaid:part="1"' in xmp
    fonts = [
        font.get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_briefing_links_are_clickable(briefed_incident):
    reader = open_pdf(render(briefed_incident).file.read())
    uris = {
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    }
    assert "https://arxiv.org/abs/2512.24873" in uris
    assert f"http://127.0.0.1:8000/incidents/{briefed_incident.public_id}/" in uris


def test_briefing_has_bookmarks_for_its_sections(briefed_incident):
    reader = open_pdf(render(briefed_incident).file.read())
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert "Agent opened a reverse SSH tunnel during training" in titles
    for section in ("Summary", "Key facts", "Claims and evidence", "Metrics", "Reproductions", "Related incidents"):
        assert section in titles


def test_briefing_first_page_renders_to_png(briefed_incident):
    briefing = render(briefed_incident)
    png = save_page_png(Path(briefing.file.path), "incident-briefing-page1")
    assert png.read_bytes().startswith(b"\x89PNG")
    png2 = save_page_png(Path(briefing.file.path), "incident-briefing-page2", page=2)
    assert png2.stat().st_size > 1000


def test_many_footnotes_keep_the_body_on_the_pages(briefed_incident):
    """Regression: WeasyPrint's footnote area once pushed the body off every
    page, leaving only the running header and footer. With a dozen sources
    the body text and every numbered footnote must still be there."""
    claim = briefed_incident.claims.get(position=1)
    for number in range(12):
        EvidenceFactory(
            incident=briefed_incident,
            claim=claim,
            source=SourceFactory(title=f"Extra source number {number}"),
            quote="a quote that is long enough to take two lines in the footnote area of an A4 page " * 2,
            locator=str(number),
        )
    briefing = render(briefed_incident)
    assert briefing.status == Briefing.Status.READY, briefing.error
    data = briefing.file.read()
    reader = open_pdf(data)
    assert 1 <= len(reader.pages) <= 4
    text = pdf_text(data)
    assert "Claims and evidence" in text and "Related incidents" in text
    flat = " ".join(text.split())
    for number in range(12):
        assert f"Extra source number {number}," in flat
    for page in reader.pages:
        body = page.extract_text().replace(briefed_incident.public_id, "")
        assert len(body) > 300  # more than the running header and footer
