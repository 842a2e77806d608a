"""Two publishers of the same date at once (a second beat firing, a command
run by hand meanwhile): one release, the loser's files never reach the
winner's folder, nothing staged is left behind. Real threads, real
transactions."""

import threading

import pytest
from django.db import connection

from releases import building, files
from releases.models import Release
from releases.services import publish_release, verify_release

from .conftest import FIRST, build_public_incident

AVAILABLE_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.postgres",
    "simple_history",
    "incidents",
    "reproductions",
    "imports",
    "releases",
    "reporting",  # serious-incident reports are release tables
]
pytestmark = pytest.mark.django_db(transaction=True, available_apps=AVAILABLE_APPS)


def test_two_publishers_of_one_date_at_once_make_one_release(monkeypatch):
    build_public_incident()
    both_built = threading.Barrier(2, timeout=60)
    build = building.build_release
    staged = []
    stage = files.stage

    def build_then_wait(*args, **kwargs):
        built = build(*args, **kwargs)
        both_built.wait()  # neither has claimed the date yet: both will try
        return built

    def stage_and_note(*args, **kwargs):
        folder = stage(*args, **kwargs)
        staged.append(folder)
        return folder

    monkeypatch.setattr(building, "build_release", build_then_wait)
    monkeypatch.setattr(files, "stage", stage_and_note)
    answers, errors = [], []

    def publish():
        try:
            answers.append(publish_release(FIRST))
        except Exception as error:  # shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(staged) == 2  # both really built and staged
    assert len(answers) == 2 and answers[0].pk == answers[1].pk
    release = Release.objects.get()
    assert verify_release(release) == []
    assert not any((files.root() / files.STAGING).iterdir())


def test_a_release_is_built_from_one_snapshot_of_the_data(monkeypatch):
    build_public_incident()
    build = building.build_release
    seen = []

    def build_and_look(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            seen.append(cursor.fetchone()[0])
        return build(*args, **kwargs)

    monkeypatch.setattr(building, "build_release", build_and_look)
    assert publish_release(FIRST) is not None
    assert seen == ["repeatable read"]
