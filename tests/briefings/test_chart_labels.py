"""Charts in the PDF briefings (briefings.charts): one panel per chart, and
labels printed in full at any length, on lines inside the chart, so that
two figures of one system (the blackmail study's two Llama 4 Maverick
bars) can always be told apart.

The rendered PDF is read with poppler's pdftotext, which reports every
word with its box: text drawn past the chart's edge (and so clipped by it)
still has its box there, so a box outside the chart is a clipped label.
(pypdf does not read the text of the charts' SVG drawings.)
"""

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from briefings import selectors
from briefings.charts import WIDTH, bar_chart_svg
from briefings.models import Briefing
from briefings.selectors import metric_panels, published_incident
from briefings.services import incident_briefing
from incidents import charts as web_charts
from incidents.charts import charts_by_metric, text_width
from tests.factories import AISystemFactory, EvidenceFactory, IncidentFactory, MeasurementFactory, MetricFactory

from .conftest import save_page_png

LONG_NAME = (
    "Llama 4 Maverick 17B 128E Instruct FP8 through a third-party provider, prompt edited by the red team "
    "Supercalifragilisticexpialidociousmodelidentifierwithoutanyspacesinitsname"
)
FIGURE_7 = "16-model panel (Figure 7)"
APPENDIX = "16-model panel, prompt with a small addition (Appendix 10)"
MM = 72 / 25.4
CHART_LEFT = 18 * MM  # the page's left margin (briefing.css)
CHART_RIGHT = CHART_LEFT + 120 * MM  # .chart-box: 120 mm wide


def squeezed(text: str) -> str:
    return "".join(text.split())


def texts_of(svg: str) -> list[tuple[float, str, float]]:
    """(x, text, font size) of every <text> of a chart."""
    return [
        (float(x), html.unescape(text), float(size))
        for x, size, text in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="([\d.]+)"[^>]*>(.*?)</text>', svg)
    ]


@pytest.mark.parametrize("label", ["GPT-4.1", LONG_NAME, "W" * 150, f"Llama 4 Maverick ({APPENDIX})"])
def test_every_label_line_fits_inside_the_chart(label):
    svg = bar_chart_svg([{"label": label, "value": 96.0, "lower": 90.2, "upper": 98.4}], "percent", "Blackmail rate")
    texts = texts_of(svg)
    labels = [text for x, text, size in texts if size == 11 and not text.endswith("%")]
    assert squeezed("".join(labels)) == squeezed(label)  # in full, never cut short
    assert "\u2026" not in svg
    for x, text, size in texts:
        right_aligned = text == "100%"  # the last tick ends at the axis's end
        assert right_aligned or x + text_width(text, size) <= WIDTH, text
    # The interval: a line between the bounds with a cap at each end.
    assert re.search(r'<path class="error-bar" d="M[\d.]+ [\d.]+V[\d.]+M[\d.]+ [\d.]+H[\d.]+M[\d.]+ [\d.]+V[\d.]+"', svg)


