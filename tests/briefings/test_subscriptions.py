"""Subscribing: double opt-in by a signed link, one-click unsubscribe, and
clear messages (nothing sent) for bad addresses, forged or expired links and
filters that match nothing."""

import re

import pytest
from django.core import mail, signing

from briefings import signing as briefing_signing
from briefings.emails import unsubscribe_url
from briefings.models import Subscription
from tests.factories import IncidentFactory, TaxonomyTermFactory


@pytest.fixture
def published(db):
    return IncidentFactory()


def subscribe(client, **data):
    return client.post("/digests/", {"email": "reader@example.org", "cadence": "weekly", **data})


def link_in(message, kind):
    return re.search(rf"http://127\.0\.0\.1:8000(/digests/{kind}/[^/\s\"]+/)", message.body).group(1)


def test_subscribing_sends_a_confirmation_link_and_nothing_else(client, published):
    response = subscribe(client)
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None and not subscription.is_active
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"] and "Confirm" in message.subject
    assert "Check your inbox" in client.get(response["Location"]).content.decode()

    page = client.get(link_in(message, "confirm"))
    assert page.status_code == 200
    subscription.refresh_from_db()
    assert subscription.is_active


def test_asking_twice_does_not_create_a_second_subscription(client, published):
    subscribe(client)
    subscribe(client)
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 2  # the link is re-sent while unconfirmed
    client.get(link_in(mail.outbox[0], "confirm"))
    subscribe(client)
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 2  # confirmed: nothing more is sent


@pytest.mark.parametrize("email", ["not-an-email", "reader@", "", "a@b@c.org", "x" * 300 + "@example.org"])
def test_invalid_email_is_refused_with_a_message_and_nothing_sent(client, published, email):
    response = subscribe(client, email=email)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address" in html or "This field is required" in html or "at most" in html
    assert not Subscription.objects.exists() and mail.outbox == []


def test_filter_matching_nothing_is_refused_with_a_message(client, published):
    lonely = TaxonomyTermFactory(name="Nothing tagged")
    response = subscribe(client, taxonomy=lonely.pk)
    assert response.status_code == 400
    assert "No published incident matches this filter" in response.content.decode()
    assert not Subscription.objects.exists() and mail.outbox == []


def test_unknown_cadence_is_refused(client, published):
    response = subscribe(client, cadence="hourly")
    assert response.status_code == 400 and not Subscription.objects.exists() and mail.outbox == []


def test_forged_confirmation_link_is_refused(client, published):
    subscribe(client)
    path = link_in(mail.outbox[0], "confirm")
    forged = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    response = client.get(forged)
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert not Subscription.objects.get().confirmed_at


def test_expired_confirmation_link_is_refused(client, published, settings):
    subscribe(client)
    path = link_in(mail.outbox[0], "confirm")
    settings.BRIEFINGS_CONFIRM_MAX_AGE = -1
    response = client.get(path)
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert not Subscription.objects.get().confirmed_at


def test_a_confirmation_token_cannot_unsubscribe_and_the_reverse(client, published):
    subscribe(client)
    subscription = Subscription.objects.get()
    confirm_token = briefing_signing.confirmation_token(subscription)
    unsubscribe_token = briefing_signing.unsubscribe_token(subscription)
    assert client.post(f"/digests/unsubscribe/{confirm_token}/").status_code == 400
    assert client.get(f"/digests/confirm/{unsubscribe_token}/").status_code == 400
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is None and subscription.confirmed_at is None


def test_token_for_another_address_is_refused(client, published):
    subscribe(client)
    subscription = Subscription.objects.get()
    other = signing.TimestampSigner(salt=briefing_signing.UNSUBSCRIBE_SALT).sign_object(
        {"id": subscription.pk, "email": "attacker@example.org"}
    )
    response = client.post(f"/digests/unsubscribe/{other}/")
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is None


def test_one_click_unsubscribe_by_post_and_get_only_asks(client, published):
    subscribe(client)
    client.get(link_in(mail.outbox[0], "confirm"))
    subscription = Subscription.objects.get()
    path = unsubscribe_url(subscription).removeprefix("http://127.0.0.1:8000")

    page = client.get(path)  # link scanners follow links: a GET must not unsubscribe
    assert page.status_code == 200 and "<form" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.is_active

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without a CSRF token.
    csrf_client = client.__class__(enforce_csrf_checks=True)
    response = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None and not subscription.is_active
    assert csrf_client.post(path).status_code == 200  # twice is harmless

    # A cancelled subscription's confirmation link no longer revives it.
    response = client.get(link_in(mail.outbox[0], "confirm"))
    assert response.status_code == 400 and "cancelled" in response.content.decode()
