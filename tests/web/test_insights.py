"""The insights page (/insights/): overview charts of the public incidents,
each with its data table, CSV download and citation line; the compact
charts on the home page. Counts are checked against the database counted
here in Python, drafts and merged entries placed so that counting them
would change every chart."""

import csv
import datetime
import io
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.functions import ExtractYear
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import generations, overview, taxonomy
from incidents.facets import occurred_in_years
from incidents.models import Incident, IncidentOrganisation, TaxonomyTerm
from incidents.text import for_csv
from incidents.visibility import public_incidents
from tests.factories import (
    AISystemFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    MeasurementFactory,
    MetricFactory,
    OrganisationFactory,
    TaxonomyTermFactory,
)
from tests.web.test_browser import ARTIFACTS, AVAILABLE_APPS, axe_source, axe_violations
from tests.web.test_metric_charts import LONG_NAME, LONG_PANEL

CHARTS = ["over-time", "by-domain", "by-organisation", "by-severity"]
DRAFT = "Quokkadraft"


def domain(code, name, parent=None):
    return TaxonomyTermFactory(scheme=TaxonomyTerm.Scheme.MIT_DOMAIN, code=code, name=name,
                               slug=f"mit-{code.replace('.', '-')}", parent=parent)


def build_world():
    """Public incidents over three years, kinds, severities, two domains
    (one with subdomains) and organisations; a draft and a merged entry with
    an organisation, a domain and a year of their own, each of which a
    count that forgot the visibility rule would show."""
    security = domain("2", "Privacy & Security")
    leak, attack = domain("2.1", "Leaks", security), domain("2.2", "Attacks", security)
    safety = domain("7", "AI System Safety, Failures, & Limitations")
    hidden_domain = domain("3", "Misinformation")  # a term of the scheme: listed, with none counted
    labs = [OrganisationFactory(name=f"Lab {letter}", slug=f"lab-{letter.lower()}") for letter in "ABC"]
    plan = [
        # (year, kind, severity, domain terms, organisations)
        (2021, "incident", 2, [leak], [0]),  # and none in 2022: a year of none is shown too
        (2024, "incident", 4, [leak, attack], [0, 1]),  # two subdomains of one domain: counted once there
        (2024, "hazard", 5, [safety], [1]),
        (2025, "research-finding", 3, [safety, attack], [0]),
        (2025, "incident", 3, [], [2]),
        (None, "hazard", 1, [security], []),  # no date at all: not on the time axis
    ]
    for year, kind, severity, terms, orgs in plan:
        incident = IncidentFactory(
            kind=kind, severity=severity,
            occurred_on=datetime.date(year, 1, 1) if year else None, occurred_precision="year",
            reported_on=datetime.date(year, 6, 1) if year else None,
        )
        incident.taxonomy.add(*terms)
        for index in orgs:
            IncidentOrganisationFactory(incident=incident, organisation=labs[index])
    # Reported only: counted in the year it was first reported.
    IncidentFactory(kind="incident", severity=2, occurred_on=None, reported_on=datetime.date(2023, 3, 1))
    survivor = public_incidents().first()
    hidden_lab = OrganisationFactory(name=f"{DRAFT} lab", slug="quokkadraft-lab")
    for fields in ({"is_published": False}, {"is_published": False}, {"is_published": False}, {"merged_into": survivor}):
        hidden = IncidentFactory(title=f"{DRAFT} entry", kind="hazard", severity=5,
                                 occurred_on=datetime.date(1999, 1, 1), occurred_precision="year", **fields)
        hidden.taxonomy.add(hidden_domain, leak)
        IncidentOrganisationFactory(incident=hidden, organisation=hidden_lab)
        IncidentOrganisationFactory(incident=hidden, organisation=labs[2])
    return {"labs": labs, "security": security, "safety": safety, "hidden_domain": hidden_domain}


@pytest.fixture
def world(db):
    return build_world()


