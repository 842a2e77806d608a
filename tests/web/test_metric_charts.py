"""The metric charts of the web pages (incidents.charts, _chart.html): one
panel per chart, labels wrapped and shown in full at any length, and each
figure's 95% interval drawn as an error bar."""

import datetime
import html
import re
from pathlib import Path

import pytest

from incidents.charts import LEFT, WIDTH, panel_charts, text_width, wrap_text
from incidents.figures import interval_of
from incidents.models import Measurement
from tests.factories import (
    AISystemFactory,
    EvidenceFactory,
    IncidentFactory,
    MeasurementFactory,
    MetricFactory,
)

LONG_NAME = (  # 175 characters, one word of 74 wider than a line
    "Llama 4 Maverick 17B 128E Instruct FP8 through a third-party provider, prompt edited by the red team "
    "Supercalifragilisticexpialidociousmodelidentifierwithoutanyspacesinitsname"
)
LONG_PANEL = "16-model panel, prompt with a small addition that makes the scenario explicit (Appendix 10, Figure 12)"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def svgs(page):
    return re.findall(r'<svg class="chart__svg".*?</svg>', page, re.S)


def label_lines(svg):
    """Each bar's label as drawn: the text of its chart__label lines, in order, per row."""
    rows = re.findall(r'<g class="chart__row">(.*?)</g>\s*(?=<g class="chart__row">|<line class="chart__axis")', svg, re.S)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", text)) for text in re.findall(r'<text class="chart__label"[^>]*>(.*?)</text>', row, re.S)]
        for row in rows
    ]


@pytest.mark.parametrize("text", [LONG_NAME, "GPT-4.1", "W" * 120, "a b", LONG_PANEL + " " + LONG_NAME])
@pytest.mark.parametrize("width", [200, 392])
def test_wrapped_lines_fit_and_keep_every_character(text, width):
    lines = wrap_text(text, 12, width, tail=" \u00b7 own account only")
    assert all(text_width(line, 12) <= width for line in lines)
    assert text_width(lines[-1] + " \u00b7 own account only", 12) <= width
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert "\u2026" not in "".join(lines)


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_the_width_estimate_is_never_less_than_the_fonts(font):
    """Lines are measured with text_width: it must not fall short of the
    fonts the PDFs use (and the pages fall back to), or a line could run
    past the chart's edge."""
    ttLib = pytest.importorskip("fontTools.ttLib")
    if not (DEJAVU / font).exists():
        pytest.skip("DejaVu fonts are not installed")
    face = ttLib.TTFont(DEJAVU / font)
    cmap, metrics, em = face.getBestCmap(), face["hmtx"], face["head"].unitsPerEm
    for text in [LONG_NAME, LONG_PANEL, "WWWWMMMM@@@%%%", "Gemini 2.5 Pro \u00b7 \u2013\u201c\u201d", "ÄÖÜ éè ß"]:
        actual = sum(metrics[cmap[ord(char)]][0] for char in text) / em * 12
        assert text_width(text, 12) >= actual, text


@pytest.fixture
def long_label_incident(db):
    """An incident whose figures are of one system under two conditions
    (panels), the system's name and one panel's name very long."""
    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    incident = IncidentFactory()
    long_system = AISystemFactory(name=LONG_NAME, slug="long-model")
    short = AISystemFactory(name="Claude Opus 4", slug="claude-opus-4")
    for system, value, panel in [(long_system, 0.0, "16-model panel (Figure 7)"), (short, 96.0, "16-model panel (Figure 7)"),
                                 (long_system, 12.0, LONG_PANEL)]:
        MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), system=system, value=value,
                           label=panel, sample_size=None if panel == LONG_PANEL else 100)
    return incident


def test_every_label_is_drawn_in_full_on_lines_that_fit(client, long_label_incident):
    page = client.get(long_label_incident.get_absolute_url()).content.decode()
    charts = svgs(page)
    assert len(charts) == 2
    assert "\u2026" not in "".join(charts)
    drawn = [" ".join(lines) for chart in charts for lines in label_lines(chart)]
    assert any("".join(label.split()) == "".join(LONG_NAME.split()) for label in drawn)
    for chart in charts:
        for lines in label_lines(chart):
            for line in lines:
                assert text_width(line.removesuffix(" \u00b7 own account only"), 12) <= WIDTH - 2 * LEFT
        # Every text starts inside the chart; bars, values and labels never pass its right edge.
        for x in re.findall(r'<text[^>]* x="([\d.]+)"', chart):
            assert 0 <= float(x) <= WIDTH
    assert max(len(lines) for chart in charts for lines in label_lines(chart)) >= 3  # the long name wrapped


