"""Webhook subscriptions, the events they receive and their deliveries.

A token holder's `Subscription` names a receiver URL, the event types it
wants and optional filters. Each public change makes one `Event` (its
stable `msg_...` id is the `webhook-id` header, so a receiver can drop
repeats); the event is fanned out to the matching subscriptions as one
`Delivery` each, and every try at sending it is an `Attempt`, kept for the
owner to read. Delivery is at least once: a delivery stays pending, and is
retried on the schedule of webhooks.delivery, until the receiver answers
2xx or the schedule ends (then it is failed, with the reason, and the owner
may replay it).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from incidents.models import AISystem, Organisation, TaxonomyTerm

from .address_policy import validate_receiver_url
from .signing import new_secret


class EventType(models.TextChoices):
    INCIDENT_CREATED = "incident.created", "A new incident is published"
    INCIDENT_UPDATED = "incident.updated", "A published incident is changed"
    CLAIM_STATUS_CHANGED = "claim.status_changed", "A claim's status changes"
    VERDICT_CREATED = "verdict.created", "A reproduction run gives a verdict"


# Sent only by the owner's "test" action, never to other subscriptions.
TEST_EVENT = "webhook.test"


def default_events() -> list[str]:
    return list(EventType.values)


class Subscription(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.CharField(
        max_length=2000,
        validators=[validate_receiver_url],
        help_text="The receiver: an http(s) URL whose host resolves to public internet addresses only.",
    )
    description = models.CharField(max_length=200, blank=True, help_text="What the receiver is, for its owner.")
    events = ArrayField(
        models.CharField(max_length=40, choices=EventType.choices),
        default=default_events,
        help_text="The event types sent to this receiver.",
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="webhook_subscriptions",
        help_text="Only incidents naming one of these organisations (none: any).",
    )
    systems = models.ManyToManyField(
        AISystem, blank=True, related_name="webhook_subscriptions",
        help_text="Only incidents naming one of these AI systems (none: any).",
    )
    taxonomy = models.ManyToManyField(
        TaxonomyTerm, blank=True, related_name="webhook_subscriptions",
        help_text="Only incidents classified under one of these terms or a narrower one (none: any).",
    )
    # Standard Webhooks' form: "whsec_" + base64 of 32 random bytes. Kept in
    # clear because every delivery is signed with it; shown to the owner once.
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # After a rotation the old secret also signs, until this time, so a
    # receiver can switch without dropping deliveries (webhooks.signing).
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True, help_text="Paused subscriptions receive no new events.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "webhook subscription"
        constraints = [
            models.CheckConstraint(condition=~Q(events=[]), name="webhook_subscription_has_events"),
            models.CheckConstraint(condition=Q(secret__startswith="whsec_"), name="webhook_subscription_secret_form"),
        ]
        indexes = [models.Index(fields=["owner", "-created"], name="webhook_subscription_owner")]

    def __str__(self):
        return f"{self.url} ({self.owner})"


class Event(models.Model):
    """One public change, as sent: the same id and body on every attempt
    and replay."""

    id = models.CharField(primary_key=True, max_length=40, editable=False, help_text="The webhook-id header.")
    type = models.CharField(max_length=40, db_index=True)
    # One event per change, whoever reports it (a change saved twice in a
    # transaction, a signal and a retry): "incident:12:<updated>", "claim-status-change:7".
    key = models.CharField(max_length=200, unique=True, editable=False)
    payload = models.JSONField(help_text="{type, timestamp, data}: the body sent.")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.type} {self.id}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (will be tried)"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (retries used up)"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made, replays included.")
    # Position in the retry schedule of the current round (a replay starts a
    # new round); webhooks.delivery.RETRY_DELAYS.
    round_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When a worker may try next (while a worker tries, the end of its lease); empty once settled.",
    )
    # When a task for it was last handed to the broker; cleared when a worker
    # takes it. send_due sends again only what no task is on its way for.
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why the last attempt failed, in words.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once_per_subscription"),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_has_next_attempt",
            ),
        ]
        indexes = [
            # What send_due reads every minute: the pending ones, soonest first.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["subscription", "-created"], name="webhook_delivery_subscription"),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.subscription_id}: {self.status}"


class Attempt(models.Model):
    """One try at sending a delivery: when, what the receiver answered, and why it failed."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Empty while it runs, or if its worker died.")
    address = models.CharField(max_length=60, blank=True, help_text="The IP address connected to.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True, help_text="The start of the receiver's answer.")

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_once")]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error
