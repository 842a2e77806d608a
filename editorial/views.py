from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from incidents.visibility import public_incidents, resolve_public_id

from . import history
from .forms import SubmissionForm
from .models import Submission
from .submissions import client_hash, create_submission, over_submission_limit

# Room for the form fields and multipart framing around the largest file.
BODY_MARGIN = 64 * 1024


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request):
    """Anyone may submit a new incident or evidence for an existing one."""
    if request.method != "POST":
        initial = {"incident": request.GET.get("incident", "")[:20]}
        if initial["incident"]:
            initial["kind"] = Submission.Kind.EVIDENCE
        return render(request, "editorial/submit.html", {"form": SubmissionForm(initial=initial)})

    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.AIKB_SUBMISSION_MAX_BYTES + BODY_MARGIN:
        return render(request, "editorial/submit_refused.html",
                      {"reason": f"The submission is larger than the limit of {settings.AIKB_SUBMISSION_MAX_BYTES:,} bytes."},
                      status=413)
    client = client_hash(request.META.get("REMOTE_ADDR", ""))
    if over_submission_limit(client):
        response = render(request, "editorial/submit_refused.html",
                          {"reason": "Too many submissions from your address in the last hour; please try again later."},
                          status=429)
        response["Retry-After"] = "3600"
        return response
    form = SubmissionForm(request.POST, request.FILES)
    if form.is_spam():
        # Answer as if it worked, so the bot learns nothing; store nothing.
        return render(request, "editorial/submit_received.html", {"submission": None})
    if not form.is_valid():
        return render(request, "editorial/submit.html", {"form": form}, status=400)
    data = form.cleaned_data
    submission = create_submission(
        kind=data["kind"], incident=data["incident"], title=data["title"], url=data["url"],
        citation=data["citation"], description=data["description"], file=data["file"],
        contact_email=data["contact_email"], client=client,
    )
    return redirect(submission.get_tracking_url() + "?new=1")


@require_safe
def track(request, token):
    """The submitter's private page: the state of the submission and, if
    rejected, the reason."""
    submission = get_object_or_404(Submission.objects.select_related("incident"), tracking_token=token)
    response = render(request, "editorial/track.html", {"submission": submission, "new": "new" in request.GET})
    # The link is the only key: keep it out of caches and referrers.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def incident_history(request, public_id):
    """Every revision of the incident and its claims, evidence and
    measurements; who made it is shown to staff only."""
    target = resolve_public_id(public_id)
    if target.public_id != public_id:
        return HttpResponsePermanentRedirect(f"/incidents/{target.public_id}/history/")
    incident = public_incidents().filter(pk=target.pk).first()
    if incident is None:
        raise Http404("No such incident.")
    show_editors = request.user.is_authenticated and request.user.is_staff
    return render(request, "editorial/history.html", {
        "incident": incident,
        "revisions": history.incident_revisions(incident, with_editors=show_editors),
        "show_editors": show_editors,
    })
