"""The "Getting started for journalists" page."""

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from incidents.models import Claim
from incidents.visibility import public_incidents

from .columns import CSV_COLUMNS
from .credential_throttle import token_failures
from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


def getting_started(request):
    base = request.build_absolute_uri("/").rstrip("/")
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    # Examples name a real incident and claim, so they run as written.
    # (the newest incident with a claim, so the claim examples have one).
    incidents = public_incidents().order_by(F("reported_on").desc(nulls_last=True), "-id").only("pk", "public_id")
    incident = incidents.filter(Exists(Claim.objects.filter(incident=OuterRef("pk")))).first() or incidents.first()
    claim = Claim.objects.filter(incident=incident).order_by("position", "id").only("pk").first() if incident else None
    return render(
        request,
        "api/getting_started.html",
        {
            "base": base,
            "rates": rates,
            "csv_columns": CSV_COLUMNS["incidents"],
            "default_page_size": DEFAULT_PAGE_SIZE,
            "max_page_size": MAX_PAGE_SIZE,
            "example_id": incident.public_id if incident else "AIKB-2025-0001",
            "example_claim_id": claim.pk if claim else 1,
            "auth_failure_limit": token_failures.limit,
            "auth_failure_window_minutes": token_failures.window // 60,
        },
    )


# The interactive docs run Swagger UI and Redoc, served from our own static
# files (drf-spectacular-sidecar). Redoc injects <style> elements and starts
# a web worker from a blob, so these two pages relax the site's policy for
# styles and workers only; scripts still come from our origin alone.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def with_docs_policy(view):
    """Wrap a docs view so its response carries DOCS_CONTENT_SECURITY_POLICY."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response

    return wrapped


@csrf_exempt  # a write to an unknown address is a 404 too, not a CSRF 403 page
def not_found(request, *args, **kwargs):
    """Any other address under /api/: the API's own 404 shape, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"status": 404, "code": "not_found", "detail": "Not found.", "errors": {}}, status=404)
