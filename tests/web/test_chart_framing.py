"""Framing in a real Chromium: a page of another site (another origin: a
small HTTP server on 127.0.0.1 while the site is served as localhost, on
another port) holds our embed code for a chart, which shows the chart, and
an <iframe> of an incident page, which the browser refuses to show. Three
visits: rendered, then the same reader again (a 304 from the shared response
cache, whose headers update the browser's copy) and another reader (a copy
from that cache): each must carry the same framing rules. And the chart's
page and embed page pass axe and fit a phone's screen."""

import html
import http.server
import re
import threading

import pytest
from django.test import Client

from config import response_cache
from incidents.visibility import public_incidents
from tests.web.test_browser import ARTIFACTS, AVAILABLE_APPS, axe_source, axe_violations
from tests.web.test_insights import build_world

# The incident page's change log comes from editorial's template tags.
APPS = AVAILABLE_APPS + [app for app in ["editorial"] if app not in AVAILABLE_APPS]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, available_apps=APPS)]


def host_page(embed_code: str, incident_url: str) -> bytes:
    """Another site's article: our embed code as pasted, and a frame of an incident page."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A newspaper's article</title></head>
<body>
<h1>An article that embeds a chart</h1>
{embed_code}
<iframe name="incident" src="{incident_url}" title="Incident" width="600" height="400"></iframe>
</body></html>""".encode()


@pytest.fixture
def other_site(live_server):
    """An HTTP server of another origin serving the page that frames ours; its address."""
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages["/"]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def cache_answers(monkeypatch):
    """(path, status) of each answer given from the shared response cache."""
    answers = []
    answer = response_cache.answer

    def recorded(request, entry, **kwargs):
        response = answer(request, entry, **kwargs)
        answers.append((request.path, response.status_code))
        return response

    monkeypatch.setattr(response_cache, "answer", recorded)
    return answers


def test_another_site_can_frame_a_chart_but_not_an_incident_page(browser, live_server, other_site, cache_answers,
                                                                  settings):
    """Our embed code, as the chart's page gives it, pasted into another site's article beside a frame of
    an incident page (which is there to be read: a 200)."""
    assert settings.RESPONSE_CACHE_SECONDS > 0  # later visits are answered from the cache
    build_world()
    incident = public_incidents().first()
    pages, host = other_site
    site = settings.SITE_URL = live_server.url.replace("127.0.0.1", "localhost")
    assert site.split("//")[1].split(":")[0] == "localhost" and host.startswith("http://127.0.0.1:")
    embed_url, incident_url = f"{site}/insights/by-severity/embed/", f"{site}{incident.get_absolute_url()}"
    embed_code = html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>',
                                         Client().get("/insights/by-severity/").content.decode(), re.S).group(1))
    assert embed_code.startswith(f'<iframe src="{embed_url}"')
    assert Client().get(incident.get_absolute_url()).status_code == 200
    pages["/"] = host_page(embed_code, incident_url)
    # A reader's first visit (rendered), the same reader again (the browser asks
    # whether its copy is current: a 304 from the cache), and another reader (a HIT).
    contexts = [browser.new_context()]
    contexts += [contexts[0], browser.new_context()]
    try:
        for visit, context in zip(("rendered", "revalidated", "from the cache"), contexts):
            page = context.new_page()
            page.set_default_timeout(15_000)
            refusals = []
            cache_answers.clear()
            page.on("console", lambda message: refusals.append(message.text)
                    if "frame-ancestors" in message.text or "X-Frame-Options" in message.text else None)
            page.goto(host + "/", wait_until="load")

            chart = page.frame(url=embed_url)
            assert chart is not None and chart.parent_frame == page.main_frame, visit
            assert chart.locator("svg.chart__svg").count() == 1, visit
            assert chart.locator("svg.chart__svg title").text_content() == "Incidents by severity and kind"
            assert chart.locator("svg.chart__svg rect.chart__segment").count() > 0
            assert chart.get_by_text("Cite as:").count() == 1

            framed = page.frame(name="incident")
            # Chromium shows its error page in the frame instead of ours.
            assert framed.url.startswith("chrome-error://"), (visit, framed.url)
            assert incident.title not in framed.content(), visit
            # The browser says why, once: for the incident page (it names the origin only), not the chart.
            assert len(refusals) == 1 and site in refusals[0], (visit, refusals)

            if visit == "rendered":
                page.screenshot(path=ARTIFACTS / "chart-framed-by-another-site.png", full_page=True)
            expected = {"rendered": [], "revalidated": [304, 304], "from the cache": [200, 200]}[visit]
            assert sorted(status for _, status in cache_answers) == expected, (visit, cache_answers)
            page.close()
    finally:
        contexts[0].close()
        contexts[2].close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_charts_page_and_embed_page_fit_the_screen_and_pass_axe(browser, live_server, width):
    build_world()
    axe = axe_source()
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for name, url in [("page", "/insights/over-time/"), ("embed", "/insights/over-time/embed/")]:
            page.goto(url)
            page.screenshot(path=ARTIFACTS / f"chart-{name}-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, url
            assert axe_violations(page, axe) == [], url
            box = page.locator("svg.chart__svg").bounding_box()
            assert box["width"] > min(width, 600) * 0.5, url  # the chart fills its column
        assert errors == []
    finally:
        context.close()
