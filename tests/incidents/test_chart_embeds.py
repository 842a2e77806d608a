"""Each overview chart on its own (incidents.insights, incidents.chart_files):
a permalink page with its embed code, an embed page that other sites may
frame while every other page refuses to be framed (on a fresh render and
from the shared response cache alike), and the chart as SVG and PNG files
drawn from the same SVG as the page."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from incidents import chart_files, overview
from incidents.visibility import public_incidents
from tests.factories import IncidentOrganisationFactory, OrganisationFactory
from tests.web.test_browser import ARTIFACTS
from tests.web.test_insights import CHARTS, build_world

SVG = "{http://www.w3.org/2000/svg}"
SITE = "https://aikb.example.org"


@pytest.fixture
def world(db, settings):
    settings.SITE_URL = SITE
    return build_world()


def directives(policy):
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def twice(client, url):
    """The response to a first read (rendered: MISS) and to a second (from the shared cache: HIT)."""
    first, second = client.get(url), client.get(url)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT"), url
    assert first.content == second.content
    return first, second


# Framing: the embed page, and only it.

def test_the_embed_page_may_be_framed_by_any_site_fresh_or_cached(client, world):
    assert settings.RESPONSE_CACHE_SECONDS > 0
    for response in twice(client, "/insights/by-severity/embed/"):
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
        policy = directives(response["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["*"]
        # Everything else stricter than on every other page: our stylesheet, no script, no form.
        assert policy == {"default-src": ["'none'"], "style-src": ["'self'"], "img-src": ["'self'", "data:"],
                          "base-uri": ["'none'"], "form-action": ["'none'"], "frame-ancestors": ["*"]}
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_304_for_the_embed_page_keeps_its_policy(client, world):
    """A 304 updates the headers of the reader's (or a proxy's) stored copy
    (RFC 9111 4.3.4): one carrying the site's frame-ancestors 'none' would
    make the copy refuse to be framed from then on."""
    etag = client.get("/insights/by-severity/embed/")["ETag"]
    not_modified = client.get("/insights/by-severity/embed/", headers={"if-none-match": etag})
    assert not_modified.status_code == 304
    assert "X-Frame-Options" not in not_modified
    if "Content-Security-Policy" in not_modified:
        assert directives(not_modified["Content-Security-Policy"])["frame-ancestors"] == ["*"]


@pytest.mark.parametrize("url", [
    "/insights/", "/insights/by-severity/", "/insights/over-time/", "/insights/by-severity.svg",
    "/insights/by-severity.png", "/insights/by-severity.csv", "incident",
])
def test_every_other_address_refuses_to_be_framed_fresh_or_cached(client, world, url):
    if url == "incident":
        url = public_incidents().first().get_absolute_url()
    for response in twice(client, url):
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY", url
        assert directives(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"], url


# The pages.

def test_insights_links_each_chart_to_its_page_and_files(client, world):
    page = client.get("/insights/").content.decode()
    for chart in CHARTS:
        section = page.split(f'id="{chart}"')[1].split("</section>")[0]
        for href in (f"/insights/{chart}/", *(f"/insights/{chart}.{ext}" for ext in ("csv", "svg", "png"))):
            assert f'href="{href}"' in section, (chart, href)


def test_the_permalink_page_has_the_chart_data_files_citation_and_embed_code(client, world):
    response = client.get("/insights/by-severity/")
    assert response.status_code == 200
    page = response.content.decode()
    data = overview.by_severity()
    assert f"<h1>{data.title}</h1>" in page
    assert page.count('<svg class="chart__svg"') == 1
    assert 'id="by-severity-table"' in page and "<details class=\"insight__data\" open>" in page
    for href in ("/insights/by-severity.csv", "/insights/by-severity.svg", "/insights/by-severity.png"):
        assert f'href="{href}"' in page
    assert data.citation(timezone.localdate()) in page
    code = re.search(r'<textarea id="embed-code"[^>]*readonly>(.*?)</textarea>', page, re.S).group(1)
    # Shown as text to copy: the markup escaped once, so the reader copies the real <iframe>.
    assert code.startswith("&lt;iframe src=&quot;https://aikb.example.org/insights/by-severity/embed/&quot;")
    assert "title=&quot;Incidents by severity and kind (AI Incident Knowledge Base)&quot;" in code
    height = int(re.search(r"height=&quot;(\d+)&quot;", code).group(1))
    assert height > data.chart().height * 1.5  # the chart at 600 px wide, with its title and cite line
    assert not re.search(r"<script\b(?![^>]*\bsrc=)", page) and not re.search(r"\sstyle=|<style\b", page)


def test_the_embed_page_is_the_chart_alone_with_a_line_to_cite_it(client, world):
    page = client.get("/insights/over-time/embed/").content.decode()
    data = overview.over_time()
    assert "<script" not in page and "<form" not in page and "site-nav" not in page
    assert not re.search(r"\sstyle=|<style\b", page)
    assert re.search(r'<link rel="stylesheet" href="/static/css/embed\.css">', page)
    assert page.count('<svg class="chart__svg"') == 1
    assert f'<title id="chart-over-time-title">{data.title}</title>' in page
    assert '<a href="https://aikb.example.org/insights/over-time/" target="_blank" rel="noopener">' in page
    assert f"Cite as: {data.citation(timezone.localdate())}" in page
    assert "1 incident with no known date is not shown." in page  # the chart's notes go with it
    assert '<link rel="canonical" href="https://aikb.example.org/insights/over-time/">' in page


def test_the_embed_stylesheet_is_a_static_file_of_ours():
    assert (Path(settings.BASE_DIR) / "static" / "css" / "embed.css").is_file()


@pytest.mark.parametrize("url", [
    "/insights/no-such-chart/", "/insights/no-such-chart/embed/", "/insights/no-such-chart.svg",
    "/insights/no-such-chart.png", "/insights/CHARTS/", "/insights/over-time/embed/extra/",
])
def test_an_unknown_chart_is_not_found(client, db, url):
    assert client.get(url).status_code == 404


def test_an_empty_knowledge_base_still_has_each_charts_page_and_files(client, db):
    for chart in CHARTS:
        for address in ("/", "/embed/", ".svg", ".png"):
            url = f"/insights/{chart}{address}"
            assert client.get(url).status_code == 200, url
    assert "Nothing is published to count yet." in client.get("/insights/by-domain/embed/").content.decode()


def test_the_csv_is_unchanged(client, world):
    response = client.get("/insights/by-severity.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aikb-insights-by-severity.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Severity", "Incident", "Research finding", "Hazard", "Incidents"]
    assert rows == [[str(cell) for cell in row] for row in overview.by_severity().csv_rows()]


# The files.

def parse_svg(response) -> ET.Element:
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    return ET.fromstring(response.content)


@pytest.mark.parametrize("chart", CHARTS)
def test_the_svg_is_a_standalone_document_of_the_chart(client, world, chart):
    response = client.get(f"/insights/{chart}.svg")
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="aikb-insights-{chart}.svg"'
    root = parse_svg(response)
    data = overview.overview(chart)
    drawn = data.chart()
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == (str(drawn.width), str(drawn.height))
    assert root.get("viewBox") == f"0 0 {drawn.width} {drawn.height}"
    assert "DejaVu Sans" in root.get("font-family")
    assert root.find(f"{SVG}title").text == data.title
    assert root.find(f"{SVG}desc").text == drawn.description
    background = root.find(f"{SVG}rect")
    assert background.get("fill") == "#ffffff" and background.get("width") == str(drawn.width)
    # One segment per non-zero count, as many as the chart's data has.
    segments = [rect for rect in root.iter(f"{SVG}rect") if "chart__segment" in (rect.get("class") or "")]
    assert len(segments) == sum(1 for count in data.counts.values() if count) > 0
    # Nothing that the CSP would block when the file is opened on its own.
    assert not any(element.get("style") for element in root.iter())
    assert not list(root.iter(f"{SVG}style")) and not list(root.iter(f"{SVG}script"))


def test_the_svg_has_every_label_and_total_of_the_bars(client, world):
    root = parse_svg(client.get("/insights/by-organisation.svg"))
    texts = {element.get("class"): [] for element in root.iter(f"{SVG}text")}
    for element in root.iter(f"{SVG}text"):
        texts[element.get("class")].append(element.text)
    rows = overview.by_organisation().rows()
    assert texts["chart__label"] == [row["label"] for row in rows]
    assert texts["chart__value"] == [f"{row['total']:,}" for row in rows]


PAINT = ("fill", "stroke", "stroke-width", "font-size", "font-weight", "text-anchor")


def css_rules(path: Path) -> list[tuple[str, dict]]:
    """(selector, declarations) of a plain stylesheet, in source order."""
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", path.read_text()):
        pairs = (declaration.split(":", 1) for declaration in body.split(";") if ":" in declaration)
        declarations = {name.strip(): value.strip() for name, value in pairs}
        rules += [(selector.strip(), declarations) for selector in selectors.split(",")]
    return rules


def test_the_file_looks_as_the_page_draws_it(client, world):
    """What site.css gives a chart element's classes (the later rule
    winning) is also on the file's element as a presentation attribute, so
    the file looks as the page does."""
    rules = css_rules(Path(settings.BASE_DIR) / "static" / "css" / "site.css")
    checked = 0
    for chart in CHARTS:
        for element in parse_svg(client.get(f"/insights/{chart}.svg")).iter():
            classes = {f".{name}" for name in (element.get("class") or "").split()}
            style = {}
            for selector, declarations in rules:
                if selector in classes:
                    style.update({prop: value for prop, value in declarations.items() if prop in PAINT})
            for prop, value in style.items():
                checked += 1
                expected = {"#fff": "#ffffff"}.get(value, value.removesuffix("px"))
                assert element.get(prop) == expected, (chart, classes, prop)
    assert checked > 100


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def test_the_png_is_the_svg_at_twice_its_size_with_its_text(client, world):
    response = client.get("/insights/by-organisation.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="aikb-insights-by-organisation.png"'
    ARTIFACTS.mkdir(exist_ok=True)
    for chart in CHARTS:  # to look at
        (ARTIFACTS / f"chart-{chart}.png").write_bytes(client.get(f"/insights/{chart}.png").content)
    image = pixels(response.content)
    drawn = overview.by_organisation().chart()
    assert image.size == (drawn.width * 2, drawn.height * 2)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 2  # not all white
    assert (255, 255, 255) in {colour for _, colour in colours}  # on a white background
    assert any(colour == (0x2F, 0x6F, 0xB0) for _, colour in colours)  # the bars' colour
    # The text is drawn (a font was found): without its <text> elements the picture differs.
    svg = chart_files.overview_svg(overview.by_organisation())
    textless = pixels(chart_files.svg_to_png(re.sub(r"<text\b[^>]*>.*?</text>", "", svg)))
    assert image.size == textless.size and image.tobytes() != textless.tobytes()
    # ...where the first label is written: dark ink in its line above the first bar.
    row = drawn.rows[0]
    line = image.crop((0, int((row.lines[0].y - 10) * 2), image.width, int((row.lines[0].y + 3) * 2)))
    assert max(low for low, _ in line.getextrema()) < 80


def test_files_are_kept_in_the_shared_cache(client, world):
    for url in ("/insights/by-domain.svg", "/insights/by-domain.png"):
        first, second = twice(client, url)
        assert first["Content-Type"] == second["Content-Type"]


def test_a_name_that_xml_cannot_carry_leaves_the_files_whole(client, world):
    # A control character saved before the text rules (the factory skips them).
    incident = public_incidents().first()
    for n in range(4):
        IncidentOrganisationFactory(incident=incident, organisation=OrganisationFactory(name=f"Lab\x07 & <Q{n}>"))
    root = parse_svg(client.get("/insights/by-organisation.svg"))
    labels = [element.text for element in root.iter(f"{SVG}text") if element.get("class") == "chart__label"]
    assert "Lab & <Q0>" in labels
    assert client.get("/insights/by-organisation.png").status_code == 200


@pytest.mark.parametrize("chart", CHARTS)
def test_each_address_of_a_chart_stays_within_its_query_budget(client, world, django_assert_max_num_queries, chart):
    # The chart's counts (domains: their terms, counts and how many have one) and the public total.
    for address in ("/", "/embed/", ".svg", ".png"):
        with django_assert_max_num_queries(4):
            assert client.get(f"/insights/{chart}{address}").status_code == 200
