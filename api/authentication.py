"""`Authorization: Bearer <token>` (or `Token <token>`) authentication."""

from rest_framework import authentication, exceptions

from .credential_throttle import client_address, token_failures
from .tokens import find_active_token, record_use

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        address = client_address(request)
        wait = token_failures.wait(address)
        if wait is not None:
            # Guessing tokens is slowed: refused before any lookup.
            raise exceptions.Throttled(wait, detail="Too many failed token attempts from this address.")
        if len(header) != 2:
            token_failures.record(address)
            raise exceptions.AuthenticationFailed("Give the token as 'Authorization: Bearer <token>'.")
        try:
            plain = header[1].decode("ascii")
        except UnicodeDecodeError:
            plain = None
        token = find_active_token(plain) if plain else None
        if token is None:
            token_failures.record(address)
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        record_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
