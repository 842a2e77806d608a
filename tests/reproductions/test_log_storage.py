"""A worker on another machine shares no folder with the web server: the
run's Inspect log goes through STORAGES["reproductions"] (the media folder,
or object storage), its samples to the database, and the web side serves
the log from that storage."""

import hashlib

import pytest
from django.core.files.storage import InMemoryStorage
from django.urls import reverse

from config.env import env_storage
from reproductions.models import ReproductionRun
from reproductions.runner import execute_run

pytestmark = pytest.mark.django_db


def test_the_log_storage_is_the_media_folder_or_object_storage(monkeypatch):
    monkeypatch.delenv("AIKB_TEST_LOGS", raising=False)
    assert env_storage("AIKB_TEST_LOGS") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    monkeypatch.setenv("AIKB_TEST_LOGS", "s3://aikb-runs/logs/")
    entry = env_storage("AIKB_TEST_LOGS", "http://minio:9000")
    assert entry == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "aikb-runs", "location": "logs", "file_overwrite": False,
                    "endpoint_url": "http://minio:9000"},
    }
    from storages.backends.s3 import S3Storage  # installed, and built from those options without a network

    assert S3Storage(**entry["OPTIONS"]).bucket_name == "aikb-runs"
    for wrong in ("/srv/logs", "s3://", "gs://bucket"):
        monkeypatch.setenv("AIKB_TEST_LOGS", wrong)
        with pytest.raises(ValueError, match="must be empty .* or s3://bucket/prefix"):
            env_storage("AIKB_TEST_LOGS")


def test_a_run_keeps_its_log_through_the_storage_and_the_site_serves_it_from_there(
    queued_run, monkeypatch, client, settings, tmp_path
):
    elsewhere = InMemoryStorage()
    monkeypatch.setattr(ReproductionRun._meta.get_field("log_file"), "storage", elsewhere)
    settings.MEDIA_ROOT = tmp_path / "no-shared-folder"
    run = execute_run(queued_run().pk)
    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.log_file.name.startswith(f"reproductions/logs/run-{run.pk}/") and elsewhere.exists(run.log_file.name)
    with elsewhere.open(run.log_file.name, "rb") as handle:
        body = handle.read()
    assert hashlib.sha256(body).hexdigest() == run.log_sha256
    assert not settings.MEDIA_ROOT.exists()  # nothing written to a folder the web side would need
    assert run.samples.count() == 8  # the transcripts are in the database
    response = client.get(reverse("reproduction-run-log", args=[run.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == body


class MissingKeyError(Exception):
    """What an object store raises for a key it does not hold (botocore's ClientError): not FileNotFoundError."""


class ObjectStorage(InMemoryStorage):
    def size(self, name):
        if not self.exists(name):
            raise MissingKeyError(f"404 Not Found: {name}")
        return super().size(name)


def test_a_log_missing_from_object_storage_is_a_404_not_a_server_error(queued_run, monkeypatch, client):
    store = ObjectStorage()
    monkeypatch.setattr(ReproductionRun._meta.get_field("log_file"), "storage", store)
    run = execute_run(queued_run().pk)
    store.delete(run.log_file.name)
    response = client.get(reverse("reproduction-run-log", args=[run.pk]))
    assert response.status_code == 404
