"""The beat schedule that re-runs harnesses on their models, created once so
it can be edited (or disabled) in the admin under Periodic tasks. The task
queues only the harness × model pairs whose last run is older than the
harness's rerun_every_days."""

from django.db import migrations

NAME = "Re-run due reproductions"
TASK = "reproductions.tasks.schedule_reproductions"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "queue": "default",
            "description": "Queue a run of every active harness on each of its models whose last run is due.",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reproductions", "0003_run_attempts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
