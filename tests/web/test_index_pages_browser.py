"""The index pages, and an incident's similar-by-text list, in a real
headless Chromium: no axe-core violation and no sideways scrolling, on a
desktop (1280 px) and a phone (390 px) screen, with long names and several
pages of entries."""

import datetime

import pytest

from incidents.models import TaxonomyTerm
from incidents.search import refresh_search_vectors
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    MetricFactory,
    OrganisationFactory,
    SourceFactory,
    TaxonomyTermFactory,
)
from tests.web.test_browser import ARTIFACTS, AVAILABLE_APPS, axe_source, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, available_apps=AVAILABLE_APPS)]

WIDTHS = [1280, 390]
LONG = "International Consortium for the Responsible Evaluation of Autonomous Agents"


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def build_indexes(monkeypatch):
    """Entries for every index, some with long names, and enough of them for
    a second page. Returns the incident whose page lists similar ones."""
    monkeypatch.setattr("incidents.indexes.INDEX_PAGE_SIZE", 4)
    parent = TaxonomyTermFactory(name="Power-seeking", code="B1")
    child = TaxonomyTermFactory(name="Resource acquisition", code="B1.1", parent=parent)
    domain = TaxonomyTermFactory(name="AI pursuing its own goals in conflict with human goals or values", code="7.1",
                                 scheme=TaxonomyTerm.Scheme.MIT_DOMAIN)
    metric = MetricFactory(name="Blackmail rate")
    first = None
    for n in range(6):
        organisation = OrganisationFactory(name=f"{LONG} {n}" if n % 2 else f"Lab {n}", country="United Kingdom")
        system = AISystemFactory(name=f"Qwen2.5-72B-Instruct-fine-tuned-on-insecure-code-{n}", developer=organisation)
        incident = IncidentFactory(
            title=f"Agent mined cryptocurrency through a reverse SSH tunnel, case {n}",
            summary="The agent opened a reverse SSH tunnel and mined cryptocurrency on training GPUs.",
            reported_on=datetime.date(2025, 1 + n, 1),
        )
        IncidentOrganisationFactory(incident=incident, organisation=organisation)
        IncidentSystemFactory(incident=incident, system=system)
        incident.taxonomy.add(child, domain)
        claim = ClaimFactory(incident=incident)
        source = SourceFactory(title=f"Let It Flow: Agentic Crafting on Rock and Roll, building the ROME model {n}",
                               publisher="arXiv preprint server of Cornell University")
        MeasurementFactory(metric=metric, system=system, claim=claim,
                           evidence=EvidenceFactory(incident=incident, claim=claim, source=source))
        first = first or incident
    refresh_search_vectors()
    return first


@pytest.mark.parametrize("width", WIDTHS)
def test_index_pages_fit_the_screen_and_pass_axe(context, monkeypatch, width):
    incident = build_indexes(monkeypatch)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": width, "height": 900})
    source = axe_source()
    urls = ["/organisations/", "/organisations/?sort=incidents&page=2", "/systems/", "/taxonomy/",
            "/taxonomy/?sort=incidents", "/metrics/", "/sources/", "/sources/?sort=incidents",
            incident.get_absolute_url()]
    too_wide, violations = {}, {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[url] = scroll_width
        found = axe_violations(page, source)
        if found:
            violations[url] = found
        if "?" not in url and url.count("/") == 2:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"index-{url.strip('/')}-{width}px.png", full_page=True)
    assert too_wide == {}
    assert violations == {}
    page.goto(incident.get_absolute_url())
    assert page.locator("#similar-heading").inner_text() == "Similar by text"
    assert page.locator("#similar li").count() == 5
    assert errors == []
