import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from editorial.roles import give_role

CHROMIUM = os.environ.get("AIKB_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test writes uploaded and rendered files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counts (API throttles, failed tokens and logins), facet
    counts and search pages live in the cache; every test starts with none,
    whatever ran before it."""
    from django.core.cache import caches

    for backend in caches.all(initialized_only=False):
        backend.clear()
    yield
    for backend in caches.all(initialized_only=False):
        backend.clear()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (Debian package `chromium`)")
    # Playwright's sync API keeps an event loop running on this thread, which
    # makes Django refuse ORM calls from the test body; they stay synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def roles(db):
    """The role groups, remade if a transactional test elsewhere flushed the database."""
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from editorial.roles import ROLES, apply_roles

    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        ContentType.objects.clear_cache()
        apply_roles(apps)


@pytest.fixture
def user_with_role(roles):
    def make(role):
        user = get_user_model().objects.create_user(username=f"{role}-user", password="a long test password")
        if role != "anonymous":
            give_role(user, role)
        return user

    return make
