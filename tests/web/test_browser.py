"""The public pages in a real headless Chromium (Playwright, sync API).

One browser for the whole module keeps these fast. Covered: a reader's
journey (search with a typo, two facets, an incident, an evidence link to
its source, copying the citation), axe-core on every page type, visible
keyboard focus, a 360 px wide screen, the print stylesheet, and a corpus of
XSS payloads in every field an editor can set. Screenshots of the home,
list and incident pages go to artifacts/ (gitignored).

axe-core comes from npm (package.json at the repository root); it is
installed into node_modules/ with `npm ci` when missing.
"""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from incidents.models import ClaimStatusChange, IncidentRelation, TaxonomyTerm
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
from tests.web.conftest import make_verdict

# Only these apps' tables are flushed after each test, and Django then skips
# re-creating every permission and content type: seconds per test.
AVAILABLE_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "simple_history",
    "incidents",
    "reproductions",
    "briefings",
    "editorial",
    "reporting",  # the incident page loads its serious-incident reports' tag library
]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, available_apps=AVAILABLE_APPS)]

ROOT = Path(django_settings.BASE_DIR)
ARTIFACTS = ROOT / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NARROW = {"width": 360, "height": 740}


def axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core is missing and npm is not installed: run `npm ci` at the repository root")
        command = ["ci"] if (ROOT / "package-lock.json").exists() else ["install"]
        subprocess.run([npm, *command, "--no-audit", "--no-fund"], cwd=ROOT, check=True, timeout=300)
    return AXE.read_text()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    return page


def build_site():
    """A small but complete site: the Alibaba incident with every part its
    page shows, and others to facet over. Returns the main incident."""
    alibaba = OrganisationFactory(name="Alibaba", slug="alibaba", description="A cloud provider and **model developer**.")
    other_org = OrganisationFactory(name="Anthropic", slug="anthropic")
    system = AISystemFactory(name="ROME agent", slug="rome-agent", developer=alibaba)
    incident = IncidentFactory(
        title="Agent opened a reverse SSH tunnel and mined cryptocurrency",
        summary="During reinforcement learning, an agent **repurposed GPUs** to mine cryptocurrency.",
        body="See the [technical report](https://arxiv.org/abs/2512.24873).",
        kind="incident",
        severity=4,
        reported_on=datetime.date(2025, 12, 30),
    )
    IncidentOrganisationFactory(incident=incident, organisation=alibaba)
    IncidentSystemFactory(incident=incident, system=system)
    behaviour = TaxonomyTermFactory(name="Resource acquisition", slug="resource-acquisition")
    domain = TaxonomyTermFactory(name="AI system safety", slug="ai-system-safety", scheme=TaxonomyTerm.Scheme.MIT_DOMAIN)
    incident.taxonomy.add(behaviour, domain)
    source = SourceFactory(title="Let It Flow: the ROME technical report", publisher="arXiv")
    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    for n, statement in enumerate(["The agent opened a reverse SSH tunnel.", "The agent mined cryptocurrency."]):
        claim = ClaimFactory(incident=incident, statement=statement, position=n)
        evidence = EvidenceFactory(incident=incident, claim=claim, source=source, locator=f"3.{n + 1}")
        ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="supported", reason="Read the report.")
        MeasurementFactory(metric=metric, incident=incident, evidence=evidence, claim=claim, system=system, value=79.0 + n, lower=70.0, upper=90.0)
    make_verdict(incident.claims.first())
    hazard = IncidentFactory(title="Alibaba cloud agents could reach the internet", kind="hazard", severity=2)
    IncidentOrganisationFactory(incident=hazard, organisation=alibaba)
    finding = IncidentFactory(title="Models chose blackmail in a simulated company", kind="research-finding", severity=3)
    IncidentOrganisationFactory(incident=finding, organisation=other_org)
    IncidentRelation.objects.create(from_incident=incident, to_incident=finding, relation_type="related")
    return incident