class Tables(HTMLParser):
    """Every <table id=...> of a page, as rows of cell texts."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self.current = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def body_of(table):
    """{first cell: [the other cells as ints]} of a table's body rows."""
    return {row[0]: [int(cell) for cell in row[1:]] for row in table[1:]}


def expected_counts():
    """The charts' counts, counted here from the public incidents one by one."""
    incidents = list(public_incidents().prefetch_related("taxonomy", "organisation_links__organisation"))
    kinds = [value for value, _ in Incident.Kind.choices]
    over_time, severity, domains, organisations = {}, {}, Counter(), Counter()
    for incident in incidents:
        date = incident.occurred_on or incident.reported_on
        if date:
            over_time.setdefault(str(date.year), [0] * len(kinds))[kinds.index(incident.kind)] += 1
        label = Incident.Severity(incident.severity).label
        severity.setdefault(label, [0] * len(kinds))[kinds.index(incident.kind)] += 1
        roots = set()
        for term in incident.taxonomy.all():
            if term.scheme == TaxonomyTerm.Scheme.MIT_DOMAIN:
                while term.parent_id:
                    term = term.parent
                roots.add(str(term))
        domains.update(roots)
        organisations.update({link.organisation.name for link in incident.organisation_links.all()})
    return over_time, severity, domains, organisations


def test_each_chart_is_drawn_with_a_data_table_that_matches_the_database(client, world):
    response = client.get("/insights/")
    assert response.status_code == 200
    page = response.content.decode()
    tables = Tables(page).tables
    over_time, severity, domains, organisations = expected_counts()
    kinds = [label for _, label in Incident.Kind.choices]

    assert tables["over-time-table"][0] == ["Year", *kinds, "Total"]
    years = body_of(tables["over-time-table"])
    assert list(years) == ["2021", "2022", "2023", "2024", "2025"]  # oldest first; the draft's 1999 is not one
    assert {year: counts[:-1] for year, counts in years.items()} == {"2022": [0, 0, 0], **over_time}
    assert all(counts[-1] == sum(counts[:-1]) for counts in years.values())
    assert "1 incident with no known date is not shown." in page

    assert body_of(tables["by-severity-table"]) == {
        label: severity.get(label, [0, 0, 0]) + [sum(severity.get(label, [0]))]
        for label in ["Critical", "Severe", "Significant", "Moderate", "Low"]
    }
    # Rolled up from the subdomains, an incident once per domain; every domain listed, with none too.
    assert body_of(tables["by-domain-table"]) == {
        "2 Privacy & Security": [domains["2 Privacy & Security"]],
        "3 Misinformation": [0],  # tagged on the hidden entries only
        "7 AI System Safety, Failures, & Limitations": [domains["7 AI System Safety, Failures, & Limitations"]],
    }
    assert domains["2 Privacy & Security"] == 4
    assert body_of(tables["by-organisation-table"]) == {name: [n] for name, n in organisations.most_common()}
    assert list(body_of(tables["by-organisation-table"])) == ["Lab A", "Lab B", "Lab C"]  # most incidents first

    for chart in CHARTS:
        svg = re.search(rf'<svg class="chart__svg"[^>]*aria-labelledby="chart-{chart}-title chart-{chart}-desc"[^>]*>(.*?)</svg>',
                        page, re.S)
        assert svg, f"{chart}: no accessible chart"
        assert 'role="img"' in svg.group(0)
        assert re.search(rf'<title id="chart-{chart}-title">[^<]+</title>', svg.group(1))
        assert re.search(rf'<desc id="chart-{chart}-desc">[^<]+</desc>', svg.group(1))
        assert f'href="/insights/{chart}.csv"' in page
    # Rows link to what they count.
    assert 'href="/organisations/lab-a/"' in page and f'href="{world["security"].get_absolute_url()}"' in page


