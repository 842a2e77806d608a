"""/data/ and a release's page in a real headless Chromium: no axe-core
violation, no script error (the CSP allows no inline script or style),
and nothing wider than a 360 px screen."""

import pytest

from releases.services import publish_release
from tests.factories import IncidentFactory
from tests.web.test_browser import NARROW, axe_source, axe_violations, context, page  # noqa: F401 (fixtures)

from .conftest import FIRST, SECOND, build_public_incident

AVAILABLE_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "simple_history",
    "incidents",
    "reproductions",
    "imports",
    "releases",
    "reporting",  # serious-incident reports are release tables
]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, available_apps=AVAILABLE_APPS)]


def test_the_data_pages_pass_axe_and_fit_a_phone(browser, page):  # noqa: F811
    build_public_incident()
    publish_release(FIRST)
    IncidentFactory(title="Models chose blackmail in a simulated company")
    publish_release(SECOND)
    source = axe_source()
    for url in ("/data/", "/data/2025-01-13/", "/data/2025-01-06/"):
        for viewport in ({"width": 1280, "height": 900}, NARROW):
            page.set_viewport_size(viewport)
            page.goto(url)
            assert page.locator("h1").count() == 1, url
            assert axe_violations(page, source) == [], (url, viewport)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (url, viewport)
    page.goto("/data/")
    with page.expect_download() as download:
        page.click("text=Download everything as one zip")
    assert download.value.suggested_filename == "aikb-dataset-2025-01-13.zip"
    assert page.js_errors == []
