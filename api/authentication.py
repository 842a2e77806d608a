"""`Authorization: Bearer <token>` (or `Token <token>`) authentication."""

from rest_framework import authentication, exceptions

from .tokens import find_active_token, record_use

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token as 'Authorization: Bearer <token>'.")
        try:
            plain = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.") from None
        token = find_active_token(plain)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        record_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
