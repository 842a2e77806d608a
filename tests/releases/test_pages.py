"""/data/ lists the releases, newest first, with the latest's files, sizes,
checksums and citation; /data/<version>/ is a release's permanent page;
a new release shows at once, and the list costs the same queries however
many releases there are."""

import datetime

import pytest
from django.utils.html import escape

from releases.citations import release_bibtex
from releases.services import publish_release
from tests.factories import IncidentFactory

from .conftest import SECOND

pytestmark = pytest.mark.django_db


def test_the_data_page_lists_releases_newest_first_with_files_checksums_and_citation(client, published):
    IncidentFactory(title="Models chose blackmail")
    second = publish_release(SECOND)
    page = client.get("/data/").content.decode()
    assert page.index("Latest release: <a href=\"/data/2025-01-13/\">2025-01-13</a>") < page.index("Earlier releases")
    for entry in second.files:
        assert f'href="/data/2025-01-13/{entry["name"]}"' in page
        assert entry["sha256"] in page
    assert published.archive["sha256"] in page and 'href="/data/2025-01-06/"' in page
    assert escape(release_bibtex(second.version)) in page
    assert "/api/v1/releases/2025-01-13/?format=bibtex" in page and "format=csl-json" in page
    assert '<td class="num">1</td>' in page  # the older release's incidents
    assert f"{published.archive['bytes'] / 1024:.1f}\xa0KB" in page  # and its size


def test_the_data_page_says_when_there_is_no_release(client, db):
    page = client.get("/data/")
    assert page.status_code == 200
    assert "No release has been published yet." in page.content.decode()


def test_a_release_page_is_its_permanent_address_with_files_changes_and_citation(client, published, settings):
    IncidentFactory(title="Models chose blackmail")
    second = publish_release(SECOND)
    page = client.get("/data/2025-01-13/").content.decode()
    assert f"{settings.SITE_URL}/data/2025-01-13/" in page
    added = second.changelog["incidents_added"][0]
    assert f'href="/incidents/{added["public_id"]}/"' in page and "Models chose blackmail" in page
    assert "Since 2025-01-06: 1 incident added, 0 changed, 0 removed; no claim changed status." in page
    for entry in second.files:
        assert entry["sha256"] in page
    assert 'rel="prev"' in page and 'href="/data/2025-01-06/"' in page
    first = client.get("/data/2025-01-06/").content.decode()
    assert 'rel="next"' in first and "First release: no earlier release to compare with." in first
    assert '<td>incidents</td><td class="num">2</td>' in page


def test_a_new_release_shows_on_the_data_page_at_once(client, published):
    assert "2025-01-13" not in client.get("/data/").content.decode()
    assert client.get("/data/")["X-Cache"] == "HIT"
    publish_release(SECOND)
    assert "2025-01-13" in client.get("/data/").content.decode()


def test_the_data_page_costs_the_same_queries_for_many_releases(client, published, django_assert_max_num_queries):
    from releases.models import Release

    Release.objects.bulk_create([
        Release(version=published.version + datetime.timedelta(days=7 * n), published_at=published.published_at,
                dataset_sha256=published.dataset_sha256, counts=published.counts, files=published.files,
                changelog=published.changelog)
        for n in range(1, 40)
    ])
    with django_assert_max_num_queries(3):
        response = client.get("/data/")
    assert response.status_code == 200 and "Page 1 of 2" in response.content.decode()
    with django_assert_max_num_queries(3):
        assert client.get("/data/?page=2").status_code == 200
