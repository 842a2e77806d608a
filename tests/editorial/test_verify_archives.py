"""`manage.py verify_archives`: every archived copy is hashed again; a
mismatch or a missing file is reported and the exit code is non-zero."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def archived(content: bytes, name="snapshot.html"):
    # As the admin's upload does: the digest is taken when the file is first stored.
    source = SourceFactory(archived_file=ContentFile(content, name=name))
    assert len(source.archived_sha256) == 64
    return source


def test_intact_archives_pass(capsys):
    archived(b"<html>first</html>")
    archived(b"%PDF-1.7 second", "paper.pdf")
    call_command("verify_archives", verbosity=0)
    assert "2 archived copies checked, 0 problems." in capsys.readouterr().out


def test_a_changed_file_and_a_missing_file_fail_the_check(capsys):
    intact = archived(b"<html>kept</html>")
    changed = archived(b"<html>original</html>")
    missing = archived(b"<html>gone</html>")
    with open(changed.archived_file.path, "wb") as handle:
        handle.write(b"<html>tampered</html>")
    missing.archived_file.storage.delete(missing.archived_file.name)

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_archives", verbosity=0)

    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert "3 archived copies checked, 2 problems." in out
    assert f"mismatch: source {changed.pk}" in err
    assert f"stored {changed.archived_sha256}" in err
    assert f"missing: source {missing.pk}" in err
    assert f"source {intact.pk}" not in err
