"""Submissions from the public: a new incident, or new evidence for an
existing one, waiting in the moderation queue."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from incidents.models import Incident, Source
from incidents.text import CleanText


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


class Submission(CleanText):
    class Kind(models.TextChoices):
        NEW_INCIDENT = "new-incident", "A new incident"
        EVIDENCE = "evidence", "Evidence for an existing incident"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for an editor"
        ACCEPTED = "accepted", "Accepted"
        MERGED = "merged", "Accepted as a duplicate of an existing incident"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        help_text="For evidence: the incident it is about. Once accepted: the incident created or added to.",
    )
    title = models.CharField(max_length=300, blank=True, help_text="For a new incident: what happened, in a line.")
    url = models.URLField(max_length=1000, blank=True)
    citation = models.TextField(blank=True, help_text="A citation when there is no URL (paper, book, broadcast).")
    description = models.TextField()
    file = models.FileField(upload_to="submissions/%Y/%m/", blank=True, max_length=300)
    file_sha256 = models.CharField(max_length=64, blank=True)
    contact_email = models.EmailField(blank=True, help_text="Optional; never published.")

    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    duplicate_of = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set this, then use the action “Merge into the incident named in ‘duplicate of’”.",
    )
    rejection_reason = models.TextField(blank=True, help_text="Shown to the submitter on their tracking page.")
    tracking_token = models.CharField(max_length=64, unique=True, default=new_tracking_token, editable=False)
    client_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="submissions",
        help_text="The source created when the submission was accepted.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="", citation=""), name="submission_has_url_or_citation"),
            models.CheckConstraint(
                condition=~Q(kind="evidence") | Q(incident__isnull=False), name="submission_evidence_names_incident"
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""), name="submission_rejection_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title or self.url or self.citation[:60]}"

    def get_tracking_url(self):
        return reverse("submission-track", args=[self.tracking_token])
