"""The same data gives the same bytes: a release rebuilt from unchanged
data has every file's hash equal to the one published, whenever it is
built, and its archive holds exactly those files, dated the release date."""

import hashlib
import io
import time
import zipfile

import pytest

from releases import building
from releases.services import previous_document, publish_release

from .conftest import FIRST, SECOND, stored_bytes

pytestmark = pytest.mark.django_db


def _hashes(built):
    return {f.name: f.sha256 for f in built.files}


def test_a_release_rebuilt_from_the_same_data_has_the_same_hashes(published, reproduction):
    # `reproduction` adds rows after the first release: the second compares with it.
    second = publish_release(SECOND)
    time.sleep(1.1)  # a clock read anywhere (even to the second) would show
    rebuilt = building.build_release(SECOND, previous_document(published))
    assert _hashes(rebuilt) == {entry["name"]: entry["sha256"] for entry in second.files}
    for entry in second.files:
        assert hashlib.sha256(stored_bytes(second, entry["name"])).hexdigest() == entry["sha256"]
        assert len(stored_bytes(second, entry["name"])) == entry["bytes"]


def test_two_builds_of_the_same_day_are_byte_for_byte_equal(record, reproduction, pipeline_check):
    first = building.build_release(FIRST, None)
    again = building.build_release(FIRST, None)
    assert [(f.name, f.content) for f in first.files] == [(f.name, f.content) for f in again.files]


def test_only_the_release_date_is_written_in_the_files(record):
    built = building.build_release(FIRST, None)
    dataset = built.file("dataset.json").content.decode()
    assert '"exported_at": "2025-01-06T00:00:00+00:00"' in dataset
    assert '"release": "2025-01-06"' in dataset
    readme = built.file("README.md").content.decode()
    assert "6 January 2025" in readme and "2025-01-06" in readme


def test_the_archive_holds_every_file_in_one_folder_dated_the_release_date(record):
    built = building.build_release(FIRST, None)
    archive = zipfile.ZipFile(io.BytesIO(built.files[0].content))
    names = archive.namelist()
    inside = sorted(f.name for f in built.files[1:])
    assert names == [f"aikb-dataset-2025-01-06/{name}" for name in inside]
    for info in archive.infolist():
        assert info.date_time == (2025, 1, 6, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100444
        assert archive.read(info) == built.file(info.filename.split("/", 1)[1]).content
    assert built.files[0].name == "aikb-dataset-2025-01-06.zip"
