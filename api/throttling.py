"""Request rates: anonymous clients by address, token clients by user, with
a higher rate for users in the "journalist" group. Rates come from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (scopes anon, token, journalist),
read at request time so settings overrides apply."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return None  # resolved per request in allow_request

    def allow_request(self, request, view):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is None:
            self.scope, ident = "anon", self.get_ident(request)
        else:
            self.scope = "journalist" if getattr(token, "user_is_journalist", False) else "token"
            ident = str(token.user_id)
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()
