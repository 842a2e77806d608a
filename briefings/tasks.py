"""Celery tasks: thin, by id, safe to run twice.

Tasks named `render_*` go to the `pdf` queue (CELERY_TASK_ROUTES), because
they render PDFs; `send_due_digests` only plans and runs on `default`.
"""

import logging

from celery import shared_task
from celery.signals import worker_process_init

from config.queueing import send

from . import delivery, services

logger = logging.getLogger(__name__)


@worker_process_init.connect
def warm_up_renderer(**kwargs):
    """Each worker process loads fonts and the stylesheet before its first task."""
    from .pdf import warm_up

    try:
        warm_up()
    except Exception:  # a broken renderer shows up, with its reason, on the first briefing instead
        logger.exception("PDF renderer warm-up failed")


@shared_task(name="briefings.tasks.render_briefing_pdf")
def render_briefing_pdf(briefing_id: int) -> str:
    return services.render_briefing(briefing_id).status


@shared_task(name="briefings.tasks.send_due_digests")
def send_due_digests(cadence: str) -> int:
    """Called by django-celery-beat: queue the last period's digest for every
    confirmed subscription of this cadence."""
    delivery_ids = delivery.plan_deliveries(cadence)
    for delivery_id in delivery_ids:
        # A delivery the broker does not take now stays pending; requeue_undispatched sends it later.
        send(render_and_send_digest, delivery_id)
    return len(delivery_ids)


@shared_task(name="briefings.tasks.requeue_undispatched")
def requeue_undispatched() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): send what a broker outage held back."""
    return delivery.requeue_undispatched()


@shared_task(
    bind=True,
    name="briefings.tasks.render_and_send_digest",
    autoretry_for=(delivery.DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def render_and_send_digest(self, delivery_id: int) -> str:
    return delivery.deliver(delivery_id)
