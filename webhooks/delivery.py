"""Sending deliveries: one attempt at a time, retried on a schedule, at
least once, never by two workers at once.

An attempt is *claimed* first, in one short transaction: the delivery row
is locked (`select_for_update(skip_locked=True)`: a second worker skips it
rather than waits), its attempt counted and logged, and its
`next_attempt_at` moved to the end of a lease. The HTTP request is made
outside any transaction; its outcome is recorded only if the delivery is
still at that attempt. So two workers never send the same attempt, and a
worker killed mid-attempt leaves a delivery that becomes due again when its
lease ends (its unfinished attempt is then logged as lost): at least once.

Retries follow Standard Webhooks' (Svix's) schedule after the first
attempt: 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and
10 hours; a receiver down for a day is still being tried, and after the
eighth failure (about 27.6 hours in) the delivery is failed with the last
reason. `send_due` (every minute) hands due deliveries to workers, so a
retry goes out within a minute of its time, and nothing is lost to a broker
outage: the rows wait. The owner may replay any delivery (a new round of
the schedule), or every failed one since a time.

2xx is success. Anything else fails the attempt with its reason: another
status (a 3xx included: redirects are not followed), a timeout, a
connection error, or an address the policy refuses at this attempt.
"""

import datetime
import time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.queueing import send

from .address_policy import RefusedAddress, check_url
from .events import DELIVER, dispatch_on_commit, event_body
from .models import Attempt, Delivery
from .signing import signature_headers, signing_secrets
from .transport import Outcome, post

RETRY_DELAYS = [
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=10),
]
ATTEMPTS_PER_ROUND = len(RETRY_DELAYS) + 1
# Longer than an attempt can last (connect + read timeouts, and the body read).
LEASE = datetime.timedelta(minutes=2)
# A task handed to the broker this long ago and not yet taken is sent again.
DISPATCH_GRACE = datetime.timedelta(minutes=5)
DUE_BATCH = 500
LOST_ATTEMPT = "The attempt did not finish: its worker stopped. Tried again."
PAUSED = "The subscription is paused; replay this delivery once it is active again."


class ReplayRefused(Exception):
    """A delivery cannot be replayed now (an attempt is under way)."""


def _claim(delivery_id: int, now: datetime.datetime) -> tuple[Delivery, Attempt] | None:
    """Lock a due delivery and start its next attempt; None when it is not
    due (settled, retrying later, or another worker holds it)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "subscription")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempt_log.filter(finished_at__isnull=True).update(finished_at=now, error=LOST_ATTEMPT)
        delivery.attempts += 1
        delivery.round_attempts += 1
        delivery.next_attempt_at = now + LEASE
        delivery.last_attempt_at = now
        delivery.dispatched_at = None
        delivery.save(update_fields=["attempts", "round_attempts", "next_attempt_at", "last_attempt_at",
                                     "dispatched_at", "updated"])
        attempt = Attempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now)
    return delivery, attempt


def _send(delivery: Delivery) -> Outcome:
    """One POST of the delivery's event to its subscription's receiver, on
    the addresses checked now (webhooks.address_policy, webhooks.transport)."""
    subscription = delivery.subscription
    try:
        target = check_url(subscription.url)
    except RefusedAddress as refusal:
        return Outcome(None, f"Not sent: {refusal}")
    body = event_body(delivery.event)
    sent_at = timezone.now()  # the receiver checks this against its clock
    headers = signature_headers(delivery.event_id, body, signing_secrets(subscription, sent_at), sent_at)
    return post(target, body, headers)


def attempt_delivery(delivery_id: int, now: datetime.datetime | None = None) -> str | None:
    """Make the delivery's next attempt if it is due, and record what
    happened; returns its status afterwards, or None when there was nothing
    to do. `now` is for tests that move the clock."""
    started = now or timezone.now()
    claimed = _claim(delivery_id, started)
    if claimed is None:
        return None
    delivery, attempt = claimed
    clock = time.monotonic()
    if not delivery.subscription.is_active:
        outcome, final = Outcome(None, PAUSED), True
    else:
        outcome, final = _send(delivery), False
    finished = started + datetime.timedelta(seconds=time.monotonic() - clock)
    return _record(delivery, attempt, outcome, finished, final)


def _record(delivery: Delivery, attempt: Attempt, outcome: Outcome, finished: datetime.datetime, final: bool) -> str:
    fields = {
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
        "updated": finished,
    }
    if outcome.ok:
        fields.update(status=Delivery.Status.SUCCEEDED, next_attempt_at=None)
    elif final or delivery.round_attempts >= ATTEMPTS_PER_ROUND:
        fields.update(status=Delivery.Status.FAILED, next_attempt_at=None)
        if not final:
            fields["last_error"] = f"{outcome.error} Gave up after {delivery.round_attempts} attempts."
    else:
        fields.update(next_attempt_at=finished + RETRY_DELAYS[delivery.round_attempts - 1])
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(
            finished_at=finished, status_code=outcome.status_code, error=outcome.error, address=outcome.address,
            response_excerpt=outcome.excerpt,
        )
        # Only while the delivery is still at this attempt: after a replay or
        # a lease that ran out, the newer attempt decides.
        Delivery.objects.filter(
            pk=delivery.pk, attempts=attempt.number, status=Delivery.Status.PENDING
        ).update(**fields)
    return fields.get("status", Delivery.Status.PENDING)


def due_deliveries(now: datetime.datetime):
    """Pending deliveries whose time has come and for which no task is on
    its way (none sent, or one sent long ago and lost), soonest first."""
    return Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - DISPATCH_GRACE)
    ).order_by("next_attempt_at")


def send_due(now: datetime.datetime | None = None) -> int:
    """Hand the due deliveries to workers (every minute, from beat). A
    delivery sent twice is still attempted once (`_claim`). Returns how many
    were sent; none while the broker is unreachable (they stay due)."""
    now = now or timezone.now()
    sent = 0
    for delivery_id in due_deliveries(now).values_list("pk", flat=True)[:DUE_BATCH]:
        if send(DELIVER, delivery_id) is None:
            break  # the broker is down: the next run tries again
        Delivery.objects.filter(pk=delivery_id).update(dispatched_at=timezone.now())
        sent += 1
    return sent


def replay(delivery: Delivery, now: datetime.datetime | None = None) -> Delivery:
    """Send the delivery again, whatever its status, as a new round of the
    retry schedule, with the same event id and body (receivers de-duplicate
    by `webhook-id`). Raises ReplayRefused while an attempt is under way."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        running = locked.attempt_log.filter(finished_at__isnull=True, started_at__gt=now - LEASE).exists()
        if running:
            raise ReplayRefused(f"Delivery {locked.pk} is being attempted now; replay it once the attempt ends.")
        locked.status = Delivery.Status.PENDING
        locked.round_attempts = 0
        locked.next_attempt_at = now
        locked.dispatched_at = None
        locked.save(update_fields=["status", "round_attempts", "next_attempt_at", "dispatched_at", "updated"])
        dispatch_on_commit(locked.pk)
    return locked


def replay_failed(subscription, since: datetime.datetime, now: datetime.datetime | None = None) -> int:
    """Replay every failed delivery of `subscription` created since `since`; how many."""
    count = 0
    for delivery in subscription.deliveries.filter(status=Delivery.Status.FAILED, created__gte=since).order_by("id"):
        replay(delivery, now)
        count += 1
    return count
