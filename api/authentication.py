"""`Authorization: Bearer <token>` (or `Token <token>`) authentication."""

from rest_framework import authentication, exceptions

from .credential_throttle import count_failed_token
from .tokens import find_active_token, record_use

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        # The token is looked up before any count is read: a valid one is
        # accepted whatever its address sent before; only failures are slowed.
        if len(header) != 2:
            count_failed_token(request)
            raise exceptions.AuthenticationFailed("Give the token as 'Authorization: Bearer <token>'.")
        try:
            plain = header[1].decode("ascii")
        except UnicodeDecodeError:
            plain = None
        token = find_active_token(plain) if plain else None
        if token is None:
            count_failed_token(request)
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        record_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