def pdf_words(path: Path) -> list[list[dict]]:
    """Per page, every word with its box (points from the top left)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append([
            {"x0": float(x0), "y0": float(y0), "x1": float(x1), "y1": float(y1), "text": html.unescape(text)}
            for x0, y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page)
        ])
    return pages


def charts_in(pages) -> dict[str, list[dict]]:
    """The words drawn in each chart, by the chart's heading: those between
    a "Blackmail rate — ..." heading and the table under it."""
    charts = {}
    for words in pages:
        lines = {}
        for word in words:
            lines.setdefault(round(word["y0"], 1), []).append(word)
        ordered = sorted(lines.items())
        for index, (y, line) in enumerate(ordered):
            heading = " ".join(word["text"] for word in line)
            if not heading.startswith("Blackmail rate \u2014"):
                continue
            below = []
            for _, other in ordered[index + 1:]:
                if other[0]["text"] == "Subject":
                    break
                below += other
            charts[heading] = below
    return charts


@pytest.fixture
def blackmail_study(db):
    """The agentic-misalignment study's figures: one system in two panels
    (as Llama 4 Maverick is, at 0% and at 12% with a changed prompt), and
    a very long system name."""
    metric = MetricFactory(name="Blackmail rate")
    incident = IncidentFactory(title="Models chose blackmail in a simulated company")
    llama = AISystemFactory(name="Llama 4 Maverick")
    rows = [(AISystemFactory(name="Claude Opus 4"), 96.0, FIGURE_7, 100), (llama, 0.0, FIGURE_7, 100),
            (AISystemFactory(name=LONG_NAME), 41.0, FIGURE_7, 100), (llama, 12.0, APPENDIX, None)]
    for system, value, panel, n in rows:
        MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), system=system, value=value,
                           label=panel, sample_size=n)
    return incident


def test_each_panel_is_its_own_chart_with_every_label_whole_and_inside_it(blackmail_study):
    briefing = incident_briefing(published_incident(blackmail_study.public_id))
    assert briefing.status == Briefing.Status.READY, briefing.error
    path = Path(briefing.file.path)
    charts = charts_in(pdf_words(path))
    assert set(charts) == {f"Blackmail rate \u2014 {FIGURE_7}", f"Blackmail rate \u2014 {APPENDIX}"}
    figure_7 = " ".join(word["text"] for word in charts[f"Blackmail rate \u2014 {FIGURE_7}"])
    appendix = " ".join(word["text"] for word in charts[f"Blackmail rate \u2014 {APPENDIX}"])
    assert squeezed(LONG_NAME) in squeezed(figure_7)  # in full
    assert figure_7.count("Llama 4 Maverick") == 2  # the long name's, and the 0% bar's
    assert appendix.count("Llama 4 Maverick") == 1 and "12%" in appendix and "0%" in figure_7
    for words in charts.values():
        assert words
        for word in words:
            assert CHART_LEFT - 0.5 <= word["x0"] and word["x1"] <= CHART_RIGHT + 0.5, word
    assert "\u2026" not in figure_7 + appendix
    page = next(i for i, words in enumerate(pdf_words(path), start=1) if any(w["text"] == "Maverick" for w in words))
    assert save_page_png(path, "briefing-chart-labels", page=page).stat().st_size > 1000


def test_the_curated_blackmail_briefing_tells_the_two_llama_bars_apart(db):
    from incidents.curated import load_curated
    from incidents.models import Incident

    load_curated(verbosity=0)
    incident = Incident.objects.get(title__icontains="blackmail")
    briefing = incident_briefing(published_incident(incident.public_id))
    charts = charts_in(pdf_words(Path(briefing.file.path)))
    llama = {heading: " ".join(w["text"] for w in words).count("Llama 4 Maverick") for heading, words in charts.items()}
    assert llama == {
        "Blackmail rate \u2014 5-model panel (Figure 1), the only figure giving Gemini 2.5 Pro": 0,
        f"Blackmail rate \u2014 {FIGURE_7}": 1,
        "Blackmail rate \u2014 16-model panel, prompt with a small addition (Appendix 10)": 1,
    }
    for words in charts.values():
        for word in words:
            assert CHART_LEFT - 0.5 <= word["x0"] and word["x1"] <= CHART_RIGHT + 0.5, word


def test_the_pdf_picks_its_panels_as_the_web_charts_do(db, monkeypatch):
    incident = IncidentFactory()
    blackmail, refusal = MetricFactory(name="Blackmail rate"), MetricFactory(name="Refusal rate")
    claude = AISystemFactory(name="Claude Opus 4")
    measurements = [
        MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), system=claude, label=panel,
                           value=value)
        for metric, panel, value in [(blackmail, FIGURE_7, 96.0), (refusal, "", 10.0), (blackmail, APPENDIX, 12.0),
                                     (blackmail, FIGURE_7, 80.0)]
    ]
    web = [(metric.name, chart.panel, [bar.label for bar in chart.bars])
           for metric, chart_set, _ in charts_by_metric(measurements) for chart in chart_set.panels]
    pdf = [(panel["metric"].name, panel["panel"], [row["chart_label"] for row in panel["rows"]])
           for panel in metric_panels(measurements)]
    assert pdf == web
    assert [panel for _, panel, _ in pdf] == [FIGURE_7, APPENDIX, ""]
    # The same rule, not a copy of it: the PDF groups with incidents.charts.panels_of.
    grouped = []
    monkeypatch.setattr(selectors, "panels_of", lambda items: grouped.append(len(items)) or web_charts.panels_of(items))
    metric_panels(measurements)
    assert grouped == [3, 1]
