"""Swagger UI and Redoc really render the schema in a headless Chromium,
offline and under the pages' Content-Security-Policy (the `browser`
fixture is the shared one of tests/conftest.py)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and "Failed to load resource" not in message.text
            and page.problems.append(message.text))
    # Every file the page asks our server for exists (the browser's own
    # /favicon.ico guess aside).
    page.missing = []
    page.on("response", lambda response: response.status >= 400 and not response.url.endswith("/favicon.ico")
            and page.missing.append(f"{response.status} {response.url}"))
    # Nothing may be fetched from elsewhere: the docs work offline.
    page.outside = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or request.url.startswith(("data:", "blob:"))
            or page.outside.append(request.url))
    try:
        yield page
    finally:
        context.close()


def test_swagger_ui_lists_the_operations(page):
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/incidents/" in path for path in paths)
    assert len(paths) > 15
    assert page.missing == []
    assert page.outside == []
    assert page.problems == []


def test_redoc_renders_the_reference(page):
    page.goto("/api/redoc/")
    page.locator("h2", has_text="List and search incidents").first.wait_for()
    assert page.locator("h1").first.inner_text().startswith("AI Incident Knowledge Base API")
    # Redoc's footer badge points at its makers' logo; img-src 'self' blocks
    # it, and nothing else leaves the site.
    assert all(url.startswith("https://cdn.redoc.ly/") for url in page.outside)
    assert page.missing == []
    assert [p for p in page.problems if "cdn.redoc.ly" not in p] == []
