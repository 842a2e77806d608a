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


def _is_new_file(source) -> bool:
    """True when the archived copy is not the one whose hash is stored: an
    upload not yet in storage (admin forms), or a file already written by
    `archived_file.save()` under a name the database does not hold yet."""
    field = source.archived_file
    if not field._committed or not source.archived_sha256:
        return True
    if source.pk is None:
        return False
    stored = type(source).objects.filter(pk=source.pk).values_list("archived_file", flat=True).first()
    return stored != field.name


def record_archive_hash(source) -> None:
    """Hash a newly attached archived copy; clear the hash when it is removed."""
    field = source.archived_file
    if not field:
        source.archived_sha256 = ""
        return
    if _is_new_file(source):
        if field._committed:
            with field.storage.open(field.name, "rb") as stored:
                source.archived_sha256 = sha256_of(stored)
        else:
            source.archived_sha256 = sha256_of(field.file)
        if source.archived_at is None:
            source.archived_at = timezone.now()
