"""The beat schedules that send digests, created once so they can be edited
(or disabled) in the admin under Periodic tasks."""

import json

from django.db import migrations

SCHEDULES = [
    # name, cadence, crontab (minute, hour, day_of_week, day_of_month)
    ("Daily digests", "daily", ("0", "6", "*", "*")),
    ("Weekly digests", "weekly", ("0", "6", "1", "*")),
    ("Monthly digests", "monthly", ("0", "6", "*", "1")),
]
TASK = "briefings.tasks.send_due_digests"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, cadence, (minute, hour, day_of_week, day_of_month) in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month=day_of_month,
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": TASK,
                "crontab": crontab,
                "args": json.dumps([cadence]),
                "queue": "default",
                "description": f"Send the {cadence} digest of the last complete period to every confirmed subscriber.",
            },
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES], task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
