"""The site on a 390 px phone and a 1280 px screen in a real headless
Chromium: no page is wider than the screen, the list's filters apply as
soon as they change and fold behind "Filters" on a phone, the navigation
folds behind "Menu", link previews, the favicon, the feed as a page, and
printed links with their absolute address. axe-core finds nothing on the
pages this changed."""

import datetime

import pytest
from django.utils import timezone

from briefings.digests import DigestFilter, build_digest
from briefings.models import Cadence
from incidents.search import refresh_search_vectors
from reproductions.models import RunSample, Verdict
from tests.factories import IncidentFactory, SourceFactory, TaxonomyTermFactory
from tests.web.test_browser import axe_source, axe_violations, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_WORD = "x" * 300
LONG_LINE = "curl -sf https://example.org/" + "a/" * 200


@pytest.fixture
def site(db):
    """build_site's incidents, plus what makes pages wide: a run with long
    samples and package lists, a digest in the archive, long words."""
    incident = build_site()
    incident.evidence.update(locator="paragraph 3", locator_type="paragraph")
    for n in range(3):
        IncidentFactory(title=f"Another incident {n} {LONG_WORD[:80]}", kind="research-finding", severity=2)
    SourceFactory(title="中文网 " + LONG_WORD)
    run = Verdict.objects.get(claim=incident.claims.first()).run  # build_site's
    run.worker_host = "gpu-worker-" + "a" * 150
    run.versions = {f"package-{n}": f"1.{n}.0+build.{'f' * 40}" for n in range(12)}
    run.reference = {"harness": {"task": "reproductions/harnesses/" + "long_task_name_" * 12 + ".py@task"}}
    run.save()
    for n in range(2):
        RunSample.objects.create(run=run, sample_id=f"sample-{n}-{LONG_WORD[:120]}", input=LONG_LINE, output=LONG_WORD,
                                 grader_output="score: " + LONG_WORD, scores={"judge": {"value": LONG_WORD[:60]}})
    today = timezone.now().date()
    term = TaxonomyTermFactory(name="A taxonomy term with a long name " + LONG_WORD[:60])
    incident.taxonomy.add(term)
    build_digest(Cadence.WEEKLY, today - datetime.timedelta(days=6), today + datetime.timedelta(days=1), DigestFilter())
    refresh_search_vectors()
    return {"incident": incident, "run": run}


def main_pages(site):
    incident, run = site["incident"], site["run"]
    return {
        "home": "/",
        "list": "/incidents/",
        "search": "/incidents/?q=alibba&kind=incident",
        "incident": incident.get_absolute_url(),
        "methodology": "/methodology/",
        "digests": "/digests/",
        "run": run.get_absolute_url(),
        "run-samples": f"/runs/{run.pk}/samples/",
        "api-guide": "/api/docs/getting-started/",
        "submit": "/submit/",
        "insights": "/insights/",
        "feeds": "/feeds/",
        "organisations": "/organisations/",
        "systems": "/systems/",
        "taxonomy": "/taxonomy/",
        "metrics": "/metrics/",
        "sources": "/sources/",
    }


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_every_main_page_fits_a_phone_and_passes_axe(site, open_page):
    page = open_page(PHONE)
    source = axe_source()
    too_wide, violations, statuses = {}, {}, {}
    for name, url in main_pages(site).items():
        response = page.goto(url)
        statuses[name] = response.status
        if scroll_width(page) > PHONE["width"]:
            too_wide[name] = scroll_width(page)
        found = axe_violations(page, source)
        if found:
            violations[name] = found
    assert statuses == {name: 200 for name in statuses}
    assert too_wide == {}
    assert violations == {}
    assert page.js_errors == []


def test_the_api_guide_scrolls_its_code_inside_its_boxes_at_1280px(site, open_page):
    page = open_page(DESKTOP)
    page.goto("/api/docs/getting-started/")
    assert scroll_width(page) <= DESKTOP["width"]
    boxes = page.evaluate("[...document.querySelectorAll('pre')].map(p => [p.scrollWidth > p.clientWidth,"
                          " getComputedStyle(p).overflowX, p.tabIndex])")
    assert any(scrolls for scrolls, _, _ in boxes)  # some lines are longer than the column
    assert all(overflow == "auto" and tab_index == 0 for _, overflow, tab_index in boxes)
    for url in ("/incidents/", "/methodology/", "/digests/", "/submit/", site["run"].get_absolute_url()):
        page.goto(url)
        assert scroll_width(page) <= DESKTOP["width"], url
        assert axe_violations(page, axe_source()) == [], url


