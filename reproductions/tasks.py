"""Celery tasks: thin, take ids, call one service. Safe to run twice."""

from celery import shared_task
from django.conf import settings

from .runner import execute_run
from .services import recover_lost_runs as recover_lost_run_ids
from .services import requeue_undispatched as requeue_undispatched_runs
from .services import schedule_reruns


@shared_task(
    name="reproductions.tasks.run_reproduction",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.AIKB_REPRODUCTION_TIME_LIMIT,
    time_limit=settings.AIKB_REPRODUCTION_TIME_LIMIT + 120,
)
def run_reproduction(run_id: int) -> str:
    """Routed to the `gpu` queue (settings.CELERY_TASK_ROUTES)."""
    return execute_run(run_id).status


@shared_task(name="reproductions.tasks.schedule_reproductions")
def schedule_reproductions(harness_ids=None, model_ids=None, force: bool = False) -> int:
    """Default queue: queue due runs over harnesses × models."""
    return len(schedule_reruns(harness_ids=harness_ids, model_ids=model_ids, force=force))


@shared_task(name="reproductions.tasks.requeue_undispatched")
def requeue_undispatched() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): send the runs a broker outage held back."""
    return requeue_undispatched_runs()


@shared_task(name="reproductions.tasks.recover_lost_runs")
def recover_lost_runs() -> int:
    """When a worker starts and every minute: runs whose worker died are sent again."""
    return len(recover_lost_run_ids())
