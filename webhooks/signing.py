"""Signing deliveries the Standard Webhooks way (standardwebhooks.com).

Each request carries three headers:

- `webhook-id`: the event's stable id (`msg_...`), the same on every retry
  and replay, so a receiver drops what it has already processed;
- `webhook-timestamp`: seconds since the epoch *of this attempt*, so a
  receiver can refuse old captures (the reference libraries allow 5 minutes);
- `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
  `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed with the base64-decoded
  part of the subscription's `whsec_...` secret. After a rotation, the old
  secret signs too for a day (space-separated), so receivers can switch over.

The HMAC itself is the reference implementation's (the `standardwebhooks`
package, which has no dependencies); docs/webhooks.md shows a receiver how
to check it by hand.
"""

import base64
import datetime
import secrets

from django.utils import timezone
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
EVENT_ID_PREFIX = "msg_"
PREVIOUS_SECRET_GRACE = datetime.timedelta(hours=24)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_event_id() -> str:
    return EVENT_ID_PREFIX + secrets.token_urlsafe(18)


def signing_secrets(subscription, now: datetime.datetime | None = None) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the
    previous one while its grace period lasts."""
    now = now or timezone.now()
    found = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires and expires > now:
        found.append(subscription.previous_secret)
    return found


def signature_headers(event_id: str, body: bytes, keys: list[str], at: datetime.datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, sent at `at`."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(key).sign(event_id, at, body) for key in keys),
    }
