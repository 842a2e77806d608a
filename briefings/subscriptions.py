"""Subscribing to digests: double opt-in, confirmation, unsubscribing."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .digests import DigestFilter
from .emails import send_confirmation
from .models import Subscription
from .signing import LinkError, read_confirmation_token, read_unsubscribe_token


def subscribe(email: str, cadence: str, digest_filter: DigestFilter) -> Subscription:
    """Record an unconfirmed subscription and email its confirmation link.
    Asking again for the same digest re-sends the link while unconfirmed and
    sends nothing once confirmed. Raises the sending error (and stores
    nothing) when the email cannot be sent."""
    fields = {
        "email": email.strip(),
        "cadence": cadence,
        "taxonomy": digest_filter.taxonomy,
        "kind": digest_filter.kind,
        "organisation": digest_filter.organisation,
        "min_severity": digest_filter.min_severity,
    }
    with transaction.atomic():
        existing = Subscription.objects.filter(unsubscribed_at__isnull=True, **fields).first()
        if existing and existing.confirmed_at:
            return existing
        try:
            with transaction.atomic():
                subscription = existing or Subscription.objects.create(**fields)
        except IntegrityError:  # the same request submitted twice at once
            return Subscription.objects.get(unsubscribed_at__isnull=True, **fields)
        send_confirmation(subscription)
        return subscription


def _subscription_for(payload: dict) -> Subscription:
    subscription = Subscription.objects.filter(pk=payload["id"], email=payload["email"]).first()
    if subscription is None:
        raise LinkError("This subscription no longer exists. Subscribe again if you want digests.")
    return subscription


def confirm(token: str) -> Subscription:
    """Confirm the subscription a signed link names. LinkError when the link
    is forged, expired, or for a subscription since cancelled."""
    subscription = _subscription_for(read_confirmation_token(token))
    if subscription.unsubscribed_at:
        raise LinkError("This subscription was cancelled. Subscribe again if you want digests.")
    if not subscription.confirmed_at:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def read_unsubscribe_link(token: str) -> Subscription:
    """The subscription an unsubscribe link names (LinkError when forged)."""
    return _subscription_for(read_unsubscribe_token(token))


def unsubscribe(token: str) -> Subscription:
    """Cancel the subscription a signed unsubscribe link names; doing it
    twice is harmless."""
    subscription = read_unsubscribe_link(token)
    if not subscription.unsubscribed_at:
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    return subscription
