"""The admin: subscriptions (added with their secret shown once, URLs
checked by the same policy), deliveries with their attempts, replay."""

import pytest

from tests.webhooks.test_delivery import make_delivery
from webhooks.delivery import attempt_delivery
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


def add_form(owner, url, **extra):
    return {"owner": owner.pk, "url": url, "description": "", "events": "incident.created,claim.status_changed",
            "is_active": "on", **extra}


def test_adding_a_subscription_shows_its_secret_once(admin_client, owner, fake_dns):
    fake_dns("hooks.newsroom.example", ["93.184.216.34"])
    response = admin_client.post("/admin/webhooks/subscription/add/",
                                 add_form(owner, "https://hooks.newsroom.example/aikb"), follow=True)
    subscription = Subscription.objects.get()
    assert subscription.events == ["incident.created", "claim.status_changed"]
    assert subscription.secret in response.content.decode()
    page = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in page


def test_the_admin_refuses_private_addresses_with_the_reason(admin_client, owner):
    response = admin_client.post("/admin/webhooks/subscription/add/", add_form(owner, "http://192.168.1.20/hook"))
    assert response.status_code == 200 and not Subscription.objects.exists()
    assert "192.168.1.20 is a private address" in response.content.decode()


def test_deliveries_show_status_attempts_and_last_error_and_can_be_replayed(
    admin_client, subscribe, closed_port, allow_loopback
):
    delivery = make_delivery(subscribe(f"http://127.0.0.1:{closed_port}/hook"))
    attempt_delivery(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    listing = admin_client.get("/admin/webhooks/delivery/").content.decode()
    assert "Could not connect" in listing and "claim.status_changed" in listing
    page = admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "Could not connect" in page and "127.0.0.1" in page  # the attempt, inline
    admin_client.post("/admin/webhooks/delivery/", {"action": "replay_deliveries", "_selected_action": [delivery.pk]})
    assert Delivery.objects.get().status == "pending"


def test_subscription_and_event_lists_load(admin_client, subscribe):
    subscribe("https://hooks.example/")
    assert admin_client.get("/admin/webhooks/subscription/").status_code == 200
    assert admin_client.get("/admin/webhooks/event/").status_code == 200
