"""Submissions: receiving them (with spam guards) and moderating them.

Accepting never publishes by itself: a new incident is created as a draft
for an editor to complete and publish; evidence is attached to the incident
(an editor can then tie it to a claim)."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from incidents.archives import sha256_of
from incidents.models import Evidence, Incident, Source
from incidents.oecd import SubmitterType

from .models import Submission

SUBMITTED_LOCATOR = "Submitted description"


class ModerationError(Exception):
    """A decision that cannot be applied to this submission, with the reason."""


def client_hash(ip: str) -> str:
    """A keyed hash of the client address: enough to throttle, useless to identify."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


def over_submission_limit(client: str) -> bool:
    """True when this client already sent the hourly maximum of submissions."""
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = Submission.objects.filter(client_hash=client, submitted_at__gte=since).count()
    return sent >= settings.AIKB_SUBMISSIONS_PER_HOUR


def create_submission(*, kind, description, incident=None, title="", url="", citation="", file=None,
                      contact_email="", client="") -> Submission:
    """Store a submission in the moderation queue (the form has validated it)."""
    submission = Submission(
        kind=kind, incident=incident, title=title, url=url, citation=citation, description=description,
        contact_email=contact_email, client_hash=client,
    )
    if file is not None:
        submission.file_sha256 = sha256_of(file)
        submission.file = file
    submission.full_clean(exclude=["file"])
    submission.save()
    return submission


def _pending(submission: Submission) -> None:
    if submission.state != Submission.State.PENDING:
        raise ModerationError(f"this submission was already decided ({submission.get_state_display().lower()})")


def _surviving(incident: Incident) -> Incident:
    """Follow merges to the incident that still stands."""
    seen = set()
    while incident.merged_into_id and incident.pk not in seen:
        seen.add(incident.pk)
        incident = incident.merged_into
    return incident


def _attach_evidence(submission: Submission, incident: Incident) -> Source:
    source = Source(
        kind=Source.Kind.ARTICLE,
        title=(submission.title or submission.citation or submission.url)[:500],
        url=submission.url,
        reliability=Source.Reliability.SECONDARY,
        notes=f"From public submission {submission.pk}." + (f"\n\n{submission.citation}" if submission.citation else ""),
    )
    if submission.file:
        # The uploaded copy becomes the source's archive, hashed on save.
        with submission.file.open("rb") as handle:
            source.archived_file = ContentFile(handle.read(), name=submission.file.name.rsplit("/", 1)[-1])
        source.archived_at = submission.submitted_at
    source.full_clean(exclude=["archived_file", "archived_sha256"])
    source._change_reason = f"Accepted submission {submission.pk}"
    source.save()
    evidence = Evidence(
        incident=incident,
        source=source,
        quote=submission.description,
        locator_type=Evidence.LocatorType.SECTION,
        locator=SUBMITTED_LOCATOR,
        stance=Evidence.Stance.CONTEXT,
    )
    evidence.full_clean()
    evidence._change_reason = f"Accepted submission {submission.pk}"
    evidence.save()
    return source


def _decide(submission: Submission, state: str, user, incident=None, source=None, reason="") -> None:
    submission.state = state
    submission.decided_at = timezone.now()
    submission.decided_by = user
    if incident is not None:
        submission.incident = incident
    if source is not None:
        submission.source = source
    submission.rejection_reason = reason
    submission._change_reason = f"{state} by an editor"
    submission.save()


@transaction.atomic
def accept_submission(submission: Submission, user) -> Incident:
    """Create the incident (a draft) or attach the evidence; returns the incident."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _pending(submission)
    if submission.kind == Submission.Kind.NEW_INCIDENT:
        incident = Incident(
            title=(submission.title or submission.description)[:300],
            kind=Incident.Kind.INCIDENT,
            summary=submission.description,
            reported_on=submission.submitted_at.date(),
            severity=Incident.Severity.MODERATE,
            setting=Incident.Setting.DEPLOYMENT,
            is_published=False,
            # OECD criterion "submitter": a member of the public; their contact stays private (the submission).
            submitter_type=SubmitterType.PUBLIC,
        )
        incident.slug = slugify(incident.title)[:290] or "incident"
        incident.full_clean(exclude=["public_id"])
        incident._change_reason = f"Created from submission {submission.pk}"
        incident.save()
    else:
        incident = _surviving(submission.incident)
    source = _attach_evidence(submission, incident)
    _decide(submission, Submission.State.ACCEPTED, user, incident=incident, source=source)
    return incident


@transaction.atomic
def merge_submission(submission: Submission, user, into: Incident | None = None) -> Incident:
    """Accept a submission that duplicates an existing incident: its material
    becomes evidence of that incident (or the one it was merged into)."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _pending(submission)
    target = into or submission.duplicate_of
    if target is None:
        raise ModerationError("name the incident it duplicates in “duplicate of” first")
    target = _surviving(target)
    source = _attach_evidence(submission, target)
    _decide(submission, Submission.State.MERGED, user, incident=target, source=source)
    return target


@transaction.atomic
def reject_submission(submission: Submission, user, reason: str) -> None:
    """Reject with a reason the submitter reads on their tracking page."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _pending(submission)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("a rejection needs a reason the submitter can read")
    _decide(submission, Submission.State.REJECTED, user, reason=reason)


@transaction.atomic
def merge_incidents(duplicate: Incident, survivor: Incident, user=None) -> Incident:
    """Merge `duplicate` into `survivor`: the duplicate's public id then
    redirects permanently to the survivor (pages and API); entries already
    merged into the duplicate follow to the survivor."""
    survivor = _surviving(survivor)
    if survivor.pk == duplicate.pk:
        raise ValidationError("An incident cannot be merged into itself.")
    for incident in [*Incident.objects.filter(merged_into=duplicate), duplicate]:
        incident.merged_into = survivor
        incident._change_reason = f"Merged into {survivor.public_id}"
        incident.save()
    return survivor