def result_titles(page):
    return page.locator(".card__title a").all_inner_texts()


def test_ticking_a_filter_updates_the_results_without_pressing_apply(site, open_page):
    page = open_page(DESKTOP)
    page.goto("/incidents/")
    assert not page.locator("button.facets__apply").is_visible()  # nothing to press with JavaScript
    assert len(result_titles(page)) == 6
    page.locator("#facet-kind input[value=hazard]").check()
    page.wait_for_url("**/incidents/?*kind=hazard*")
    page.wait_for_function("() => document.querySelectorAll('.card').length === 1")
    assert result_titles(page) == ["Alibaba cloud agents could reach the internet"]
    assert page.locator("#results-status").inner_text() == "1 result"
    # The reader stays on the box they ticked, now checked in the new filters.
    assert page.evaluate("document.activeElement.name + '=' + document.activeElement.value") == "kind=hazard"
    assert page.locator("#facet-kind input[value=hazard]").is_checked()
    assert page.locator(".chip").all_inner_texts()[0].startswith("Kind: Hazard")
    assert page.title().startswith("Incidents")

    page.locator("#facet-kind input[value=incident]").check()
    page.wait_for_url("**kind=incident**")
    page.wait_for_function("() => document.querySelectorAll('.card').length === 2")
    page.focus("#sort")
    page.select_option("#sort", "severity")
    page.wait_for_url("**sort=severity**")
    page.wait_for_function("() => document.querySelector('.card__title a').textContent.includes('reverse SSH tunnel')")
    assert page.evaluate("document.activeElement.id") == "sort"

    page.go_back()  # the address history follows the filters
    page.wait_for_function("() => !location.search.includes('sort=severity')")
    page.wait_for_function("() => document.querySelector('#sort').value !== 'severity'")
    assert page.js_errors == []


def test_without_javascript_the_apply_button_still_filters(site, open_page):
    page = open_page(DESKTOP, java_script_enabled=False)
    page.goto("/incidents/")
    page.check("#facet-kind input[value=hazard]")
    assert "kind=hazard" not in page.url
    page.click("button.facets__apply")
    page.wait_for_url("**kind=hazard**")
    assert result_titles(page) == ["Alibaba cloud agents could reach the internet"]


def test_on_a_phone_the_results_come_first_and_the_filters_fold(site, open_page):
    page = open_page(PHONE)
    page.goto("/incidents/")
    first = page.locator(".card").first.bounding_box()
    assert first["y"] + 40 < PHONE["height"], first  # the first result shows without scrolling
    summary = page.locator("summary.facets__summary")
    assert summary.is_visible() and summary.inner_text().startswith("Filters")
    assert not page.locator("#facet-kind").is_visible()
    summary.click()
    assert page.locator("#facet-kind").is_visible()
    assert page.evaluate("document.querySelector('[data-filters]').open") is True
    page.locator("#facet-kind input[value=hazard]").check()
    page.wait_for_url("**kind=hazard**")
    page.wait_for_function("() => document.querySelectorAll('.card').length === 1")
    assert "(1 active)" in summary.inner_text()
    assert page.locator("#facet-kind").is_visible()  # still open while the reader is choosing
    page.click("text=Show the results")  # closes the filters and moves to the results they updated
    assert not page.locator("#facet-kind").is_visible()
    assert page.evaluate("document.activeElement.id") == "results-heading"
    assert page.locator(".card").first.bounding_box()["y"] < PHONE["height"]

    # The main navigation folds behind "Menu".
    menu = page.locator("button.site-nav__toggle")
    assert menu.inner_text() == "Menu" and menu.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-nav").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.locator("#site-nav a", has_text="About & licence").is_visible()
    assert scroll_width(page) <= PHONE["width"]
    assert axe_violations(page, axe_source()) == []
    menu.click()
    assert not page.locator("#site-nav").is_visible()

    # On a wider screen the filters are open, with no summary to press, and the menu button is gone.
    page.set_viewport_size(DESKTOP)
    page.locator("#facet-kind").wait_for(state="visible")
    assert not summary.is_visible()
    assert page.locator("#site-nav").is_visible() and not menu.is_visible()
    assert page.js_errors == []


