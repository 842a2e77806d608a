"""An archived copy's SHA-256 is taken whichever way the file is attached."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Source
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_upload_through_a_form_is_hashed_on_save():
    source = SourceFactory.build(archived_file=SimpleUploadedFile("snapshot.html", b"<p>first</p>"))
    source.save()
    source.refresh_from_db()
    assert source.archived_sha256 == sha(b"<p>first</p>")
    assert source.archived_at is not None


def test_file_saved_through_the_field_is_hashed_and_a_replacement_rehashed():
    source = SourceFactory()
    source.archived_file.save("paper.pdf", ContentFile(b"%PDF-1 first"))
    assert Source.objects.get(pk=source.pk).archived_sha256 == sha(b"%PDF-1 first")

    source.archived_file.save("paper-v2.pdf", ContentFile(b"%PDF-1 second"))
    assert Source.objects.get(pk=source.pk).archived_sha256 == sha(b"%PDF-1 second")


def test_removing_the_copy_clears_its_hash():
    source = SourceFactory()
    source.archived_file.save("paper.pdf", ContentFile(b"data"))
    source.archived_file = ""
    source.save()
    assert Source.objects.get(pk=source.pk).archived_sha256 == ""
