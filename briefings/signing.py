"""Signed links in subscription emails: confirm (expires) and unsubscribe
(keeps working, because an old digest's link must still unsubscribe).

A token carries the subscription's id and email address, signed with the
project's secret key and a salt per purpose, so a confirmation token cannot be
used to unsubscribe someone else or the other way round.
"""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "briefings.subscription.confirm"
UNSUBSCRIBE_SALT = "briefings.subscription.unsubscribe"
DEFAULT_CONFIRM_MAX_AGE = 3 * 24 * 3600


class LinkError(Exception):
    """A signed link that cannot be honoured; the message is for the reader."""


def _sign(subscription, salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign_object({"id": subscription.pk, "email": subscription.email})


def _read(token: str, salt: str, max_age: int | None) -> dict:
    try:
        payload = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError("This link has expired. Subscribe again to get a new one.") from None
    except signing.BadSignature:
        raise LinkError("This link is not valid. Copy the whole link from the email, or subscribe again.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int) or "email" not in payload:
        raise LinkError("This link is not valid. Copy the whole link from the email, or subscribe again.")
    return payload


def confirmation_token(subscription) -> str:
    return _sign(subscription, CONFIRM_SALT)


def unsubscribe_token(subscription) -> str:
    return _sign(subscription, UNSUBSCRIBE_SALT)


def read_confirmation_token(token: str) -> dict:
    """{"id", "email"} from a confirmation token; LinkError when forged or
    older than BRIEFINGS_CONFIRM_MAX_AGE seconds."""
    return _read(token, CONFIRM_SALT, getattr(settings, "BRIEFINGS_CONFIRM_MAX_AGE", DEFAULT_CONFIRM_MAX_AGE))


def read_unsubscribe_token(token: str) -> dict:
    """{"id", "email"} from an unsubscribe token; LinkError when forged."""
    return _read(token, UNSUBSCRIBE_SALT, None)
