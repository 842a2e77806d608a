"""The issue's search examples typed into the search box of a real
headless Chromium, at 1280 and 390 px, on the curated data the first run
loads: each finds its incident, a mistyped word says what was searched
instead, and the page stays within the screen and passes axe."""

import pytest

from incidents.curated import load_curated
from tests.web.test_browser import axe_source, axe_violations
from tests.web.test_search_as_people_type import ALIBABA, BLACKMAIL, EXAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["1280", "390"])
def test_the_issues_searches_typed_into_the_box(browser, live_server, viewport):
    load_curated(verbosity=0)
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        missed = []
        for query, expected in EXAMPLES:
            page.goto("/incidents/")
            page.fill("#q", query)
            page.press("#q", "Enter")
            page.wait_for_url("**/incidents/?q=*")
            titles = page.locator("h3.card__title a").all_inner_texts()
            if expected not in titles:
                missed.append((query, titles))
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], query
        assert missed == []

        # A mistyped word: the notice, read by screen readers, and its link.
        page.goto("/incidents/")
        page.fill("#q", "blakmail")
        page.press("#q", "Enter")
        page.wait_for_url("**/incidents/?q=blakmail*")
        notice = page.locator("#search-correction")
        assert notice.get_attribute("role") == "status"
        assert "Showing results for blackmail" in notice.inner_text()
        assert axe_violations(page, axe_source()) == []
        notice.locator("a").click()
        page.wait_for_url("**/incidents/?q=blackmail*")
        assert BLACKMAIL in page.locator("h3.card__title a").all_inner_texts()
        assert page.locator("#search-correction").count() == 0

        # A name, misspelt, from the header's search box on another page.
        page.goto("/methodology/")
        if viewport["width"] < 600 and not page.locator("#site-search-q").is_visible():
            page.get_by_role("button", name="Menu").click()
        page.fill("#site-search-q", "alibba")
        page.press("#site-search-q", "Enter")
        page.wait_for_url("**/incidents/?q=alibba*")
        assert ALIBABA in page.locator("h3.card__title a").all_inner_texts()
    finally:
        context.close()
