"""Where a release's files live, and how they get there without ever
changing a published one.

They sit in MEDIA_ROOT/releases/<version>/, beside the briefing PDFs
(MEDIA_ROOT/briefings/), in the default file storage. A publisher writes
the files to a folder of its own under releases/.staging/ (each file
created, never opened for writing twice, flushed to disk and made read
only), then claims the date by inserting the release row, and only then
moves the folder into place, in one rename, before its transaction
commits (releases.services). So:

- a publisher that loses the race for a date (the row exists) never
  touches the winner's folder: it deletes its own staging folder;
- a folder with no row (a publisher died between the rename and the
  commit) belongs to nobody, since whoever holds the uncommitted row holds
  the date, and is replaced by the next publisher of that date;
- downloads are served by name from the row's list only, so a staging
  folder or a leftover is never served.
"""

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from django.core.files.storage import default_storage

FOLDER = "releases"
STAGING = ".staging"
CHUNK = 1024 * 1024


def root() -> Path:
    return Path(default_storage.path(FOLDER))


def storage_name(version_name: str, name: str) -> str:
    """The file's name in the default storage."""
    return f"{FOLDER}/{version_name}/{name}"


def folder(version_name: str) -> Path:
    return root() / version_name


def stage(version_name: str, files) -> Path:
    """Write `files` (name and content) to a new staging folder; returns it."""
    staging = root() / STAGING / f"{version_name}-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        for built in files:
            path = staging / built.name
            with open(path, "xb") as handle:  # created here, never overwritten
                handle.write(built.content)
                handle.flush()
                os.fsync(handle.fileno())
            path.chmod(0o444)
        _sync_folder(staging)
    except BaseException:
        discard(staging)
        raise
    return staging


def move_into_place(staging: Path, version_name: str) -> Path:
    """Rename the staging folder to the release's folder. The caller holds
    the release's row, uncommitted: a folder already there is a leftover
    of a publisher that died before committing, and is removed first."""
    final = folder(version_name)
    if final.exists():
        discard(final)
    os.rename(staging, final)
    _sync_folder(final.parent)
    return final


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _sync_folder(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sha256_of(version_name: str, name: str) -> str | None:
    """The SHA-256 of a stored file, read now; None when it is missing."""
    digest = hashlib.sha256()
    try:
        with default_storage.open(storage_name(version_name, name), "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def read(version_name: str, name: str) -> bytes:
    with default_storage.open(storage_name(version_name, name), "rb") as handle:
        return handle.read()
