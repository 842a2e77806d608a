"""A real SMTP server on loopback (aiosmtpd): the confirmation and digest
emails as a mail server receives them."""

import datetime
import re

import pytest
from django.utils import timezone

from briefings.delivery import deliver, plan_deliveries
from briefings.models import Cadence, DigestDelivery, Subscription

pytestmark = pytest.mark.integration

MOMENT = datetime.datetime(2026, 11, 18, 6, tzinfo=datetime.timezone.utc)


def test_subscribe_confirm_receive_digest_and_unsubscribe_over_smtp(client, digest_data, use_smtp):
    received = use_smtp["received"]
    response = client.post("/digests/", {"email": "staffer@example.org", "cadence": "weekly"})
    assert response.status_code == 302
    [confirmation] = received
    assert confirmation["to"] == ["staffer@example.org"]
    body = confirmation["message"].get_body(("plain",)).get_content()
    confirm_path = re.search(r"http://127\.0\.0\.1:8000(/digests/confirm/\S+/)", body).group(1)
    assert client.get(confirm_path).status_code == 200
    assert Subscription.objects.get().is_active

    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    assert deliver(delivery_id) == DigestDelivery.Status.SENT
    assert deliver(delivery_id) == DigestDelivery.Status.SENT  # a retry sends nothing more
    assert len(received) == 2
    digest = received[1]["message"]
    assert digest["To"] == "staffer@example.org"
    assert digest["Subject"].startswith("Weekly digest")
    [attachment] = list(digest.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "aikb-digest-weekly-2026-11-09.pdf"
    assert attachment.get_content().startswith(b"%PDF-")
    link = str(digest["List-Unsubscribe"]).strip().strip("<>")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in digest.get_body(("plain",)).get_content()
    assert f'href="{link}"' in digest.get_body(("html",)).get_content()

    # The mail client's one-click POST to the header's link.
    path = link.removeprefix("http://127.0.0.1:8000")
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not Subscription.objects.get().is_active
    assert plan_deliveries(Cadence.WEEKLY, MOMENT + datetime.timedelta(days=7)) == []
    assert len(received) == 2


def test_smtp_refusing_the_message_records_a_failure(digest_data, use_smtp, settings):
    Subscription.objects.create(email="staffer@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())
    settings.EMAIL_PORT = 1  # nothing listens there
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    with pytest.raises(Exception):
        deliver(delivery_id)
    delivery = DigestDelivery.objects.get()
    assert delivery.status == DigestDelivery.Status.FAILED and "Connection refused" in delivery.last_error
    settings.EMAIL_PORT = use_smtp["port"]
    assert deliver(delivery_id) == DigestDelivery.Status.SENT
    assert len(use_smtp["received"]) == 1
