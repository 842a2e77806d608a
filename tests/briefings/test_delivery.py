"""Each due subscription gets its digest exactly once per period, even with
retries or two beats; failures are recorded and retried with backoff."""

import datetime
import importlib
import json

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from briefings import tasks
from briefings.delivery import DeliveryFailed, deliver, plan_deliveries
from briefings.models import Cadence, DigestDelivery, Subscription

from .conftest import START

# Wednesday after the week of 9 November 2026: the last complete week is START..END.
MOMENT = datetime.datetime(2026, 11, 18, 6, tzinfo=datetime.timezone.utc)


@pytest.fixture
def subscriber(digest_data):
    return Subscription.objects.create(email="minister@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_plan_creates_one_delivery_per_confirmed_subscription_even_when_two_beats_fire(subscriber):
    Subscription.objects.create(email="unconfirmed@example.org", cadence=Cadence.WEEKLY)
    Subscription.objects.create(
        email="gone@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now(), unsubscribed_at=timezone.now()
    )
    Subscription.objects.create(email="daily@example.org", cadence=Cadence.DAILY, confirmed_at=timezone.now())
    first = plan_deliveries(Cadence.WEEKLY, MOMENT)
    second = plan_deliveries(Cadence.WEEKLY, MOMENT)
    assert first == second and len(first) == 1
    delivery = DigestDelivery.objects.get()
    assert delivery.subscription == subscriber and delivery.period_start == START


def test_delivering_twice_sends_one_email(subscriber):
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    assert deliver(delivery_id) == DigestDelivery.Status.SENT
    assert deliver(delivery_id) == DigestDelivery.Status.SENT
    assert plan_deliveries(Cadence.WEEKLY, MOMENT) == []  # a later beat finds nothing left to send
    assert len(mail.outbox) == 1
    delivery = DigestDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.sent_at and delivery.digest is not None


def test_a_delivery_claimed_by_another_worker_is_not_sent_again(subscriber):
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    DigestDelivery.objects.filter(pk=delivery_id).update(status=DigestDelivery.Status.SENDING)
    assert deliver(delivery_id) == DigestDelivery.Status.SENDING
    assert mail.outbox == []


def test_digest_email_has_pdf_unsubscribe_link_and_headers(subscriber):
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    deliver(delivery_id)
    message = mail.outbox[0]
    assert message.to == ["minister@example.org"]
    assert message.subject.startswith("Weekly digest, 09 November 2026")
    [(filename, content, mimetype)] = message.attachments
    assert filename == "aikb-digest-weekly-2026-11-09.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF-")
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:8000/digests/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == f"<aikb-digest-delivery-{delivery_id}@127.0.0.1>"
    assert link in message.body
    html, _ = message.alternatives[0]
    assert link in html
    # The HTML summary lists the digest's incidents with links to their pages.
    assert "New: <a href=\"http://127.0.0.1:8000/incidents/" in html and "Model blackmailed an executive" in html
    assert "Updated: " in message.body and "Agent mined cryptocurrency during training" in message.body


def test_sending_failure_is_recorded_then_a_retry_sends_once(subscriber, settings):
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    with pytest.raises(DeliveryFailed):
        deliver(delivery_id)
    delivery = DigestDelivery.objects.get()
    assert delivery.status == DigestDelivery.Status.FAILED and delivery.attempts == 1
    assert "SMTP server unreachable" in delivery.last_error
    assert plan_deliveries(Cadence.WEEKLY, MOMENT) == [delivery_id]  # still due

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver(delivery_id) == DigestDelivery.Status.SENT
    assert deliver(delivery_id) == DigestDelivery.Status.SENT
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_error == "" and len(mail.outbox) == 1


def test_render_failure_is_recorded_and_sends_nothing(subscriber, monkeypatch):
    from briefings import services

    monkeypatch.setattr(services, "html_to_pdf", lambda html, *a, **k: (_ for _ in ()).throw(MemoryError("no memory")))
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    with pytest.raises(DeliveryFailed):
        deliver(delivery_id)
    delivery = DigestDelivery.objects.get()
    assert delivery.status == DigestDelivery.Status.FAILED and "failed to render" in delivery.last_error
    assert mail.outbox == []


def test_nothing_new_or_unsubscribed_sends_nothing(subscriber):
    empty_week = datetime.datetime(2026, 2, 4, 6, tzinfo=datetime.timezone.utc)
    [delivery_id] = plan_deliveries(Cadence.WEEKLY, empty_week)
    assert deliver(delivery_id) == DigestDelivery.Status.SKIPPED
    assert "Nothing new" in DigestDelivery.objects.get(pk=delivery_id).last_error

    [due] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    Subscription.objects.filter(pk=subscriber.pk).update(unsubscribed_at=timezone.now())
    assert deliver(due) == DigestDelivery.Status.SKIPPED
    assert mail.outbox == []


def test_send_task_retries_failures_with_backoff():
    task = tasks.render_and_send_digest
    assert DeliveryFailed in task.autoretry_for
    assert task.retry_backoff and task.retry_backoff_max >= task.retry_backoff and task.max_retries >= 3
    assert tasks.render_briefing_pdf.name.startswith("briefings.tasks.render_")  # routed to the pdf queue