def test_on_a_wide_screen_the_results_button_leaves_the_filters_open(site, open_page):
    """The button that folds the filters away on a phone (hidden at 1280 px,
    pressed here by script) keeps them open beside the results."""
    page = open_page(DESKTOP)
    page.goto("/incidents/")
    assert page.evaluate("document.querySelector('[data-filters]').open") is True
    page.evaluate("document.querySelector('button.facets__apply').click()")
    assert page.evaluate("document.querySelector('[data-filters]').open") is True
    assert page.locator("#facet-kind").is_visible()
    assert page.evaluate("document.activeElement.id") == "results-heading"
    assert page.js_errors == []


def test_without_javascript_a_phone_still_reaches_every_link_and_filter(site, open_page):
    page = open_page(PHONE, java_script_enabled=False)
    page.goto("/incidents/")
    assert page.locator("#site-nav a", has_text="About & licence").is_visible()
    assert page.locator("#facet-kind").is_visible()
    assert scroll_width(page) <= PHONE["width"]


def test_link_previews_favicon_and_the_feed_as_a_page(site, open_page, live_server):
    page = open_page(DESKTOP)
    incident = site["incident"]
    page.goto(incident.get_absolute_url() + "?from=share")
    og = page.evaluate("Object.fromEntries([...document.querySelectorAll('meta[property^=\"og:\"], meta[name^=\"twitter:\"]')]"
                       ".map(m => [m.getAttribute('property') || m.name, m.content]))")
    assert og["og:url"] == live_server.url + incident.get_absolute_url()
    assert og["og:title"] == f"{incident.title} ({incident.public_id})"
    assert og["og:description"].startswith("During reinforcement learning, an agent repurposed GPUs")
    assert og["og:image"].startswith(live_server.url + "/static/") and og["twitter:card"] == "summary"
    icon = page.request.get(live_server.url + "/favicon.ico")
    assert icon.ok and icon.body()[:4] == b"\x00\x00\x01\x00"
    svg = page.request.get(page.evaluate("document.querySelector('link[rel=icon][type=\"image/svg+xml\"]').href"))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")

    page.goto("/feeds/incidents.atom")
    assert page.evaluate("document.contentType") == "text/html"  # the XSLT's output, not the XML tree
    assert page.locator("h1").inner_text() == "AI Incident Knowledge Base: new and updated incidents"
    assert page.locator("article.card").count() == 6
    assert page.locator(f"a[href='{live_server.url}{incident.get_absolute_url()}']").count() == 1
    # The site's stylesheet applies under the site's Content-Security-Policy.
    header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header == "rgb(18, 38, 63)"
    assert page.locator(".card__snippet strong").first.inner_text() == "repurposed GPUs"  # the summary as HTML
    # Chromium adds a banner saying XSLT is going away; the rest is ours.
    page.evaluate(axe_source())
    result = page.evaluate("axe.run({exclude: [['xslt-warning-banner']]}, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"]] == []
    page.set_viewport_size(PHONE)
    assert scroll_width(page) <= PHONE["width"]


def test_printing_shows_each_link_with_its_absolute_address(site, open_page, live_server):
    page = open_page(DESKTOP)
    incident = site["incident"]
    source = incident.evidence.first().source
    page.goto(incident.get_absolute_url())
    page.emulate_media(media="print")
    link = page.locator(".evidence__source a", has_text=source.title).first
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert after == f'" <{live_server.url}{source.get_absolute_url()}>"'
    external = page.locator(".prose a", has_text="technical report").evaluate("a => getComputedStyle(a, '::after').content")
    assert external == '" <https://arxiv.org/abs/2512.24873>"'
    # In-page links print no address.
    assert page.locator("a[href='#cite']").first.evaluate("a => getComputedStyle(a, '::after').content") == "none"
    assert page.pdf(format="A4").startswith(b"%PDF")
    page.emulate_media(media="screen")
    assert link.evaluate("a => getComputedStyle(a, '::after').content") == "none"
