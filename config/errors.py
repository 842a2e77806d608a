"""Server errors as users should see them.

When the database is unreachable (restarting, failing over) a page or API
call cannot be served, but it is not a bug: users get 503 with Retry-After
and a message saying so, instead of the generic 500 page. Django calls
`server_error` inside the `except` block of the failed request, so the
exception is still in sys.exc_info(). Neither response touches the database.
"""

import sys

from django import db
from django.http import HttpResponse, JsonResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = "The database is temporarily unavailable. Please try again in a few seconds."


def database_is_down(exception: BaseException | None) -> bool:
    return isinstance(exception, (db.OperationalError, db.InterfaceError))


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def server_error(request, template_name="500.html"):
    if database_is_down(sys.exc_info()[1]):
        if _wants_json(request):
            response = JsonResponse({"detail": UNAVAILABLE_MESSAGE, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _wants_json(request):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    return HttpResponse(loader.render_to_string(template_name), status=500)
