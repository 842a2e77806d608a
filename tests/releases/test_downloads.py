"""/data/<version>/<file>: a release's files as a static file server
answers them (config.file_responses): strong ETag = SHA-256, 304, ranges,
kept for good by any cache; 404 for anything not listed; /data/latest/
redirects to the newest release and its files."""

import pytest

from releases import files
from releases.services import publish_release

from .conftest import SECOND, stored_bytes

pytestmark = pytest.mark.django_db


def test_a_file_downloads_with_its_sha256_as_etag_and_may_be_kept_for_good(client, published):
    entry = published.file_named("dataset.json")
    response = client.get("/data/2025-01-06/dataset.json")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(published, "dataset.json")
    assert response["ETag"] == f'"{entry["sha256"]}"'
    assert response["X-Content-SHA256"] == entry["sha256"]
    assert response["Content-Type"] == "application/json"
    assert response["Content-Length"] == str(entry["bytes"])
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Disposition"] == 'inline; filename="dataset.json"'
    again = client.get("/data/2025-01-06/dataset.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["Cache-Control"] == "public, max-age=31536000, immutable"
    piece = client.get("/data/2025-01-06/dataset.json", HTTP_RANGE="bytes=0-9")
    assert piece.status_code == 206
    assert b"".join(piece.streaming_content) == stored_bytes(published, "dataset.json")[:10]


def test_the_archive_and_csv_files_have_their_types(client, published):
    archive = client.get(f"/data/2025-01-06/{published.archive['name']}")
    assert archive["Content-Type"] == "application/zip"
    assert archive["Content-Disposition"] == 'attachment; filename="aikb-dataset-2025-01-06.zip"'
    assert client.get("/data/2025-01-06/incidents.csv")["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get("/data/2025-01-06/README.md")["Content-Type"] == "text/markdown; charset=utf-8"
    assert client.get("/data/2025-01-06/SHA256SUMS")["Content-Type"] == "text/plain; charset=utf-8"
    assert client.head("/data/2025-01-06/incidents.csv").status_code == 200


@pytest.mark.parametrize("address", [
    "/data/2030-01-06/",  # no release that day
    "/data/2025-02-30/",  # no such day
    "/data/20250106/",  # not how a release is named
    "/data/2025-1-6/",
    "/data/latest-ish/",
    "/data/2030-01-06/dataset.json",
    "/data/2025-01-06/nothing.csv",  # not a file of the release
    "/data/2025-01-06/..",
    "/data/2025-01-06/%2e%2e",
    "/data/2025-01-06/..%2F..%2Fconfig%2Fsettings.py",
    "/data/2025-01-06/../../config/settings.py",
    "/data/2025-01-06/.staging",
    "/data/2025-01-06/dataset.json%00",
])
def test_anything_not_a_listed_file_of_a_release_is_404(client, published, address):
    assert client.get(address).status_code == 404


def test_a_listed_file_missing_from_the_disk_is_404_not_500(client, published):
    (files.folder(published.version_name) / "metrics.csv").unlink()
    assert client.get("/data/2025-01-06/metrics.csv").status_code == 404


def test_downloads_are_read_only(client, published):
    assert client.post("/data/2025-01-06/dataset.json").status_code == 405
    assert client.delete("/data/2025-01-06/dataset.json").status_code == 405


def test_latest_redirects_to_the_newest_release_and_its_files(client, published):
    second = publish_release(SECOND)
    assert client.get("/data/latest/")["Location"] == "/data/2025-01-13/"
    assert client.get("/data/latest/").status_code == 302
    assert client.get("/data/latest/dataset.json")["Location"] == "/data/2025-01-13/dataset.json"
    archive = client.get("/data/latest/aikb-dataset-latest.zip")
    assert archive["Location"] == f"/data/2025-01-13/{second.archive['name']}"
    assert client.get("/data/latest/nothing.csv").status_code == 404
    followed = client.get("/data/latest/incidents.csv", follow=True)
    assert followed.status_code == 200 and b"".join(followed.streaming_content) == stored_bytes(second, "incidents.csv")


def test_latest_before_any_release_is_404(client, db):
    assert client.get("/data/latest/").status_code == 404
    assert client.get("/data/latest/dataset.json").status_code == 404
