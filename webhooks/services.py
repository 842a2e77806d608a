"""Writes to webhook subscriptions beyond their own fields: rotating the
secret, and sending a test event. The API and the admin call these. (A new
subscription gets its secret from the model's default, shown to its owner
once by whoever created it.)"""

import uuid

from django.db import transaction
from django.utils import timezone

from .events import record_event
from .models import TEST_EVENT, Event, Subscription
from .signing import PREVIOUS_SECRET_GRACE, new_secret


def rotate_secret(subscription: Subscription, now=None) -> Subscription:
    """A new secret for `subscription`; the old one keeps signing beside it
    (a second signature) for PREVIOUS_SECRET_GRACE, so the receiver can
    switch without refusing deliveries. The caller shows the new secret once."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + PREVIOUS_SECRET_GRACE
        locked.secret = new_secret()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated"])
    return locked


def send_test_event(subscription: Subscription) -> Event:
    """A `webhook.test` event for this subscription alone (signed and
    retried like any other), so its owner can check the receiver."""
    data = {
        "message": "A test event from the AI Incident Knowledge Base: your receiver is reachable.",
        "subscription": subscription.pk,
    }
    return record_event(TEST_EVENT, f"test:{uuid.uuid4()}", data, [subscription])