@pytest.mark.parametrize("name, cadence", [("Daily digests", "daily"), ("Weekly digests", "weekly"), ("Monthly digests", "monthly")])
def test_beat_schedules_exist_and_are_editable(db, name, cadence):
    # The data migration creates them; run its function again (it is idempotent), since a
    # transactional test earlier in a reused test database may have flushed the rows.
    from django.apps import apps

    importlib.import_module("briefings.migrations.0002_digest_schedules").create_schedules(apps, None)
    importlib.import_module("briefings.migrations.0002_digest_schedules").create_schedules(apps, None)
    assert PeriodicTask.objects.filter(name=name).count() == 1
    periodic = PeriodicTask.objects.select_related("crontab").get(name=name)
    assert periodic.enabled and periodic.task == "briefings.tasks.send_due_digests"
    assert json.loads(periodic.args) == [cadence]
    assert periodic.crontab.hour == "6" and periodic.queue == "default"


def _stuck_and_sent(subscriber):
    """One delivery left `sending` by a worker killed mid-SMTP, one sent."""
    [stuck] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    DigestDelivery.objects.filter(pk=stuck).update(
        status=DigestDelivery.Status.SENDING, attempts=1, claimed_at=timezone.now()
    )
    other = Subscription.objects.create(email="editor@example.org", cadence=Cadence.WEEKLY, confirmed_at=timezone.now())
    done = DigestDelivery.objects.create(
        subscription=other, period_start=START, period_end=START + datetime.timedelta(days=7),
        status=DigestDelivery.Status.SENT, attempts=1, sent_at=timezone.now(),
    )
    return stuck, done.pk


def send_again(admin_client, *delivery_ids):
    return admin_client.post(
        "/admin/briefings/digestdelivery/",
        {"action": "send_again", "_selected_action": [str(pk) for pk in delivery_ids]},
        follow=True,
    )


def test_an_editor_sends_a_stuck_delivery_again_from_the_admin_and_it_goes_once(subscriber, admin_client, monkeypatch):
    from briefings import delivery

    stuck, done = _stuck_and_sent(subscriber)
    queued = []
    monkeypatch.setattr(delivery, "send", lambda task, *args: queued.append((task.name, *args)) or "task-1")
    response = send_again(admin_client, stuck, done)
    assert "Reopened and queued 1 deliveries." in response.content.decode()
    assert queued == [("briefings.tasks.render_and_send_digest", stuck)]
    reopened = DigestDelivery.objects.get(pk=stuck)
    assert reopened.status == DigestDelivery.Status.PENDING and reopened.attempts == 0 and reopened.claimed_at is None
    assert "after 1 attempt(s), from 'sending'" in reopened.last_error
    assert DigestDelivery.objects.get(pk=done).status == DigestDelivery.Status.SENT  # a sent one is left alone

    # The worker runs the queued task: the digest goes out once.
    assert tasks.render_and_send_digest(stuck) == DigestDelivery.Status.SENT
    assert tasks.render_and_send_digest(stuck) == DigestDelivery.Status.SENT
    assert [message.to for message in mail.outbox] == [["minister@example.org"]]


def test_send_again_with_the_broker_down_is_queued_once_it_is_back(subscriber, admin_client, monkeypatch):
    from briefings import delivery

    stuck, _ = _stuck_and_sent(subscriber)
    monkeypatch.setattr(delivery, "send", lambda task, *args: None)  # the broker refuses
    response = send_again(admin_client, stuck)
    assert "will be queued automatically once it is back" in response.content.decode()
    assert DigestDelivery.objects.get(pk=stuck).status == DigestDelivery.Status.PENDING

    queued = []
    monkeypatch.setattr(delivery, "send", lambda task, *args: queued.append(args) or "task-2")
    assert delivery.requeue_undispatched(now=timezone.now() + datetime.timedelta(minutes=5)) == 1
    assert queued == [(stuck,)]


def test_send_again_refuses_what_is_not_stuck_or_failed(subscriber, admin_client):
    _, done = _stuck_and_sent(subscriber)
    response = send_again(admin_client, done)
    assert "Only deliveries that are sending or failed can be sent again." in response.content.decode()
    assert DigestDelivery.objects.get(pk=done).status == DigestDelivery.Status.SENT


def test_two_deliveries_racing_to_the_claim_send_one_email(subscriber, monkeypatch):
    """Both counted their attempt and built the digest; the second reaches
    the claim while the first is between its claim and the mail server."""
    import briefings.delivery as delivery_module

    [delivery_id] = plan_deliveries(Cadence.WEEKLY, MOMENT)
    real_build = delivery_module.build_digest
    raced = []

    def build_then_let_the_other_worker_run(*args, **kwargs):
        digest = real_build(*args, **kwargs)
        if not raced:
            raced.append(True)
            # The other worker, right now: it counts, builds, claims and sends.
            assert deliver(delivery_id) == DigestDelivery.Status.SENT
        return digest

    monkeypatch.setattr(delivery_module, "build_digest", build_then_let_the_other_worker_run)
    assert deliver(delivery_id) == DigestDelivery.Status.SENT  # it lost the claim and says what happened
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get().attempts == 2
