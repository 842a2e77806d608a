"""Briefing PDFs: build the HTML, find or make the stored render for it.
(Digests and their delivery are briefings.digests and briefings.delivery.)

A render is cached by the SHA-256 of its inputs (the HTML with the generation
time left as a placeholder, the stylesheet and the renderer version): the same
content gives the same stored file without rendering again; any change to the
incident gives a new hash and a new file.
"""

import datetime
import hashlib
import logging
import time

from celery import signature
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from config.queueing import send, send_on_commit
from incidents.models import Incident

from .models import Briefing, briefing_upload_path
from .pdf import html_to_pdf, page_count, renderer_fingerprint
from .selectors import incident_briefing_context

logger = logging.getLogger(__name__)

# Sent by name: briefings.tasks calls this module, so importing it here
# would make the two import each other.
RENDER_BRIEFING_PDF = signature("briefings.tasks.render_briefing_pdf")

# Stands in for the generation time while hashing; replaced just before rendering.
GENERATED_AT = "@@AIKB-GENERATED-AT@@"
SITE_AUTHOR = "AI Incident Knowledge Base"


def input_hash(html: str) -> str:
    """SHA-256 of everything that decides a briefing's content."""
    digest = hashlib.sha256(renderer_fingerprint().encode())
    digest.update(b"\0")
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()


def incident_briefing_html(incident: Incident) -> str:
    """The briefing's HTML for an incident loaded by
    `selectors.published_incident`, with the generation time as a placeholder."""
    context = incident_briefing_context(incident)
    context.update(generated_at=GENERATED_AT, author=SITE_AUTHOR)
    return render_to_string("briefings/pdf/incident.html", context)


def briefing_for_html(kind: str, html: str, title: str, incident: Incident | None = None) -> Briefing:
    """The stored briefing for this exact HTML, created (queued, not yet
    rendered) when there is none. Safe when two requests race."""
    digest = input_hash(html)
    existing = Briefing.objects.filter(input_hash=digest).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Briefing.objects.create(
                kind=kind, title=title[:400], incident=incident, input_hash=digest, html=html
            )
    except IntegrityError:
        return Briefing.objects.get(input_hash=digest)


def render_briefing(briefing_id: int) -> Briefing:
    """Render a queued or failed briefing and store the PDF with its SHA-256,
    page count and size. A ready briefing is returned as it is, so running
    this twice renders once. A rendering error is recorded on the briefing."""
    with transaction.atomic():
        briefing = Briefing.objects.select_for_update().get(pk=briefing_id)
        if briefing.is_ready:
            return briefing
        started = time.perf_counter()
        generated = timezone.now().strftime("%d %B %Y, %H:%M UTC")
        try:
            pdf = html_to_pdf(briefing.html.replace(GENERATED_AT, generated))
            pages = page_count(pdf)
        except Exception as error:  # recorded on the briefing for the poller and the admin
            logger.exception("Briefing %s failed to render", briefing.pk)
            return _record_failure(briefing, f"The PDF could not be rendered: {type(error).__name__}: {error}")
        try:
            briefing.file.save(f"{briefing.input_hash}.pdf", ContentFile(pdf), save=False)
        except OSError as error:
            # Media disk full or read-only: say so, and leave no half-written file behind.
            logger.error("Briefing %s could not be stored: %s", briefing.pk, error)
            _remove_partial_file(briefing)
            return _record_failure(
                briefing, f"The PDF was rendered but could not be stored ({error.strerror or error}). "
                "Check that the media folder is writable and has free space."
            )
        briefing.sha256 = hashlib.sha256(pdf).hexdigest()
        briefing.page_count = pages
        briefing.size_bytes = len(pdf)
        briefing.render_seconds = round(time.perf_counter() - started, 3)
        briefing.rendered_at = timezone.now()
        briefing.status = Briefing.Status.READY
        briefing.error = ""
        briefing.save()
        return briefing


def _record_failure(briefing: Briefing, reason: str) -> Briefing:
    briefing.status = Briefing.Status.FAILED
    briefing.error = reason[:2000]
    briefing.file = ""
    briefing.save(update_fields=["status", "error", "file"])
    return briefing


def _remove_partial_file(briefing: Briefing) -> None:
    # The name is derived from the input hash, which no other briefing shares.
    name = briefing_upload_path(briefing, f"{briefing.input_hash}.pdf")
    storage = briefing.file.storage
    briefing.file = ""
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError:  # read-only disk: nothing could have been written anyway
        pass


def latest_ready_briefing(incident: Incident) -> Briefing | None:
    """The incident's most recent stored PDF, whatever content it was made
    from: served while a newer render is failing."""
    return (
        Briefing.objects.filter(incident=incident, status=Briefing.Status.READY)
        .defer("html")
        .order_by("-rendered_at", "-id")
        .first()
    )


def incident_briefing(incident: Incident) -> Briefing:
    """The incident's current briefing, rendered now if its content has no
    stored PDF yet (for the web page's download link)."""
    html = incident_briefing_html(incident)
    briefing = briefing_for_html(Briefing.Kind.INCIDENT, html, f"{incident.public_id}: {incident.title}", incident)
    if not briefing.is_ready:
        briefing = render_briefing(briefing.pk)
    return briefing


def request_incident_briefing(incident: Incident) -> Briefing:
    """The incident's current briefing, queued for rendering on the `pdf`
    queue (after commit) unless it is already stored. For the API's 202."""
    html = incident_briefing_html(incident)
    briefing = briefing_for_html(Briefing.Kind.INCIDENT, html, f"{incident.public_id}: {incident.title}", incident)
    if not briefing.is_ready:
        if briefing.status == Briefing.Status.FAILED:
            Briefing.objects.filter(pk=briefing.pk).update(status=Briefing.Status.QUEUED, error="")
            briefing.status, briefing.error = Briefing.Status.QUEUED, ""
        send_on_commit(RENDER_BRIEFING_PDF, briefing.pk, on_sent=lambda task_id: _record_task(briefing.pk, task_id))
    return briefing


def _record_task(briefing_id: int, task_id: str) -> None:
    Briefing.objects.filter(pk=briefing_id).update(task_id=task_id)


# A render recorded this long ago without reaching the broker is sent again.
REQUEUE_AFTER = datetime.timedelta(minutes=1)


def requeue_undispatched_renders(now: datetime.datetime | None = None) -> int:
    """Send the renders recorded while the broker was unreachable (see
    config.queueing); the task is idempotent, so one sent twice is still
    rendered once. Returns how many were sent."""
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    sent = 0
    for briefing_id in Briefing.objects.filter(status=Briefing.Status.QUEUED, task_id="", created__lt=cutoff).values_list(
        "pk", flat=True
    ):
        task_id = send(RENDER_BRIEFING_PDF, briefing_id)
        if task_id:
            _record_task(briefing_id, task_id)
            sent += 1
    return sent