def page_types(incident):
    return {
        "home": "/",
        "list": "/incidents/",
        "search": "/incidents/?q=alibba&kind=incident",
        "incident": incident.get_absolute_url(),
        "source": incident.evidence.first().source.get_absolute_url(),
        "organisation": "/organisations/alibaba/",
        "system": "/systems/rome-agent/",
        "taxonomy": "/taxonomy/resource-acquisition/",
        "metric": "/metrics/blackmail-rate/",
        "methodology": "/methodology/",
        "not-found": "/incidents/AIKB-2025-9999/",
    }


def test_reader_searches_with_a_typo_filters_reads_follows_evidence_and_copies_the_citation(context, page):
    incident = build_site()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto("/")
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)
    page.fill("#home-q", "alibba")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/incidents/?q=alibba")
    titles = page.locator(".card__title a").all_inner_texts()
    assert incident.title in titles
    assert "Alibaba cloud agents could reach the internet" in titles

    # Two facets, each applied as soon as it is ticked (without JavaScript the
    # form's Apply button does it: tests/web/test_phone_layout.py).
    page.check("#facet-kind input[value=incident]")
    page.wait_for_url("**kind=incident**")
    page.check("#facet-organisation input[value=alibaba]")
    page.wait_for_url("**organisation=alibaba**")
    assert "kind=incident" in page.url and "q=alibba" in page.url
    page.wait_for_function("() => document.querySelectorAll('.chip').length === 2")
    assert page.locator(".card__title a").all_inner_texts() == [incident.title]
    assert page.locator(".chip").count() == 2
    page.screenshot(path=ARTIFACTS / "list.png", full_page=True)

    page.click(f"text={incident.title}")
    page.wait_for_url(f"**{incident.get_absolute_url()}")
    assert page.locator("h1").inner_text() == incident.title
    assert page.locator(".claim").count() == 2
    assert page.locator("svg.chart__svg[role=img]").count() == 1
    page.screenshot(path=ARTIFACTS / "incident.png", full_page=True)

    source = incident.evidence.first().source
    page.locator(".evidence__source a", has_text=source.title).first.click()
    page.wait_for_url(f"**{source.get_absolute_url()}")
    assert page.locator("h1").inner_text() == source.title
    assert page.locator(f'a[href="{incident.get_absolute_url()}"]').count() >= 1

    page.go_back()
    page.wait_for_url(f"**{incident.get_absolute_url()}")
    expected = page.locator("#cite-text").inner_text().strip()
    page.click("text=Copy plain text citation")
    page.wait_for_selector(".copy-status:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert incident.public_id in expected
    assert page.js_errors == []


def axe_violations(page, source) -> list[str]:
    page.evaluate(source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]


def test_a_broad_search_fetches_its_filters_after_the_page_or_by_a_link_without_javascript(browser, page, monkeypatch):
    """Past MAX_LISTED_RESULTS matches the page is sent before its filters
    are counted: the script fetches them into the form; without JavaScript
    a link counts them with the page."""
    build_site()
    monkeypatch.setattr("incidents.selectors.MAX_LISTED_RESULTS", 1)
    page.goto("/incidents/?q=alibba")
    page.wait_for_selector("#facet-kind")
    assert page.locator("[data-facets-src]").count() == 0
    assert "(1)" in page.locator("#facet-kind input[value=incident] >> xpath=..").inner_text()
    assert axe_violations(page, axe_source()) == []
    page.check("#facet-kind input[value=hazard]")
    page.wait_for_url("**kind=hazard**")
    page.wait_for_function("() => document.querySelectorAll('.card').length === 1")
    assert page.locator(".card__title a").all_inner_texts() == ["Alibaba cloud agents could reach the internet"]
    assert page.js_errors == []

    cache.clear()  # the fetched counts were cached: count afresh
    without_js = browser.new_context(base_url=page.url.split("/incidents/")[0], java_script_enabled=False)
    try:
        plain = without_js.new_page()
        plain.goto("/incidents/?q=alibba&sort=date")
        assert plain.locator("#facet-kind").count() == 0
        plain.click("text=Show the filters with their counts")
        plain.wait_for_url("**counts=all**")
        assert plain.locator("#facet-kind input[value=incident]").count() == 1
        assert "sort=date" in plain.url
    finally:
        without_js.close()


def check_focus_is_visible(page, url, presses=12):
    """Tab from the top: the skip link shows and moves focus to the main
    content; every element reached next has a visible focus indicator."""
    page.goto(url)
    page.keyboard.press("Tab")
    skip = page.evaluate(
        "(() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
        " return {text: e.textContent, top: r.top, height: r.height}; })()"
    )
    assert skip["text"] == "Skip to main content" and skip["top"] >= 0 and skip["height"] > 0, url
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", url
    for _ in range(presses):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return {tag: document.activeElement.tagName, outline: s.outlineStyle, width: s.outlineWidth,"
            " shadow: s.boxShadow}; })()"
        )
        assert style["tag"] != "BODY", url
        visible = (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none"
        assert visible, (url, style)


def test_every_page_type_passes_axe_shows_focus_prints_and_fits_360px(browser, page):
    incident = build_site()
    urls = page_types(incident)
    source = axe_source()

    violations = {}
    for name, url in urls.items():
        page.goto(url)
        found = axe_violations(page, source)
        if found:
            violations[name] = found
    assert violations == {}

    for name in ("home", "search", "incident"):
        check_focus_is_visible(page, urls[name])

    page.goto(incident.get_absolute_url())
    page.emulate_media(media="print")
    for selector in ["header.site-header", "footer.site-footer", "nav.toc", ".incident__actions .button"]:
        assert not page.locator(selector).first.is_visible(), selector
    for selector in ["h1", "#claims", "#metrics", "#cite"]:
        assert page.locator(selector).first.is_visible(), selector
    assert page.pdf(format="A4").startswith(b"%PDF")
    page.emulate_media(media="screen")

    page.set_viewport_size(NARROW)
    ARTIFACTS.mkdir(exist_ok=True)
    too_wide = {}
    for name, url in urls.items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            too_wide[name] = width
        if name in ("home", "list", "incident"):
            page.screenshot(path=ARTIFACTS / f"{name}-360px.png", full_page=True)
    assert too_wide == {}
    # axe again at 360 px on the densest pages (reflow can hide or overlap content).
    for name in ("list", "incident"):
        page.goto(urls[name])
        assert axe_violations(page, source) == [], name
    assert page.js_errors == []


# XSS: payloads in every field an editor can set, on every page that shows them.

XSS_PAYLOADS = [
    "<script>window.__xss('script')</script>",
    "<img src=x onerror=\"window.__xss('img')\">",
    "<svg onload=\"window.__xss('svg')\"></svg>",
    "<svg><script>window.__xss('svg-script')</script></svg>",
    "<svg><a xlink:href=\"javascript:window.__xss('svg-a')\"><text y=20>x</text></a></svg>",
    "[md link](javascript:window.__xss('md-link'))",
    "![md image](javascript:window.__xss('md-image'))",
    "[md data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3MoJ2RhdGEnKTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:window.__xss('a')\">a</a>",
    "<a href=\"  JaVaScRiPt:window.__xss('case')\">case</a>",
    "<a href=\"jav&#x09;ascript:window.__xss('entity')\">entity</a>",
    "<a href=\"data:text/html,<script>parent.__xss('data')</script>\">data</a>",
    "<iframe src=\"javascript:parent.__xss('iframe')\"></iframe>",
    "<object data=\"javascript:window.__xss('object')\"></object>",
    "<embed src=\"javascript:window.__xss('embed')\">",
    "\"><script>window.__xss('attr-break')</script>",
    "'><img src=x onerror=window.__xss('single-quote')>",
    "</textarea></title></style><script>window.__xss('close-tags')</script>",
    "<details open ontoggle=\"window.__xss('details')\"><summary>x</summary></details>",
    "<input autofocus onfocus=\"window.__xss('autofocus')\">",
    "<body onload=window.__xss('body')>",
    "<scr<script>ipt>window.__xss('nested')</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss('mxss')>",
    "<!--<img src=\"--><img src=x onerror=window.__xss('comment')//\">",
    "<form action=\"javascript:window.__xss('form')\"><button>go</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss('meta')\">",
    "<base href=\"javascript:window.__xss('base')//\">",
    "<style>*{background:url(\"javascript:window.__xss('css')\")}</style>",
    "<div style=\"background:url(javascript:window.__xss('style'))\">style</div>",
    "\u202e<script>window.__xss('rtl-override')</script>",
    "\u200b<img\u00a0src=x\u00a0onerror=window.__xss('nbsp')>",
    "\uff1cscript\uff1ewindow.__xss('fullwidth')\uff1c/script\uff1e",
    "{{ 7|add:7 }} {% now 'Y' %} ${window.__xss('template')}",
    "<a href=\"#\" onclick=\"window.__xss('onclick')\">click me</a>",
    "javascript:window.__xss('bare-url')",
]
URL_PAYLOADS = [
    "javascript:window.__xss('url')",
    "JAVASCRIPT:window.__xss('url-case')",
    "java\tscript:window.__xss('url-tab')",
    "data:text/html,<script>parent.__xss('url-data')</script>",
    "vbscript:msgbox(1)",
    "https://example.org/\"onmouseover=\"window.__xss('url-attr')",
]
CORPUS = "\n\n".join(XSS_PAYLOADS)

RECORD_HITS = """
window.__xssHits = [];
window.__xss = (what) => window.__xssHits.push(String(what));
window.alert = window.confirm = window.prompt = (what) => window.__xssHits.push('dialog:' + what);
"""
# Attributes that would run script or navigate to it, anywhere in the DOM.
DANGEROUS_DOM = """
(() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(el.tagName + ' ' + name);
      if (/^(javascript|vbscript|data):/.test(value) && name !== 'content') found.push(el.tagName + ' ' + name + '=' + value.slice(0, 40));
    }
    if (el.tagName === 'SCRIPT' && !el.src) found.push('inline script');
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'META'].includes(el.tagName) && el.closest('body')) found.push(el.tagName);
    if (el.tagName === 'FORM' && !(el.getAttribute('action') || '').startsWith('/')) found.push('foreign form');
  }
  return found;
})()
"""


def fit(text, length):
    return text[:length]


def build_hostile_site():
    """Every editor-set text field holds the payload corpus (or, where the
    field is short, one payload each across many rows). Returns the pages to open."""
    org = OrganisationFactory(name=fit(XSS_PAYLOADS[1], 200), description=CORPUS, url=URL_PAYLOADS[0], country="<b>x</b>")
    system = AISystemFactory(
        name=fit(XSS_PAYLOADS[2], 200), description=CORPUS, developer=org, family=fit(XSS_PAYLOADS[3], 100),
        version=fit(XSS_PAYLOADS[9], 50),
    )
    term = TaxonomyTermFactory(name=fit(XSS_PAYLOADS[5], 200), description=CORPUS)
    metric = MetricFactory(name=fit(XSS_PAYLOADS[6], 200), description=CORPUS)
    incident = IncidentFactory(title=fit(XSS_PAYLOADS[0], 300), summary=CORPUS, body=CORPUS)
    IncidentOrganisationFactory(incident=incident, organisation=org)
    IncidentSystemFactory(incident=incident, system=system)
    incident.taxonomy.add(term)
    sources = []
    for n, payload in enumerate(XSS_PAYLOADS):
        source = SourceFactory(
            title=fit(payload, 500), publisher=fit(payload, 300), authors=[fit(payload, 200)],
            url=URL_PAYLOADS[n % len(URL_PAYLOADS)], notes=payload,
        )
        sources.append(source)
        claim = ClaimFactory(incident=incident, statement=payload, status_note=payload, position=n)
        evidence = EvidenceFactory(incident=incident, claim=claim, source=source, quote=payload, locator=fit(payload, 100))
        ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="supported", reason=payload)
        MeasurementFactory(metric=metric, incident=incident, evidence=evidence, claim=claim, system=system, label=fit(payload, 200), value=50.0)
        other = IncidentFactory(title=fit(payload, 300), summary=payload)
        IncidentRelation.objects.create(from_incident=incident, to_incident=other, relation_type="related", note=payload)
    make_verdict(incident.claims.first()).__class__.objects.update(reason=CORPUS)
    pages = [
        "/",
        "/incidents/",
        "/incidents/?page=2",
        "/incidents/?q=window+xss",
        "/incidents/?q=" + "%3Cscript%3Ewindow.__xss('query')%3C%2Fscript%3E",
        "/incidents/?organisation=%22%3E%3Cscript%3Ewindow.__xss('facet')%3C%2Fscript%3E",
        incident.get_absolute_url(),
        org.get_absolute_url(),
        system.get_absolute_url(),
        term.get_absolute_url(),
        metric.get_absolute_url(),
    ]
    pages += [source.get_absolute_url() for source in sources[: len(URL_PAYLOADS)]]
    return pages


def test_xss_payloads_in_editor_fields_never_run_even_without_csp(browser, live_server):
    """The Content-Security-Policy is bypassed here on purpose: escaping and
    sanitising alone must stop every payload (the CSP is a second wall)."""
    pages = build_hostile_site()
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        context.add_init_script(RECORD_HITS)
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        problems = {}
        for url in pages:
            response = page.goto(url)
            assert response.status == 200, url
            page.wait_for_load_state("load")
            # Focus and hover every link and button once, for handlers that wait for the reader.
            page.evaluate("document.querySelectorAll('a, button, input, details').forEach(e => { e.focus(); e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); })")
            hits = page.evaluate("window.__xssHits")
            dangerous = page.evaluate(DANGEROUS_DOM)
            if hits or dangerous:
                problems[url] = {"ran": hits, "dom": dangerous}
        assert problems == {}
        assert dialogs == []
        # The payloads were shown as text, not silently dropped, on the incident page.
        page.goto(pages[6])
        assert "window.__xss('script')" in page.locator("h1").inner_text()
        assert page.locator(".claim__statement", has_text="onerror").count() >= 1
    finally:
        context.close()


def test_how_sure_we_are_and_hazards_apart_read_in_a_browser(page):
    """The ladder's words and colours on a claim, and hazards ranked apart
    from what happened; axe finds nothing on either page."""
    incident = build_site()
    own, corroborated = incident.claims.order_by("position")
    EvidenceFactory(incident=incident, claim=corroborated, source=SourceFactory(title="Independent investigation"),
                    basis="independent")
    hazard = IncidentFactory(title="A model could copy its own weights out", kind="hazard", severity=5)

    page.goto("/")
    severe = page.locator("section[aria-labelledby=severe-heading] .card__title").all_inner_texts()
    hazards = page.locator("section[aria-labelledby=hazards-heading] .card__title").all_inner_texts()
    assert hazard.title in hazards and hazard.title not in severe
    assert incident.title in severe and incident.title not in hazards
    card = page.locator("section[aria-labelledby=hazards-heading] .card", has_text=hazard.title)
    assert "Potential severity: Critical" in card.inner_text()
    assert axe_violations(page, axe_source()) == []

    page.goto(incident.get_absolute_url())
    own_badge = page.locator(f"#claim-{own.pk} .badge--level-own-account")
    strong_badge = page.locator(f"#claim-{corroborated.pk} .badge--level-corroborated")
    assert own_badge.inner_text() == "Supported: the party's own account only"
    assert strong_badge.inner_text() == "Supported: independently corroborated"
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderTopStyle]"
    own_look, strong_look = own_badge.evaluate(style), strong_badge.evaluate(style)
    assert own_look[0] != strong_look[0] and own_look[1] == "dashed" and strong_look[1] == "solid"
    assert "The party's own account only (1 source)" in page.locator(f"#claim-{own.pk} .claim__basis").inner_text()
    assert "Independently corroborated (2 sources)" in page.locator(f"#claim-{corroborated.pk} .claim__basis").inner_text()
    assert axe_violations(page, axe_source()) == []
    assert page.js_errors == []