def test_the_text_alternative_lists_every_count(client, world):
    page = client.get("/insights/").content.decode()
    desc = re.search(r'<desc id="chart-by-organisation-desc">([^<]+)</desc>', page).group(1)
    assert "Lab A: 3; Lab B: 2; Lab C: 1" in desc
    desc = re.search(r'<desc id="chart-over-time-desc">([^<]+)</desc>', page).group(1)
    assert "2024: 2 (incident 1, hazard 1)" in desc


def test_drafts_and_merged_entries_are_never_counted(client, world):
    page = client.get("/insights/").content.decode()
    assert DRAFT not in page and "1999" not in page
    for chart in CHARTS:
        assert DRAFT not in client.get(f"/insights/{chart}.csv").content.decode()
    assert "Before" not in page
    # Lab C is named by the hidden entries too: only its public incident counts.
    assert body_of(Tables(page).tables["by-organisation-table"])["Lab C"] == [1]
    assert "The 7 published entries" in page


def test_each_chart_downloads_as_csv_with_its_counts(client, world):
    response = client.get("/insights/by-severity.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aikb-insights-by-severity.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Severity", "Incident", "Research finding", "Hazard", "Incidents"]
    _, severity, _, organisations = expected_counts()
    assert rows[1] == ["Critical", *map(str, severity["Critical"]), str(sum(severity["Critical"]))]
    assert [row[0] for row in rows[1:]] == ["Critical", "Severe", "Significant", "Moderate", "Low"]
    rows = list(csv.reader(io.StringIO(client.get("/insights/by-organisation.csv").content.decode())))
    assert rows == [["Organisation", "Incidents"]] + [[name, str(n)] for name, n in organisations.most_common()]
    for chart in CHARTS:
        response = client.get(f"/insights/{chart}.csv")
        assert response.status_code == 200 and response["Content-Disposition"].endswith(f'{chart}.csv"')


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text(client, world):
    incident = public_incidents().first()
    IncidentOrganisationFactory(incident=incident, organisation=OrganisationFactory(name="=HYPERLINK(\"x\")"),
                                role=IncidentOrganisation.Role.AFFECTED)
    rows = list(csv.reader(io.StringIO(client.get("/insights/by-organisation.csv").content.decode())))
    assert ["'=HYPERLINK(\"x\")", "1"] in rows


def test_csv_cells_follow_the_apis_rule_numbers_left_as_they_are(client, world):
    # One rule for every CSV we write (incidents.text.for_csv): a name that is a number is never run, so it is
    # written as it is, as the API writes it; a name that is a formula gets its apostrophe.
    incident = public_incidents().first()
    for name in ("-1", "+44 20 7946 0000", "@example"):
        IncidentOrganisationFactory(incident=incident, organisation=OrganisationFactory(name=name),
                                    role=IncidentOrganisation.Role.AFFECTED)
    names = [row[0] for row in csv.reader(io.StringIO(client.get("/insights/by-organisation.csv").content.decode()))]
    assert {"-1", "'+44 20 7946 0000", "'@example"} <= set(names)
    assert [for_csv(text) for text in ("-1", "=1+1", "-2+3", "3.5", "a\x07b")] == ["-1", "'=1+1", "'-2+3", "3.5", "ab"]


@pytest.mark.parametrize("url", ["/insights/no-such-chart.csv", "/insights/over-time.json", "/insights/CHARTS.csv"])
def test_an_unknown_chart_is_not_found(client, db, url):
    assert client.get(url).status_code == 404


def test_each_chart_has_a_line_to_cite_it(client, world, settings):
    settings.SITE_URL = "https://aikb.example.org"
    page = client.get("/insights/").content.decode()
    today = timezone.localdate()
    accessed = f"Accessed {today.day} {today:%B %Y}."
    for chart, title in [("over-time", "Incidents by year and kind"), ("by-severity", "Incidents by severity and kind")]:
        line = f"\u201c{title}\u201d. AI Incident Knowledge Base. https://aikb.example.org/insights/#{chart}. {accessed}"
        assert line in page
    assert page.count("Cite this chart:") == len(CHARTS)


