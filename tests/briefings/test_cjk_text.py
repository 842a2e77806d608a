"""Chinese, Japanese and Korean text in the PDFs prints as characters, not
empty boxes: the stylesheet names a CJK font (Noto Sans CJK, installed by
scripts/services.sh's ensure_debian_tools) and WeasyPrint embeds it."""

import shutil
import subprocess

import pytest

from briefings.digests import DigestFilter, build_digest
from briefings.models import Briefing, Cadence
from briefings.selectors import published_incident
from briefings.services import incident_briefing
from tests.factories import EvidenceFactory, SourceFactory

from .conftest import END, START, pdf_text

CJK_TITLE = "中文网：智能体挖矿事件报告"


def embedded_fonts(pdf_path) -> list[str]:
    """The fonts embedded in a PDF, as pdffonts (poppler-utils) names them."""
    if shutil.which("pdffonts") is None:
        pytest.fail("pdffonts is missing: install poppler-utils (scripts/services.sh ensure_debian_tools)")
    listing = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True, timeout=60).stdout
    return [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]


def test_a_chinese_source_title_prints_in_an_embedded_cjk_font(briefed_incident, tmp_path):
    claim = briefed_incident.claims.first()
    EvidenceFactory(incident=briefed_incident, claim=claim, source=SourceFactory(title=CJK_TITLE), quote="智能体建立了反向隧道")
    briefing = incident_briefing(published_incident(briefed_incident.public_id))
    assert briefing.status == Briefing.Status.READY, briefing.error
    data = briefing.file.read()
    text = "".join(pdf_text(data).split())
    assert CJK_TITLE in text and "智能体建立了反向隧道" in text
    path = tmp_path / "briefing.pdf"
    path.write_bytes(data)
    fonts = embedded_fonts(path)
    assert any("CJK" in font for font in fonts), fonts


def test_a_digest_lists_a_chinese_source_title_in_a_cjk_font(digest_data, tmp_path):
    new = digest_data["new"]
    EvidenceFactory(incident=new, claim=new.claims.first(), source=SourceFactory(title=CJK_TITLE))
    digest = build_digest(Cadence.WEEKLY, START, END, DigestFilter())
    data = digest.briefing.file.read()
    assert CJK_TITLE in "".join(pdf_text(data).split())
    path = tmp_path / "digest.pdf"
    path.write_bytes(data)
    assert any("CJK" in font for font in embedded_fonts(path))


def test_the_pdf_and_site_font_stacks_name_the_cjk_font():
    from django.conf import settings

    for path in ("static/briefings/briefing.css", "static/css/site.css"):
        css = (settings.BASE_DIR / path).read_text()
        stack = next(line for line in css.splitlines() if line.startswith(("html {", "body {")) and "font-family" in line)
        assert '"Noto Sans CJK SC"' in stack and stack.index('"Noto Sans CJK SC"') < stack.index("sans-serif"), path
