"""Sending Celery tasks so that a broker outage loses no request.

Every piece of background work is first recorded in the database (a queued
briefing, a queued reproduction run) and only then sent to the broker, after
the transaction commits. When the broker cannot be reached, `send` logs it
and returns None instead of raising: the user still gets their 202 and the
record stays queued without a task, and each app's periodic "requeue" task
sends it again once the broker is back. Workers' tasks are idempotent, so a
record sent twice is still done once.
"""

import logging

from celery.exceptions import CeleryError
from django.db import transaction
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

# Give up quickly: the request is recorded, so the user need not wait for the broker.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
BROKER_ERRORS = (KombuError, CeleryError, OSError)


def send(task, *args, **kwargs) -> str | None:
    """Publish `task(*args, **kwargs)`; its id, or None when the broker is unreachable."""
    try:
        return task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY).id
    except BROKER_ERRORS as error:
        logger.warning("Broker unreachable; %s%r stays recorded and will be requeued: %s", task.name, args, error)
        return None


def send_on_commit(task, *args, on_sent=None) -> None:
    """`send` once the current transaction commits; `on_sent(task_id)` is
    called with the id when the broker accepted the task."""

    def publish():
        task_id = send(task, *args)
        if task_id and on_sent:
            on_sent(task_id)

    transaction.on_commit(publish)
