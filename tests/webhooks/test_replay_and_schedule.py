"""Replay by the owner, and the beat task that hands due deliveries to
workers (nothing lost to a broker outage, nothing sent twice at once)."""

import datetime
import json

import pytest
from django.utils import timezone

from tests.webhooks.test_delivery import make_delivery
from webhooks.delivery import (
    ATTEMPTS_PER_ROUND,
    DISPATCH_GRACE,
    ReplayRefused,
    _claim,
    attempt_delivery,
    replay,
    replay_failed,
    send_due,
)
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def fail_completely(delivery, now):
    for _ in range(ATTEMPTS_PER_ROUND):
        attempt_delivery(delivery.pk, now=now)
        delivery.refresh_from_db()
        now = delivery.next_attempt_at or now
    assert delivery.status == Delivery.Status.FAILED
    return now


def test_a_failed_delivery_replayed_reaches_the_receiver_with_the_same_id_and_body(
    receiver, allow_loopback, subscribe, sent, django_capture_on_commit_callbacks
):
    receiver.answer(*[(500,)] * ATTEMPTS_PER_ROUND, (200,))
    delivery = make_delivery(subscribe(receiver.url))
    now = fail_completely(delivery, timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        replay(delivery, now=now)
    assert sent == [delivery.pk]  # handed to a worker at once
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.round_attempts == 0 and delivery.dispatched_at
    assert attempt_delivery(delivery.pk, now=now) == Delivery.Status.SUCCEEDED
    delivery.refresh_from_db()
    assert delivery.attempts == ATTEMPTS_PER_ROUND + 1
    first, last = receiver.requests[0], receiver.requests[-1]
    assert first["body"] == last["body"] and json.loads(last["body"])["type"] == "claim.status_changed"
    assert first["headers"]["webhook-id"] == last["headers"]["webhook-id"] == delivery.event_id


def test_a_replay_that_fails_again_gets_a_whole_new_round_of_retries(closed_port, allow_loopback, subscribe):
    delivery = make_delivery(subscribe(f"http://127.0.0.1:{closed_port}/"))
    now = fail_completely(delivery, timezone.now())
    replay(delivery, now=now)
    assert attempt_delivery(delivery.pk, now=now) == Delivery.Status.PENDING
    now = fail_completely(Delivery.objects.get(pk=delivery.pk), now)
    assert Delivery.objects.get(pk=delivery.pk).attempts == 2 * ATTEMPTS_PER_ROUND


def test_a_succeeded_delivery_can_be_replayed_too(receiver, allow_loopback, subscribe):
    delivery = make_delivery(subscribe(receiver.url))
    attempt_delivery(delivery.pk)
    replay(delivery)
    assert attempt_delivery(delivery.pk) == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2


def test_replay_is_refused_while_an_attempt_is_under_way(subscribe):
    delivery = make_delivery(subscribe("https://hooks.example/"))
    now = timezone.now()
    _claim(delivery.pk, now)
    with pytest.raises(ReplayRefused, match="being attempted now"):
        replay(delivery, now=now + datetime.timedelta(seconds=30))


def test_replay_failed_since_replays_only_the_failed_ones_since_then(closed_port, receiver, allow_loopback, subscribe):
    subscription = subscribe(f"http://127.0.0.1:{closed_port}/")
    old, recent, pending = (make_delivery(subscription) for _ in range(3))
    ok = make_delivery(subscribe(receiver.url))
    now = timezone.now()
    for delivery in (old, recent):
        fail_completely(delivery, now)
    Delivery.objects.filter(pk=old.pk).update(created=now - datetime.timedelta(days=3))
    attempt_delivery(ok.pk)

    assert replay_failed(subscription, now - datetime.timedelta(days=1)) == 1
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "failed", recent.pk: "pending", pending.pk: "pending", ok.pk: "succeeded"}


def test_send_due_hands_over_due_deliveries_not_already_on_their_way(subscribe, sent):
    subscription = subscribe("https://hooks.example/")
    due, later, on_its_way, lost, settled = (make_delivery(subscription) for _ in range(5))
    now = timezone.now()
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=now + datetime.timedelta(minutes=5))
    Delivery.objects.filter(pk=on_its_way.pk).update(dispatched_at=now - datetime.timedelta(seconds=30))
    Delivery.objects.filter(pk=lost.pk).update(dispatched_at=now - DISPATCH_GRACE - datetime.timedelta(seconds=1))
    Delivery.objects.filter(pk=settled.pk).update(status="succeeded", next_attempt_at=None)

    assert send_due(now) == 2
    assert sorted(sent) == sorted([due.pk, lost.pk])
    # Sent now, so the next minute's run leaves them to their tasks.
    assert send_due(now + datetime.timedelta(minutes=1)) == 0


def test_send_due_keeps_everything_when_the_broker_is_down(subscribe, monkeypatch):
    make_delivery(subscribe("https://hooks.example/"))
    monkeypatch.setattr("webhooks.delivery.send", lambda task, *args: None)  # config.queueing: broker unreachable
    assert send_due(timezone.now()) == 0
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.dispatched_at is None


def test_a_worker_taking_a_delivery_clears_its_dispatch_so_retries_are_handed_over(
    closed_port, allow_loopback, subscribe, sent
):
    delivery = make_delivery(subscribe(f"http://127.0.0.1:{closed_port}/"))
    now = timezone.now()
    assert send_due(now) == 1
    attempt_delivery(delivery.pk, now=now)
    delivery.refresh_from_db()
    assert send_due(delivery.next_attempt_at) == 1  # the 5-second retry, at the next minute's run
    assert sent == [delivery.pk, delivery.pk]


def test_the_tasks_are_registered_by_name_and_call_the_services(subscribe, sent):
    from celery import current_app

    import webhooks.tasks  # noqa: F401

    assert {"webhooks.tasks.deliver", "webhooks.tasks.send_due"} <= set(current_app.tasks)
    delivery = make_delivery(subscribe("https://no-such-host.invalid/"))
    assert current_app.tasks["webhooks.tasks.send_due"]() == 1
    assert current_app.tasks["webhooks.tasks.deliver"](delivery.pk) == "pending"
    assert "could not be resolved" in Delivery.objects.get().last_error


def test_beat_sends_due_deliveries_every_minute(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "webhooks.tasks.send_due"]
    assert entries == [{"task": "webhooks.tasks.send_due", "schedule": 60.0}]
