"""The beat schedule that publishes the weekly release, created once so it
can be edited (or disabled) in the admin under Periodic tasks. (An entry in
CELERY_BEAT_SCHEDULE would be written over on every start of beat, losing
an editor's changes.)"""

from django.db import migrations

NAME = "Weekly dataset release"
TASK = "releases.tasks.publish_weekly_release"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Mondays at 06:00 UTC, with the weekly digests.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "queue": "default",
            "description": "Publish the week's immutable release of the public dataset at /data/ "
            "(idempotent: a second run on the same day answers with the release made).",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