def test_each_year_counts_the_incidents_the_year_filter_finds(client, world, monkeypatch, settings):
    settings.RESPONSE_CACHE_SECONDS = 0  # the code is changed below, which a deployment's fingerprint would show
    years = body_of(Tables(client.get("/insights/").content.decode()).tables["over-time-table"])
    for year, counts in years.items():
        assert counts[-1] == public_incidents().filter(occurred_in_years([int(year)])).count(), year
    # ...because the chart and the filter take the year from the one rule, models.incident_year.
    monkeypatch.setattr(overview, "incident_year", lambda: ExtractYear("created"))
    cache.clear()
    years = body_of(Tables(client.get("/insights/").content.decode()).tables["over-time-table"])
    assert list(years) == [str(timezone.now().year)]


def test_domains_roll_up_their_subdomains_at_any_depth_by_the_taxonomy_rule(client, world, monkeypatch):
    leaked_keys = domain("2.1.1", "Leaked keys", TaxonomyTerm.objects.get(code="2.1"))
    IncidentFactory(occurred_on=datetime.date(2024, 5, 1)).taxonomy.add(leaked_keys, world["security"])
    calls = []
    rolled_up = taxonomy.rolled_up_counts_sql
    monkeypatch.setattr(taxonomy, "rolled_up_counts_sql", lambda *args, **kwargs: calls.append(args) or
                        rolled_up(*args, **kwargs))
    rows = body_of(Tables(client.get("/insights/").content.decode()).tables["by-domain-table"])
    domains = expected_counts()[2]
    assert rows["2 Privacy & Security"] == [domains["2 Privacy & Security"]] == [5]  # the new one once
    assert rows["3 Misinformation"] == [0]  # the hidden entries' domain
    assert calls, "the overview counts domains with incidents.taxonomy's roll-up"
    chart = overview.by_domain()
    assert {key for key, _ in chart.counts} <= {key for key, _ in chart.categories}  # top-level domains only


def test_counts_are_remembered_by_the_generation_cache(client, world, monkeypatch):
    seen = []
    remember = generations.remembered
    monkeypatch.setattr(generations, "remembered", lambda namespace, parts, compute: seen.append(
        (namespace, tuple(parts))) or remember(namespace, parts, compute))
    client.get("/insights/")
    assert {("overview", ("incidents",)), ("overview", ("domains",)), ("overview", ("organisations",))} <= set(seen)


def test_undated_entries_are_not_called_nothing_published(client, db):
    # Published entries none of which has a date: the time axis is empty, but something is published.
    for _ in range(2):
        IncidentFactory(occurred_on=None, reported_on=None)
    page = client.get("/insights/").content.decode()
    section = page.split('id="over-time"')[1].split("</section>")[0]
    assert "Nothing is published to count yet." not in page
    assert "None of the published entries can be placed on this chart yet." in section
    assert "No published incidents." not in page
    assert "2 incidents with no known date are not shown." in section
    section = page.split('id="by-domain"')[1].split("</section>")[0]
    assert "2 published incidents have no domain yet and are not shown." in section


def test_one_undated_or_unclassified_incident_is_named_in_the_singular(client, world):
    page = client.get("/insights/").content.decode()
    assert "1 incident with no known date is not shown." in page
    assert "2 published incidents have no domain yet and are not shown." in page
    public_incidents().filter(taxonomy__isnull=True).first().taxonomy.add(world["safety"])
    assert "1 published incident has no domain yet and is not shown." in client.get("/insights/").content.decode()


def test_an_empty_knowledge_base_has_the_page_and_empty_tables(client, db):
    response = client.get("/insights/")
    assert response.status_code == 200
    assert "Nothing is published to count yet." in response.content.decode()
    assert client.get("/insights/over-time.csv").content.decode() == "Year,Incident,Research finding,Hazard,Incidents\r\n"


