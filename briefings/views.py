"""Briefing and digest pages: thin views over briefings.services and
briefings.subscriptions."""

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from config.file_responses import StoredFile, serve_file
from config.response_cache import code_fingerprint, public_cache_control
from config.shared_cache import fill_once
from incidents import generations
from incidents.models import Incident

from . import services, subscriptions
from .forms import SubscriptionForm
from .models import Briefing, Digest
from .selectors import published_incident
from .signing import LinkError

logger = logging.getLogger(__name__)


def _stored_pdf(briefing: Briefing, filename: str) -> StoredFile:
    return StoredFile(
        name=briefing.file.name,
        size=briefing.size_bytes,
        sha256=briefing.sha256,
        modified=int(briefing.rendered_at.timestamp()),
        content_type="application/pdf",
        filename=filename,
    )


def _pdf_response(request, stored: StoredFile, headers: dict | None = None):
    storage = Briefing._meta.get_field("file").storage
    return serve_file(request, storage, stored, {"X-Content-SHA256": stored.sha256, **(headers or {})})


def _current_incident_pdf(public_id: str):
    """What the incident's PDF address serves now, and whether it may be
    kept for this generation: ("pdf", StoredFile, headers), ("missing",)
    or ("failed", briefing). Building the briefing's HTML to find its
    stored render is the costly part (a render, once per content, the
    costlier), so under a spike one request does it per change
    (config.shared_cache.fill_once) and the rest read its answer."""
    try:
        incident = published_incident(public_id)
    except Incident.DoesNotExist:
        return ("missing",), True
    briefing = services.incident_briefing(incident)
    if briefing.is_ready:
        return ("pdf", _stored_pdf(briefing, f"{incident.public_id}.pdf"), {}), True
    # The current content failed to render (e.g. media disk full): the last
    # good PDF is better than nothing, and says when it was made. Not kept,
    # so the next request tries the render again.
    previous = services.latest_ready_briefing(incident)
    if previous is None:
        return ("failed", briefing), False
    headers = {
        "Warning": '110 - "Response is stale: the current briefing could not be rendered"',
        "X-Briefing-Rendered-At": previous.rendered_at.isoformat(),
    }
    return ("pdf", _stored_pdf(previous, f"{incident.public_id}.pdf"), headers), False


@require_safe
def incident_briefing(request, public_id):
    key = "incident-pdf:" + hashlib.sha256(f"{code_fingerprint()}:{public_id}".encode()).hexdigest()
    generation, found = generations.current_and_shared(key)

    def find():
        answer, keep = _current_incident_pdf(public_id)
        return (generation, answer), keep and generations.current() == generation

    (_, found), rendered_here = fill_once(
        key, find, timeout=settings.RESPONSE_CACHE_SECONDS, first=found, fresh=lambda value: value[0] == generation
    )
    if found[0] == "missing":
        raise Http404("No published incident has this identifier.")
    if found[0] == "failed":
        return render(request, "briefings/briefing_failed.html", {"briefing": found[1]}, status=503)
    _, stored, headers = found
    response = _pdf_response(request, stored, headers)
    response["X-Cache"] = "MISS" if rendered_here else "HIT"
    # Every reader may keep it; a proxy revalidates it with the ETag.
    public_cache_control(response)
    return response


def briefing_download(request, pk):
    briefing = get_object_or_404(Briefing.objects.defer("html"), pk=pk, status=Briefing.Status.READY)
    return _pdf_response(request, _stored_pdf(briefing, f"aikb-briefing-{briefing.pk}.pdf"))


@require_http_methods(["GET", "POST"])
def digest_archive(request):
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.subscribe(form.cleaned_data["email"], form.cleaned_data["cadence"], form.digest_filter())
        except Exception:  # the confirmation email could not be sent; nothing was stored
            logger.exception("Could not send a subscription confirmation")
            form.add_error(None, "We could not send the confirmation email just now. Please try again later.")
        else:
            messages.success(
                request,
                "Check your inbox: we sent a link to confirm the subscription. "
                "No digest is sent until you confirm.",
            )
            return redirect("digest-archive")
    digests = Digest.objects.select_related("briefing").only(
        "cadence", "period_start", "period_end", "filter_label", "incident_count", "change_count",
        "briefing__id", "briefing__page_count", "briefing__size_bytes", "briefing__status",
    )
    page = Paginator(digests, 50).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "briefings/digest_archive.html", {"form": form, "page": page}, status=status)


def confirm_subscription(request, token):
    try:
        subscription = subscriptions.confirm(token)
    except LinkError as error:
        return render(request, "briefings/link_problem.html", {"message": str(error)}, status=400)
    return render(request, "briefings/subscription_confirmed.html", {"subscription": subscription})


@csrf_exempt  # RFC 8058 one-click: mail clients POST here without a session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        if request.method == "POST":
            subscription = subscriptions.unsubscribe(token)
            return render(request, "briefings/unsubscribed.html", {"subscription": subscription})
        subscription = subscriptions.read_unsubscribe_link(token)
    except LinkError as error:
        return render(request, "briefings/link_problem.html", {"message": str(error)}, status=400)
    # GET only asks: link scanners in mail systems follow links, and must not unsubscribe anyone.
    return render(request, "briefings/unsubscribe.html", {"subscription": subscription})
