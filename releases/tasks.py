"""Celery tasks: thin, safe to run twice (releases.services)."""

from celery import shared_task

from . import services


@shared_task(name="releases.tasks.publish_weekly_release")
def publish_weekly_release() -> str | None:
    """Called by django-celery-beat ("Weekly dataset release", editable in
    the admin under Periodic tasks): publish today's release, or answer
    with it if it exists."""
    release = services.publish_release()
    return release.version_name if release else None
