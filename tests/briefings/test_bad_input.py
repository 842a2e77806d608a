"""Hostile or broken Markdown in an incident: the briefing renders,
sanitised, and fetches nothing."""

from briefings import pdf as pdf_module
from briefings.models import Briefing
from briefings.selectors import published_incident
from briefings.services import incident_briefing, incident_briefing_html

from .conftest import open_pdf, pdf_text


def test_scripts_handlers_javascript_links_and_remote_css_are_removed(briefed_incident, tripwire_server, monkeypatch):
    base = tripwire_server["url"]
    refused = []
    real_fetch = pdf_module.ProjectFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            return real_fetch(self, url, headers)
        except Exception:
            refused.append(url)
            raise

    monkeypatch.setattr(pdf_module.ProjectFilesFetcher, "fetch", recording_fetch)
    briefed_incident.summary = (
        "Visible summary text.\n\n"
        "<script>document.write('SCRIPTRAN')</script>\n\n"
        f'<img src="{base}/tracker.png" onerror="alert(1)">\n\n'
        "[a harmless-looking link](javascript:alert('JSLINK'))\n\n"
        f"<style>@import url({base}/remote.css); body {{ color: red }}</style>\n\n"
        f'<link rel="stylesheet" href="{base}/linked.css">\n\n'
        f'<p style="background: url({base}/bg.png)" onclick="steal()">Inline styled paragraph.</p>\n\n'
        "![image](file:///etc/passwd)"
    )
    briefed_incident.save()
    incident = published_incident(briefed_incident.public_id)
    html = incident_briefing_html(incident)
    for forbidden in ("<script", "onerror", "onclick", "javascript:", "@import", "<style", "<link", "file:///etc/passwd", base):
        assert forbidden not in html.split("<body>", 1)[1], forbidden

    briefing = incident_briefing(incident)
    assert briefing.status == Briefing.Status.READY, briefing.error
    text = pdf_text(briefing.file.read())
    assert "Visible summary text." in text and "Inline styled paragraph." in text
    assert "a harmless-looking link" in text
    assert "SCRIPTRAN" not in text and "JSLINK" not in text
    assert tripwire_server["hits"] == []
    assert refused == []  # nothing was even asked for: the sanitiser removed it first


def test_huge_table_renders_inside_the_page(briefed_incident):
    header = "| " + " | ".join(f"Column {c}" for c in range(8)) + " |\n|" + "---|" * 8 + "\n"
    rows = "".join("| " + " | ".join(f"r{r}c{c}" for c in range(8)) + " |\n" for r in range(60))
    briefed_incident.body = f"Before the table.\n\n{header}{rows}\nAfter the table."
    briefed_incident.save()
    briefing = incident_briefing(published_incident(briefed_incident.public_id))
    assert briefing.status == Briefing.Status.READY, briefing.error
    data = briefing.file.read()
    text = pdf_text(data)
    assert "r0c0" in text and "r59c7" in text and "After the table." in text
    reader = open_pdf(data)
    assert len({float(page.mediabox.width) for page in reader.pages}) == 1
    assert len(reader.pages) < 20


def test_ten_thousand_character_word_wraps_instead_of_running_off_the_page(briefed_incident):
    word = "Q" * 10_000
    briefed_incident.body = f"A very long word follows: {word}\n\nAfter the word."
    briefed_incident.save()
    briefing = incident_briefing(published_incident(briefed_incident.public_id))
    assert briefing.status == Briefing.Status.READY, briefing.error
    text = pdf_text(briefing.file.read())
    assert "After the word." in text
    # Every letter is on the page (wrapped over many lines), none cut off at the right edge.
    assert text.count("Q") == 10_000
    longest_line = max(len(line) for line in text.splitlines())
    assert longest_line < 200
