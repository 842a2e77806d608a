"""Rendered PDFs (incident briefings and digests), digest subscriptions and
the record of each digest email sent.

A `Briefing` is one stored render, keyed by the SHA-256 of its inputs: the same
content never renders twice, a changed incident gets a new row. A
`DigestDelivery` is claimed in the database before an email leaves, so a retry
or a second beat never sends the same digest twice.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse

from incidents.models import Incident, Organisation, TaxonomyTerm


class Cadence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


def briefing_upload_path(instance, filename):
    return f"briefings/{instance.input_hash[:2]}/{filename}"


class Briefing(models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident", "Incident briefing"
        DIGEST = "digest", "Digest"
        REPORT = "report", "Serious-incident report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    title = models.CharField(max_length=400)
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="briefings"
    )
    input_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the HTML, stylesheet and renderer version rendered."
    )
    # The exact document rendered (generation time left as a placeholder), so a
    # queued render produces what was hashed even if the incident changes meanwhile.
    html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=briefing_upload_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the PDF file.")
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    task_id = models.CharField(
        max_length=200, blank=True, help_text="The render task sent to the broker; empty while none was accepted."
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="") & Q(page_count__isnull=False)),
                name="briefing_ready_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(kind="incident") | Q(incident__isnull=False), name="briefing_incident_has_incident"
            ),
        ]
        indexes = [models.Index(fields=["incident", "-created"], name="briefing_incident_recent")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("briefing-download", args=[self.pk])

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class Digest(models.Model):
    """The digest of one period for one filter; its PDF is a `Briefing`."""

    cadence = models.CharField(max_length=10, choices=Cadence.choices, db_index=True)
    period_start = models.DateField(db_index=True)
    period_end = models.DateField(help_text="First day after the period.")
    filter_key = models.CharField(max_length=300, blank=True, help_text="Canonical form of the filter; empty for all.")
    filter_label = models.CharField(max_length=400, blank=True)
    briefing = models.ForeignKey(Briefing, on_delete=models.PROTECT, related_name="digests")
    incident_count = models.PositiveIntegerField(default=0)
    change_count = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "cadence", "filter_key"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "period_start", "filter_key"], name="digest_unique_period_filter"),
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")), name="digest_period_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_cadence_display()} digest from {self.period_start}" + (
            f" ({self.filter_label})" if self.filter_label else ""
        )

    @property
    def period_last_day(self):
        return self.period_end - datetime.timedelta(days=1)


class Subscription(models.Model):
    """An email address that asked for digests of one cadence and filter.
    It receives nothing until the address is confirmed (double opt-in)."""

    email = models.EmailField()
    cadence = models.CharField(max_length=10, choices=Cadence.choices, db_index=True)
    taxonomy = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Incident.Kind.choices, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    min_severity = models.PositiveSmallIntegerField(choices=Incident.Severity.choices, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "cadence", "taxonomy", "kind", "organisation", "min_severity"],
                condition=Q(unsubscribed_at__isnull=True),
                nulls_distinct=False,
                name="subscription_unique_active",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_cadence_display()})"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class DigestDelivery(models.Model):
    """One subscription's digest for one period. The unique row is claimed
    (pending/failed -> sending) before the email is sent, so it goes at most
    once; a crash after the claim leaves it `sending` for a person to check and
    send again from the admin (delivery.reopen)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will be retried)"
        SKIPPED = "skipped", "Skipped (nothing new)"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    digest = models.ForeignKey(Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    created = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-created"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start"], name="delivery_once_per_period"),
        ]

    def __str__(self):
        return f"{self.subscription} {self.period_start}: {self.get_status_display()}"