@pytest.mark.parametrize("count", [1, 6])
def test_the_page_stays_within_its_query_budget(client, db, django_assert_max_num_queries, count):
    build_world()
    for n in range(count):
        incident = IncidentFactory(occurred_on=datetime.date(2010 + n, 1, 1), occurred_precision="year")
        IncidentOrganisationFactory(incident=incident)
        incident.taxonomy.add(domain(f"{n + 10}", f"Domain {n}"))
    # Years, kinds and severities in one query; domains (their terms, counts, and how many have one); organisations.
    with django_assert_max_num_queries(5):
        assert client.get("/insights/").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/insights/by-domain.csv").status_code == 200


def test_counts_are_remembered_until_the_data_changes(client, world):
    client.get("/insights/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/insights/")
    assert len(queries) == 0  # every count from the cache
    IncidentFactory(kind="hazard", severity=5, occurred_on=datetime.date(2025, 1, 1), occurred_precision="year")
    rows = body_of(Tables(client.get("/insights/").content.decode()).tables["by-severity-table"])
    assert rows["Critical"] == [0, 0, 2, 2]
    cache.clear()
    assert body_of(Tables(client.get("/insights/").content.decode()).tables["by-severity-table"])["Critical"] == [0, 0, 2, 2]


def test_home_shows_compact_overview_charts_linking_to_insights(client, world):
    page = client.get("/").content.decode()
    section = page.split('id="overview-heading"')[1].split("</section>")[0]
    for chart in ("over-time", "by-severity"):
        assert f'href="/insights/#{chart}"' in section
        assert f'aria-labelledby="home-chart-{chart}-title home-chart-{chart}-desc"' in section
    assert 'href="/insights/"' in section
    assert DRAFT not in page


# In a real browser: the page and the home page at a desktop and a phone's
# width, with a metric chart whose label is far longer than a line.

TEXT_OUTSIDE_ITS_CHART = """() => {
  const outside = [];
  for (const svg of document.querySelectorAll('svg.chart__svg')) {
    const box = svg.viewBox.baseVal;
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > box.width + 0.5 || b.y + b.height > box.height + 0.5) {
        outside.push(text.textContent + ' ' + JSON.stringify([b.x, b.y, b.width, b.height, box.width, box.height]));
      }
    }
  }
  return outside;
}"""

ACCESSIBLE_NAMES = """() => Array.from(document.querySelectorAll('svg.chart__svg')).map(svg => [
  svg.getAttribute('role'),
  (svg.getAttribute('aria-labelledby') || '').split(' ').map(id => (document.getElementById(id) || {}).textContent || '').join(' | ')
])"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=AVAILABLE_APPS)
@pytest.mark.parametrize("width", [1280, 390])
def test_charts_fit_the_screen_have_names_and_pass_axe(browser, live_server, width):
    build_world()
    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    incident = public_incidents().first()
    for name, panel, value in [(LONG_NAME, LONG_PANEL, 12.0), ("Claude Opus 4", LONG_PANEL, 96.0)]:
        MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident), value=value, label=panel,
                           system=AISystemFactory(name=name))
    axe = axe_source()
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for name, url, charts in [("insights", "/insights/", 4), ("home", "/", 3), ("incident", incident.get_absolute_url(), 1)]:
            page.goto(url)
            page.screenshot(path=ARTIFACTS / f"insights-{name}-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{url} overflows at {width}px"
            names = page.evaluate(ACCESSIBLE_NAMES)
            assert len(names) >= charts, url
            for role, accessible_name in names:
                assert role == "img" and len(accessible_name) > 20, (url, accessible_name)
            assert page.evaluate(TEXT_OUTSIDE_ITS_CHART) == [], url
            assert axe_violations(page, axe) == [], url
        page.goto("/insights/")
        page.get_by_text("Data table: incidents by severity and kind").click()
        assert page.locator("#by-severity-table").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.get_by_role("img", name="Incidents by year and kind").count() == 1
        assert errors == []
    finally:
        context.close()