def test_each_panel_gets_its_own_chart_named_in_the_title(client, long_label_incident):
    page = client.get(long_label_incident.get_absolute_url()).content.decode()
    charts = svgs(page)
    titles = [html.unescape(re.search(r"<title[^>]*>(.*?)</title>", chart, re.S).group(1)) for chart in charts]
    assert titles == ["Blackmail rate by AI system \u2014 16-model panel (Figure 7)",
                      f"Blackmail rate by AI system \u2014 {LONG_PANEL}"]
    for chart in charts:
        labels = [" ".join(lines) for lines in label_lines(chart)]
        assert len(labels) == len(set(labels))  # no system twice in one chart
    assert len(label_lines(charts[0])) == 2 and len(label_lines(charts[1])) == 1
    # Element ids stay unique with two charts of one metric.
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_home_page_draws_one_panel_of_each_key_metric(client, long_label_incident):
    page = client.get("/").content.decode()
    section = page.split('id="metrics-heading"')[1].split("</section>")[0]
    charts = svgs(section)
    assert len(charts) == 1
    assert "16-model panel (Figure 7)" in charts[0] and "Appendix 10" not in charts[0]
    assert "1 more panel of figures measured under other conditions is listed below" in section


def test_the_metric_page_draws_one_chart_per_panel(client, long_label_incident):
    page = client.get("/metrics/blackmail-rate/").content.decode()
    assert len(svgs(page)) == 2


def test_a_figure_with_bounds_or_a_sample_size_has_an_error_bar(db):
    metric = MetricFactory(unit="percent")
    incident = IncidentFactory()
    given = MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), value=80.0, lower=70.0,
                               upper=90.0, sample_size=None)
    wilson = MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), value=50.0, sample_size=10)
    bare = MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), value=30.0, sample_size=None)
    chart = panel_charts(metric, [given, wilson, bare]).panels[0]
    plot = chart.plot_right - chart.plot_left
    by_measurement = {bar.measurement.pk: bar for bar in chart.bars}
    bar = by_measurement[given.pk]
    assert (bar.err_x1, bar.err_x2) == pytest.approx((LEFT + plot * 0.7, LEFT + plot * 0.9))
    interval = interval_of(wilson)
    bar = by_measurement[wilson.pk]
    assert (bar.err_x1, bar.err_x2) == pytest.approx((LEFT + plot * interval.lower / 100, LEFT + plot * interval.upper / 100))
    assert by_measurement[bare.pk].err_x1 is None
    assert chart.has_intervals


def test_error_bars_are_drawn_with_end_caps_and_the_caption_says_what_they_show(client, db):
    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    incident = IncidentFactory()
    MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), value=80.0, lower=70.0, upper=90.0)
    other = IncidentFactory()
    MeasurementFactory(metric=MetricFactory(name="Circuit area", slug="circuit-area"),
                       evidence=EvidenceFactory(incident=other), value=25.0, sample_size=None)
    page = client.get(incident.get_absolute_url()).content.decode()
    paths = re.findall(r'<path class="chart__error" d="([^"]+)"', page)
    assert len(paths) == 1
    # A horizontal line from the lower to the upper bound, and a cap at each end.
    assert re.fullmatch(r"M([\d.]+) [\d.]+V[\d.]+M\1 [\d.]+H([\d.]+)M\2 [\d.]+V[\d.]+", paths[0])
    assert "Error bars show each figure's 95% interval" in page
    page = client.get(other.get_absolute_url()).content.decode()
    assert "chart__error" not in page
    assert "No figure here has stated bounds or a sample size, so none has an interval." in page


def test_the_same_system_twice_in_one_panel_is_told_apart_by_date(db):
    metric = MetricFactory()
    incident = IncidentFactory()
    system = AISystemFactory(name="GPT-4.1")
    first = MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), system=system,
                               as_of=datetime.date(2025, 6, 20))
    later = MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), system=system,
                               as_of=datetime.date(2025, 9, 1))
    labels = [bar.label for bar in panel_charts(metric, [first, later]).panels[0].bars]
    assert labels == ["GPT-4.1, 20 June 2025", "GPT-4.1, 1 September 2025"]
    assert Measurement.objects.count() == 2


def test_a_figure_dated_to_the_year_or_month_is_labelled_no_more_precisely(db):
    # A figure known only to the year is stored as 1 January; its label must not claim the day.
    metric = MetricFactory()
    incident = IncidentFactory()
    system = AISystemFactory(name="GPT-4.1")
    figures = [
        MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), system=system,
                           as_of=as_of, as_of_precision=precision)
        for as_of, precision in [(datetime.date(2024, 1, 1), "year"), (datetime.date(2025, 9, 1), "month"),
                                 (datetime.date(2026, 3, 5), "day")]
    ]
    labels = [bar.label for bar in panel_charts(metric, figures).panels[0].bars]
    assert labels == ["GPT-4.1, 2024", "GPT-4.1, September 2025", "GPT-4.1, 5 March 2026"]
