"""Sending each due subscription its digest exactly once per period.

`plan_deliveries` records one `DigestDelivery` per confirmed subscription and
period (a unique row, so two beats firing create one). `deliver` first renders
the digest (idempotent: the PDF is cached by the hash of its content), then
claims the row with a single conditional UPDATE (pending or failed -> sending)
and only the winner of the claim sends; a retry or a second task finds the row
`sent` and stops.

A worker killed while rendering (the long part) leaves the row `pending`, so
the redelivered task renders again and sends once. A worker killed in the
instant between the claim and the end of the SMTP exchange leaves it
`sending`: the email may or may not have left, so it is not sent again
automatically (the admin lists it); the Message-ID is derived from the
delivery, so a mail system that did get it can drop a copy. After checking
the mail log, an editor reopens it with the admin's "Send again" action
(`reopen`), which also serves a delivery that failed its last retry.
"""

import datetime
import logging

from celery import signature
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.queueing import send

from .digests import DigestFilter, build_digest, previous_period
from .emails import digest_message
from .models import DigestDelivery, Subscription
from .services import REQUEUE_AFTER, requeue_undispatched_renders

# Sent by name: briefings.tasks calls this module.
RENDER_AND_SEND_DIGEST = signature("briefings.tasks.render_and_send_digest")

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Sending failed and was recorded; the task retries it."""


def plan_deliveries(cadence: str, moment: datetime.datetime | None = None) -> list[int]:
    """Create the delivery rows of the last complete period for every
    confirmed, active subscription of `cadence`; return the ids still to send."""
    start, end = previous_period(cadence, moment)
    subscriptions = Subscription.objects.filter(
        cadence=cadence, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).values_list("pk", flat=True)
    for subscription_id in subscriptions:
        try:
            with transaction.atomic():
                DigestDelivery.objects.get_or_create(
                    subscription_id=subscription_id, period_start=start, defaults={"period_end": end}
                )
        except IntegrityError:  # another beat created it a moment ago
            pass
    return list(
        DigestDelivery.objects.filter(
            subscription__cadence=cadence,
            period_start=start,
            status__in=[DigestDelivery.Status.PENDING, DigestDelivery.Status.FAILED],
        ).values_list("pk", flat=True)
    )


OPEN = [DigestDelivery.Status.PENDING, DigestDelivery.Status.FAILED]


def _count_attempt(delivery_id: int) -> bool:
    """Count this attempt if the delivery is still open (pending or failed)."""
    return DigestDelivery.objects.filter(pk=delivery_id, status__in=OPEN).update(attempts=F("attempts") + 1) == 1


def _claim(delivery_id: int) -> bool:
    """Take the right to send: exactly one caller wins."""
    claimed = DigestDelivery.objects.filter(pk=delivery_id, status__in=OPEN).update(
        status=DigestDelivery.Status.SENDING, claimed_at=timezone.now()
    )
    return claimed == 1


def _record(delivery_id: int, only_if=None, **fields) -> None:
    rows = DigestDelivery.objects.filter(pk=delivery_id)
    if only_if:
        rows = rows.filter(status__in=only_if)
    rows.update(**fields)


def _status(delivery_id: int) -> str:
    return DigestDelivery.objects.values_list("status", flat=True).get(pk=delivery_id)


def _fail(delivery_id: int, error: Exception, only_if=None):
    reason = f"{type(error).__name__}: {error}"[:2000]
    logger.warning("Digest delivery %s failed: %s", delivery_id, reason)
    _record(delivery_id, only_if=only_if, status=DigestDelivery.Status.FAILED, last_error=reason)
    return DeliveryFailed(reason)


def deliver(delivery_id: int) -> str:
    """Send one delivery's digest unless it was already claimed or sent.
    Returns the resulting status; raises DeliveryFailed (recorded on the row,
    with the attempt counted) when rendering or sending fails."""
    if not _count_attempt(delivery_id):
        return _status(delivery_id)
    delivery = DigestDelivery.objects.select_related(
        "subscription__taxonomy", "subscription__organisation"
    ).get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active:
        _record(delivery_id, only_if=OPEN, status=DigestDelivery.Status.SKIPPED,
                last_error="The subscription is no longer active.")
        return _status(delivery_id)
    try:
        digest = build_digest(
            subscription.cadence, delivery.period_start, delivery.period_end, DigestFilter.for_subscription(subscription)
        )
        if digest is not None:
            message = digest_message(subscription, digest, message_key=f"delivery-{delivery_id}")
    except Exception as error:
        raise _fail(delivery_id, error, only_if=OPEN) from error
    if digest is None:
        _record(delivery_id, only_if=OPEN, status=DigestDelivery.Status.SKIPPED, last_error="Nothing new in this period.")
        return _status(delivery_id)
    if not _claim(delivery_id):
        return _status(delivery_id)
    try:
        message.send()
    except Exception as error:
        # Nothing was accepted by the mail server: the row is reopened for the retry.
        raise _fail(delivery_id, error) from error
    _record(delivery_id, status=DigestDelivery.Status.SENT, sent_at=timezone.now(), digest=digest, last_error="")
    return DigestDelivery.Status.SENT


REOPENABLE = [DigestDelivery.Status.SENDING, DigestDelivery.Status.FAILED]


def reopen(delivery_ids) -> list[int]:
    """Make deliveries stuck in `sending` or `failed` pending again, as new
    (attempts back to 0, so an undispatched one is requeued like any other),
    saying so in `last_error`. Returns the ids reopened; sent, skipped and
    pending ones are left as they are."""
    with transaction.atomic():
        rows = list(
            DigestDelivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), status__in=REOPENABLE)
            .values_list("pk", "status", "attempts")
        )
        for pk, status, attempts in rows:
            DigestDelivery.objects.filter(pk=pk).update(
                status=DigestDelivery.Status.PENDING, attempts=0, claimed_at=None,
                last_error=f"Reopened by an editor, after {attempts} attempt(s), from '{status}'.",
            )
    return [pk for pk, _, _ in rows]


def send_again(delivery_ids) -> tuple[int, int]:
    """Reopen the given digest deliveries (see reopen) and queue each.
    Returns (reopened, queued); one the broker did not take now is queued
    by requeue_undispatched once it is back."""
    reopened = reopen(delivery_ids)
    queued = sum(bool(send(RENDER_AND_SEND_DIGEST, delivery_id)) for delivery_id in reopened)
    return len(reopened), queued


def requeue_undispatched(now: datetime.datetime | None = None) -> int:
    """Send the renders and digest deliveries recorded while the broker was
    unreachable (see config.queueing). Both tasks are idempotent, so one
    sent twice is still done once. Returns how many were sent."""
    now = now or timezone.now()
    sent = requeue_undispatched_renders(now)
    for delivery_id in DigestDelivery.objects.filter(
        status=DigestDelivery.Status.PENDING, attempts=0, created__lt=now - REQUEUE_AFTER
    ).values_list("pk", flat=True):
        sent += bool(send(RENDER_AND_SEND_DIGEST, delivery_id))
    return sent
