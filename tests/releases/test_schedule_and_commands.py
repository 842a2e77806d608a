"""The weekly beat entry (editable in the admin), its thin task, the
management commands and the read-only admin."""

import io

import pytest
from celery import current_app
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from releases import services
from releases.models import Release
from releases.tasks import publish_weekly_release

from .conftest import FIRST

pytestmark = pytest.mark.django_db


def test_beat_publishes_a_release_every_monday_at_six_utc(db):
    periodic = PeriodicTask.objects.select_related("crontab").get(name="Weekly dataset release")
    assert periodic.task == "releases.tasks.publish_weekly_release" and periodic.enabled
    assert (periodic.crontab.minute, periodic.crontab.hour, periodic.crontab.day_of_week) == ("0", "6", "1")
    assert str(periodic.crontab.timezone) == "UTC" and periodic.queue == "default"
    assert publish_weekly_release.name == periodic.task
    assert periodic.task in current_app.tasks


def test_the_task_publishes_today_once(record, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: FIRST)
    assert publish_weekly_release() == "2025-01-06"
    assert publish_weekly_release() == "2025-01-06"
    assert Release.objects.count() == 1


def test_the_task_publishes_nothing_while_nothing_is_public(db, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: FIRST)
    assert publish_weekly_release() is None


def test_the_command_publishes_a_date_and_answers_with_it_again(record):
    out = io.StringIO()
    call_command("publish_release", "--date", "2025-01-06", stdout=out)
    assert "Release 2025-01-06: 1 incidents" in out.getvalue() and "/data/2025-01-06/" in out.getvalue()
    call_command("publish_release", "--date", "2025-01-06", stdout=out)
    assert Release.objects.count() == 1


def test_the_command_on_first_start_publishes_only_while_there_is_none(record, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: FIRST)
    out = io.StringIO()
    call_command("publish_release", "--if-none", stdout=out)
    assert Release.objects.get().version == FIRST
    monkeypatch.setattr(services, "today", lambda: FIRST.replace(day=20))
    call_command("publish_release", "--if-none", stdout=out)
    assert Release.objects.count() == 1
    assert "Releases exist already (latest 2025-01-06): none published." in out.getvalue()


@pytest.mark.parametrize("date, message", [
    ("06/01/2025", "is not a date: write it as 2026-12-07"),
    ("2999-01-01", "is in the future"),
])
def test_the_command_refuses_bad_dates_with_a_clear_message(record, date, message):
    with pytest.raises(CommandError, match=message):
        call_command("publish_release", "--date", date, stdout=io.StringIO())


def test_verify_releases_reports_every_file_as_published(published):
    out = io.StringIO()
    call_command("verify_releases", stdout=out)
    assert "1 release checked: every file is as published." in out.getvalue()
    call_command("verify_releases", "2025-01-06", stdout=out)
    with pytest.raises(CommandError, match="No release has these dates: 2025-01-07"):
        call_command("verify_releases", "2025-01-07")
    with pytest.raises(CommandError, match="by their dates"):
        call_command("verify_releases", "yesterday")


def test_the_admin_lists_releases_read_only(admin_client, published):
    assert admin_client.get("/admin/releases/release/").status_code == 200
    assert "2025-01-06" in admin_client.get("/admin/releases/release/").content.decode()
    assert admin_client.get("/admin/releases/release/add/").status_code == 403
    page = admin_client.get(f"/admin/releases/release/{published.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/releases/release/{published.pk}/change/", {}).status_code == 403
    assert admin_client.get(f"/admin/releases/release/{published.pk}/delete/").status_code == 403
    assert Release.objects.get().changelog == published.changelog
