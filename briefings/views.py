"""Briefing and digest pages: thin views over briefings.services and
briefings.subscriptions."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from incidents.models import Incident

from . import services, subscriptions
from .forms import SubscriptionForm
from .models import Briefing, Digest
from .selectors import published_incident
from .signing import LinkError

logger = logging.getLogger(__name__)


def _pdf_response(briefing: Briefing, filename: str) -> FileResponse:
    response = FileResponse(briefing.file.open("rb"), content_type="application/pdf", filename=filename)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-SHA256"] = briefing.sha256
    return response


def incident_briefing(request, public_id):
    try:
        incident = published_incident(public_id)
    except Incident.DoesNotExist:
        raise Http404("No published incident has this identifier.") from None
    briefing = services.incident_briefing(incident)
    if not briefing.is_ready:
        # The current content failed to render (e.g. media disk full): the last
        # good PDF is better than nothing, and says when it was made.
        previous = services.latest_ready_briefing(incident)
        if previous is None:
            return render(request, "briefings/briefing_failed.html", {"briefing": briefing}, status=503)
        response = _pdf_response(previous, f"{incident.public_id}.pdf")
        response["Warning"] = '110 - "Response is stale: the current briefing could not be rendered"'
        response["X-Briefing-Rendered-At"] = previous.rendered_at.isoformat()
        return response
    return _pdf_response(briefing, f"{incident.public_id}.pdf")


def briefing_download(request, pk):
    briefing = get_object_or_404(Briefing.objects.defer("html"), pk=pk, status=Briefing.Status.READY)
    return _pdf_response(briefing, f"aikb-briefing-{briefing.pk}.pdf")


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
