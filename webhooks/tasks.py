"""Celery tasks: thin, take ids, call one service. Safe to run twice."""

from celery import shared_task

from .delivery import attempt_delivery
from .delivery import send_due as send_due_deliveries


@shared_task(name="webhooks.tasks.deliver")
def deliver(delivery_id: int) -> str | None:
    """One attempt at a delivery, if it is due (a second copy of the task
    finds it taken and does nothing)."""
    return attempt_delivery(delivery_id)


@shared_task(name="webhooks.tasks.send_due")
def send_due() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): hand due deliveries and retries to workers."""
    return send_due_deliveries()
