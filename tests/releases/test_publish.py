"""Publishing: idempotent, dated forward, immutable once published; its
files verified by their checksums; the previous release's data checked
before a changelog is made from it; and a release loads into an empty
installation."""

import hashlib
import json
import os
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from editorial.dataset import import_dataset
from incidents.models import Claim, Incident
from releases import building, files
from releases.models import Release, ReleaseIsImmutable
from releases.services import ReleaseError, publish_release, today, verify_release
from reproductions.models import Verdict

from .conftest import FIRST, SECOND, THIRD, stored_bytes, stored_dataset

pytestmark = pytest.mark.django_db


def _stats(release):
    return {entry["name"]: os.stat(files.folder(release.version_name) / entry["name"]) for entry in release.files}


def test_a_second_publish_of_the_same_date_returns_the_release_and_never_rewrites_its_files(
        published, record, monkeypatch):
    monkeypatch.setattr(building, "build_release", lambda *args: pytest.fail("built again"))
    before = _stats(published)
    contents = {entry["name"]: stored_bytes(published, entry["name"]) for entry in published.files}
    Incident.objects.filter(pk=record.public.pk).update(title="Changed after the release")
    again = publish_release(FIRST)
    assert again.pk == published.pk and Release.objects.count() == 1
    after = _stats(published)
    for name, stat in before.items():
        assert (after[name].st_ino, after[name].st_mtime_ns, after[name].st_size) == (
            stat.st_ino, stat.st_mtime_ns, stat.st_size), name
        assert stored_bytes(published, name) == contents[name]
    assert b"Changed after the release" not in stored_bytes(published, "dataset.json")


def test_stored_files_are_read_only_and_listed_with_their_size_and_sha256(published):
    assert published.files[0]["name"] == "aikb-dataset-2025-01-06.zip"
    assert [e["name"] for e in published.files[1:5]] == ["dataset.json", "schema.json", "README.md", "SHA256SUMS"]
    folder = files.folder(published.version_name)
    assert sorted(p.name for p in folder.iterdir()) == sorted(e["name"] for e in published.files)
    for entry in published.files:
        path = folder / entry["name"]
        assert path.stat().st_mode & 0o777 == 0o444
        assert path.stat().st_size == entry["bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert published.dataset_sha256 == published.file_named("dataset.json")["sha256"]
    assert published.counts["incidents"] == 1 and published.counts["claims"] == 1


def test_checksums_verify_with_sha256sum(published):
    sums = stored_bytes(published, "SHA256SUMS").decode().splitlines()
    listed = {entry["name"]: entry["sha256"] for entry in published.files}
    assert len(sums) == len(published.files) - 2  # all but the archive and SHA256SUMS itself
    for line in sums:
        digest, name = line.split("  ")
        assert listed[name] == digest
    assert [line.split("  ")[1] for line in sums] == sorted(line.split("  ")[1] for line in sums)
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"],
                               cwd=files.folder(published.version_name), capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    assert verify_release(published) == []


def test_a_missing_or_altered_file_is_reported(published):
    folder = files.folder(published.version_name)
    (folder / "claims.csv").chmod(0o644)
    (folder / "claims.csv").write_bytes(b"id\r\n")
    (folder / "metrics.csv").unlink()
    problems = {(p.name, p.reason.split(" ")[0]) for p in verify_release(published)}
    assert problems == {("claims.csv", "SHA-256"), ("metrics.csv", "missing")}
    with pytest.raises(Exception, match="claims.csv: SHA-256 is"):
        call_command("verify_releases")


def test_the_changelog_is_not_made_from_an_altered_or_missing_previous_release(published):
    path = files.folder(published.version_name) / "dataset.json"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b"reverse SSH", b"forward SSH"))
    with pytest.raises(ReleaseError, match="not the file published"):
        publish_release(SECOND)
    path.unlink()
    with pytest.raises(ReleaseError, match="missing"):
        publish_release(SECOND)
    assert Release.objects.count() == 1
    assert not any((files.root() / files.STAGING).iterdir())  # nothing staged is left behind


def test_releases_are_dated_forward_and_never_in_the_future(published):
    with pytest.raises(ReleaseError, match="in the future"):
        publish_release(today().replace(year=today().year + 1))
    second = publish_release(THIRD)
    with pytest.raises(ReleaseError, match="must be dated after it"):
        publish_release(SECOND)
    assert publish_release(FIRST) == published  # an existing date still answers
    assert second.previous == published and second.changelog["previous"] == "2025-01-06"


def test_no_release_of_an_empty_record(db):
    Incident.objects.create(title="Draft", slug="draft", kind="incident", summary="x", severity=2, setting="deployment")
    assert publish_release(FIRST) is None
    assert Release.objects.count() == 0


def test_a_release_cannot_be_changed_or_deleted(published):
    published.changelog = {}
    with pytest.raises(ReleaseIsImmutable):
        published.save()
    with pytest.raises(ReleaseIsImmutable):
        published.delete()
    with pytest.raises(ReleaseIsImmutable):
        Release.objects.filter(pk=published.pk).update(dataset_sha256="0" * 64)
    with pytest.raises(ReleaseIsImmutable):
        Release.objects.all().delete()
    assert Release.objects.get(pk=published.pk).changelog["previous"] is None


def test_a_folder_left_by_a_publisher_that_died_is_replaced(record):
    leftover = files.folder("2025-01-06")
    leftover.mkdir(parents=True)
    (leftover / "dataset.json").write_bytes(b"half written")
    (leftover / "junk.tmp").write_bytes(b"junk")
    release = publish_release(FIRST)
    assert sorted(p.name for p in leftover.iterdir()) == sorted(e["name"] for e in release.files)
    assert verify_release(release) == []


def test_a_release_loads_into_an_empty_installation(published, reproduction):
    release = publish_release(SECOND)
    document = stored_dataset(release)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending foreign-key checks
    call_command("flush", "--noinput", verbosity=0)
    assert not Incident.objects.exists()
    counts = import_dataset(document)
    assert counts["incidents.incident"] == 1 and Claim.objects.count() == release.counts["claims"] == 1
    assert Verdict.objects.count() == release.counts["verdicts"] == 1
    assert Incident.objects.get().title == "Agent opened a reverse SSH tunnel"


def test_a_record_that_disagrees_with_sha256sums_is_reported(published):
    # The row is immutable to the application; a hand-made SQL change is what this catches.
    files_listed = [dict(entry) for entry in published.files]
    claims = next(entry for entry in files_listed if entry["name"] == "claims.csv")
    claims["sha256"] = "0" * 64
    with connection.cursor() as cursor:
        cursor.execute("UPDATE releases_release SET files = %s::jsonb WHERE id = %s",
                       [json.dumps(files_listed), published.pk])
    problems = [str(p) for p in verify_release(Release.objects.get(pk=published.pk))]
    assert "2025-01-06/claims.csv: SHA256SUMS and the release's record disagree" in problems


def test_a_failed_write_leaves_nothing_staged_and_no_release(record, monkeypatch):
    written = []

    def fsync_then_fail(descriptor):
        written.append(descriptor)
        if len(written) == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", fsync_then_fail)
    with pytest.raises(OSError, match="No space left"):
        publish_release(FIRST)
    assert not Release.objects.exists()
    assert not any((files.root() / files.STAGING).iterdir())
    assert not files.folder("2025-01-06").exists()
