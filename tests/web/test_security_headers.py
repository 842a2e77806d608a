"""Every page carries a Content-Security-Policy without 'unsafe-inline' and
contains no inline script, inline style or event-handler attribute that such
a policy would have to allow."""

import re

import pytest

from tests.web.test_query_budgets import page_urls

pytestmark = pytest.mark.django_db

HTML_PAGES = ["home", "list", "search", "faceted", "incident", "source", "organisation", "system", "taxonomy", "metric"]


def directives(policy):
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.fixture
def pages(client, rich_incident):
    urls = page_urls(rich_incident)
    urls["methodology"] = "/methodology/"
    urls["not-found"] = "/incidents/AIKB-2025-9999/"
    return {name: client.get(url) for name, url in urls.items() if name != "feed"}


def test_every_page_has_a_strict_content_security_policy(pages):
    for name, response in pages.items():
        policy = directives(response["Content-Security-Policy"])
        script_src = policy.get("script-src", policy.get("default-src"))
        assert script_src == ["'self'"], name
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], name
        assert policy["object-src"] == ["'none'"], name
        assert policy["frame-ancestors"] == ["'none'"], name
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"]


def test_pages_have_no_inline_scripts_styles_or_handlers(pages):
    for name, response in pages.items():
        page = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag, (name, tag)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", page), name  # no inline body
        assert not re.search(r"<style\b", page), name
        assert not re.search(r"\sstyle=", page), name
        assert not re.search(r"\son[a-z]+\s*=", page), name
        assert "javascript:" not in page, name


def test_a_view_that_sets_its_own_policy_keeps_it(rf):
    from django.http import HttpResponse

    from config.security import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse("docs")
        response["Content-Security-Policy"] = "default-src 'self' cdn.example"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/api/docs/"))
    assert response["Content-Security-Policy"] == "default-src 'self' cdn.example"
    assert response["X-Content-Type-Options"] == "nosniff"
