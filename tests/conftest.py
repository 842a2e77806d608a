import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test writes uploaded and rendered files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counts (API throttles, failed tokens and logins) live in the
    cache; every test starts with none, whatever ran before it."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
