"""Archived copies of sources: their SHA-256 is taken when the file is stored
and can be re-checked later."""

import hashlib

from django.utils import timezone


def sha256_of(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def record_archive_hash(source) -> None:
    """Hash a newly attached archived copy (an upload not yet committed to storage)."""
    field = source.archived_file
    if field and not field._committed:
        source.archived_sha256 = sha256_of(field.file)
        if source.archived_at is None:
            source.archived_at = timezone.now()
    elif not field:
        source.archived_sha256 = ""
