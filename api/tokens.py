"""Issuing, checking and revoking API tokens (the one place that knows their format)."""

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "aikb"
LAST_USED_RESOLUTION_SECONDS = 60


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(user, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its plain text, which is
    shown once and never stored."""
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    plain = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_token(plain), read_only=read_only
    )
    return token, plain


def find_active_token(plain: str):
    """The active token whose hash matches `plain`, with its user and whether
    that user is a journalist (for the throttle), in one query; None if unknown
    or revoked."""
    from django.contrib.auth.models import Group
    from django.db.models import Exists, OuterRef

    parts = plain.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    journalist = Group.objects.filter(name=JOURNALIST_GROUP, user=OuterRef("user_id"))
    token = (
        ApiToken.objects.select_related("user")
        .annotate(user_is_journalist=Exists(journalist))
        .filter(prefix=parts[1], key_hash=hash_token(plain), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


JOURNALIST_GROUP = "journalist"


def record_use(token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute, so reads do not
    turn into a write per request."""
    now = timezone.now()
    if token.last_used and (now - token.last_used).total_seconds() < LAST_USED_RESOLUTION_SECONDS:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    token.last_used = now


def revoke_token(token: ApiToken) -> None:
    """Stop a token from working; the row stays so the admin shows its history."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
