"""The admin login's guard: failed logins counted per address and per
(address, username), with the API's failed-token counts and limits
(api/credential_throttle.py says why the limits are what they are).
It is the serving layer's, beside the other middleware, because the admin
is not the API."""

from django.http import JsonResponse
from django.urls import reverse

from api.credential_throttle import SHARED_ADDRESS_FACTOR, FailedAttempts
from api.throttling import client_address

login_failures = FailedAttempts("admin-login:address", factor=SHARED_ADDRESS_FACTOR)
login_pair_failures = FailedAttempts("admin-login:address-username")


def too_many_logins(wait: float) -> JsonResponse:
    seconds = max(1, int(wait + 0.999))
    response = JsonResponse(
        {"status": 429, "code": "throttled", "errors": {},
         "detail": f"Too many failed logins; try again in {seconds} seconds."},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class AdminLoginThrottleMiddleware:
    """Counts failed admin logins per address and per (address, username);
    over either limit, the login form answers 429 before checking the
    password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path != reverse("admin:login"):
            return self.get_response(request)
        address = client_address(request)
        username = str(request.POST.get("username", ""))[:150].strip().lower()
        counted = []
        for failures, ident in ((login_failures, address), (login_pair_failures, f"{address}\n{username}")):
            claim = failures.count(ident)
            if not claim.granted:
                self.take_back(counted)
                return too_many_logins(claim.wait)
            counted.append((failures, ident, claim))
        try:
            response = self.get_response(request)
        except BaseException:
            self.take_back(counted)
            raise
        # The admin shows the form again (200) after a failed login and
        # redirects after a successful one; anything else checked no password.
        if response.status_code != 200:
            self.take_back(counted)
        return response

    @staticmethod
    def take_back(counted) -> None:
        for failures, ident, claim in counted:
            failures.take_back(ident, claim)
