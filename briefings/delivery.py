"""Sending each due subscription its digest exactly once per period.

`plan_deliveries` records one `DigestDelivery` per confirmed subscription and
period (a unique row, so two beats firing create one). `deliver` claims the
row with a single conditional UPDATE (pending or failed -> sending) before
anything is sent: only one worker can win the claim, and a retry finds the
row `sent` and stops. A failure before or during sending marks it `failed`
with the reason, for the task to retry with backoff.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .digests import DigestFilter, build_digest, previous_period
from .emails import digest_message
from .models import DigestDelivery, Subscription

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


def _claim(delivery_id: int) -> bool:
    claimed = DigestDelivery.objects.filter(
        pk=delivery_id, status__in=[DigestDelivery.Status.PENDING, DigestDelivery.Status.FAILED]
    ).update(status=DigestDelivery.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
    return claimed == 1


def _record(delivery_id: int, **fields) -> None:
    DigestDelivery.objects.filter(pk=delivery_id).update(**fields)


def deliver(delivery_id: int) -> str:
    """Send one delivery's digest unless it was already claimed or sent.
    Returns the resulting status; raises DeliveryFailed (recorded) on errors."""
    if not _claim(delivery_id):
        return DigestDelivery.objects.values_list("status", flat=True).get(pk=delivery_id)
    delivery = DigestDelivery.objects.select_related(
        "subscription__taxonomy", "subscription__organisation"
    ).get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active:
        _record(delivery_id, status=DigestDelivery.Status.SKIPPED, last_error="The subscription is no longer active.")
        return DigestDelivery.Status.SKIPPED
    try:
        digest = build_digest(
            subscription.cadence, delivery.period_start, delivery.period_end, DigestFilter.for_subscription(subscription)
        )
        if digest is None:
            _record(delivery_id, status=DigestDelivery.Status.SKIPPED, last_error="Nothing new in this period.")
            return DigestDelivery.Status.SKIPPED
        message = digest_message(subscription, digest)
        message.send()
    except Exception as error:
        logger.warning("Digest delivery %s failed: %s", delivery_id, error)
        _record(delivery_id, status=DigestDelivery.Status.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000])
        raise DeliveryFailed(str(error)) from error
    _record(delivery_id, status=DigestDelivery.Status.SENT, sent_at=timezone.now(), digest=digest, last_error="")
    return DigestDelivery.Status.SENT
