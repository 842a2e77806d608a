"""Deliveries to a real HTTP receiver on loopback: signed, retried on the
schedule, failed with the reason, never redirected, timed out, capped,
and never sent to an address other than the one checked."""

import datetime
import json
import ssl
import time
import uuid

import pytest
import urllib3.util.connection
from django.utils import timezone
from standardwebhooks import Webhook

from tests.webhooks.conftest import expected_signature
from webhooks.delivery import ATTEMPTS_PER_ROUND, LEASE, LOST_ATTEMPT, RETRY_DELAYS, attempt_delivery
from webhooks.events import record_event
from webhooks.models import Delivery, EventType

pytestmark = pytest.mark.django_db

DATA = {"claim": {"id": 7, "status": "contested"}, "note": "Grüße: non-ASCII is sent as UTF-8"}


def make_delivery(subscription, data=DATA) -> Delivery:
    event = record_event(EventType.CLAIM_STATUS_CHANGED, f"test:{uuid.uuid4()}", data, [subscription])
    return Delivery.objects.get(event=event)


def lower(headers):
    return {name.lower(): value for name, value in headers.items()}


@pytest.fixture
def connections(monkeypatch):
    """Every address a delivery connects to; only loopback is really connected."""
    real = urllib3.util.connection.create_connection
    seen = []

    def create_connection(address, *args, **kwargs):
        seen.append(address)
        if not address[0].startswith("127."):
            raise OSError(f"test: refused to connect to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return seen


def test_a_delivery_reaches_a_real_receiver_signed_as_standard_webhooks(receiver, allow_loopback, subscribe):
    subscription = subscribe(receiver.url)
    delivery = make_delivery(subscription)

    assert attempt_delivery(delivery.pk) == Delivery.Status.SUCCEEDED

    [request] = receiver.requests
    headers = lower(request["headers"])
    assert request["path"] == "/hooks/aikb?key=1"
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == delivery.event_id and delivery.event_id.startswith("msg_")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    # The documented algorithm, computed here, and the reference library, agree.
    assert headers["webhook-signature"] == expected_signature(
        subscription.secret, headers["webhook-id"], headers["webhook-timestamp"], request["body"]
    )
    assert Webhook(subscription.secret).verify(request["body"], headers) == json.loads(request["body"])
    body = json.loads(request["body"])
    assert body["type"] == "claim.status_changed" and body["data"] == DATA
    # One canonical form (keys sorted, no spaces, UTF-8), so every attempt sends the same bytes.
    assert request["body"] == json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert body["timestamp"].endswith("Z")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == ("succeeded", 1, 200, "")
    assert delivery.next_attempt_at is None
    [attempt] = delivery.attempt_log.all()
    assert attempt.address == "127.0.0.1" and attempt.status_code == 200 and attempt.finished_at
    assert attempt.response_excerpt == "ok"


def test_server_errors_are_retried_on_the_schedule_then_succeed(receiver, allow_loopback, subscribe):
    receiver.answer((500,), (503,), (200,))
    delivery = make_delivery(subscribe(receiver.url))
    start = timezone.now()

    assert attempt_delivery(delivery.pk, now=start) == Delivery.Status.PENDING
    delivery.refresh_from_db()
    assert delivery.last_status_code == 500
    assert delivery.last_error == "The receiver answered 500 Internal Server Error."
    assert RETRY_DELAYS[0] <= delivery.next_attempt_at - start < RETRY_DELAYS[0] + datetime.timedelta(seconds=2)
    assert attempt_delivery(delivery.pk, now=start + datetime.timedelta(seconds=1)) is None  # not due yet

    second = delivery.next_attempt_at
    assert attempt_delivery(delivery.pk, now=second) == Delivery.Status.PENDING
    delivery.refresh_from_db()
    assert RETRY_DELAYS[1] <= delivery.next_attempt_at - second < RETRY_DELAYS[1] + datetime.timedelta(seconds=2)

    assert attempt_delivery(delivery.pk, now=delivery.next_attempt_at) == Delivery.Status.SUCCEEDED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 3, "")
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    # At least once, with one id and one body: the receiver can drop repeats.
    assert len({lower(r["headers"])["webhook-id"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1


def test_a_receiver_down_for_a_day_is_still_retried_then_failed_with_the_reason(closed_port, allow_loopback, subscribe):
    delivery = make_delivery(subscribe(f"http://127.0.0.1:{closed_port}/hook"))
    start = now = timezone.now()
    gaps = []
    for number in range(1, ATTEMPTS_PER_ROUND + 1):
        status = attempt_delivery(delivery.pk, now=now)
        delivery.refresh_from_db()
        assert delivery.attempts == number
        if number < ATTEMPTS_PER_ROUND:
            assert status == Delivery.Status.PENDING, delivery.last_error
            gaps.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    # A day after the first attempt it was still pending, with a retry to come.
    assert now - start > datetime.timedelta(hours=24)
    for gap, delay in zip(gaps, RETRY_DELAYS, strict=True):
        assert delay <= gap < delay + datetime.timedelta(seconds=2)
    assert status == Delivery.Status.FAILED and delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.last_error == (
        f"Could not connect to 127.0.0.1 port {closed_port}: Connection refused. "
        f"Gave up after {ATTEMPTS_PER_ROUND} attempts."
    )
    assert delivery.attempt_log.count() == ATTEMPTS_PER_ROUND
    assert attempt_delivery(delivery.pk, now=now + datetime.timedelta(days=3)) is None  # settled


def test_a_redirect_to_a_private_address_is_not_followed(receiver, allow_loopback, subscribe, connections):
    receiver.answer((302, {"Location": "http://10.0.0.1/steal-credentials"}))
    delivery = make_delivery(subscribe(receiver.url))
    assert attempt_delivery(delivery.pk) == Delivery.Status.PENDING
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert delivery.last_error == (
        "The receiver answered 302, a redirect to http://10.0.0.1/steal-credentials: redirects are not followed "
        "(register the final URL)."
    )
    assert connections == [("127.0.0.1", receiver.port)]


def test_a_redirect_is_not_followed_even_to_an_allowed_address(receiver, second_receiver, allow_loopback, subscribe):
    receiver.answer((307, {"Location": second_receiver.url}))
    delivery = make_delivery(subscribe(receiver.url))
    assert attempt_delivery(delivery.pk) == Delivery.Status.PENDING
    assert len(receiver.requests) == 1 and second_receiver.requests == []


def test_a_receiver_that_does_not_answer_in_time_fails_the_attempt(receiver, allow_loopback, subscribe, settings):
    settings.AIKB_WEBHOOKS_READ_TIMEOUT = 0.3
    receiver.answer((200, {}, b"too late", 2))
    delivery = make_delivery(subscribe(receiver.url))
    started = time.monotonic()
    assert attempt_delivery(delivery.pk) == Delivery.Status.PENDING
    assert time.monotonic() - started < 1.5
    delivery.refresh_from_db()
    assert delivery.last_error == f"127.0.0.1 port {receiver.port} did not answer within 0.3 s."
    assert delivery.last_status_code is None


def test_a_receiver_that_cannot_be_reached_in_time_fails_the_attempt(allow_loopback, subscribe, monkeypatch):
    def never_connects(address, *args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", never_connects)
    delivery = make_delivery(subscribe("http://127.0.0.1:9/hook"))
    assert attempt_delivery(delivery.pk) == Delivery.Status.PENDING
    delivery.refresh_from_db()
    assert delivery.last_error == "Could not connect to 127.0.0.1 port 9 within 5 s."


def test_an_endless_answer_is_read_only_up_to_the_cap(receiver, allow_loopback, subscribe, settings):
    settings.AIKB_WEBHOOKS_READ_TIMEOUT = 5
    settings.AIKB_WEBHOOKS_MAX_RESPONSE_BYTES = 4096
    receiver.answer((200, {}, "endless"))
    delivery = make_delivery(subscribe(receiver.url))
    started = time.monotonic()
    assert attempt_delivery(delivery.pk) == Delivery.Status.SUCCEEDED
    assert time.monotonic() - started < 2
    assert delivery.attempt_log.get().response_excerpt == "x" * 500


def test_delivery_rechecks_the_address_and_refuses_a_name_repointed_to_a_private_one(
    receiver, allow_loopback, subscribe, fake_dns, connections
):
    from webhooks.address_policy import validate_receiver_url

    url = f"http://hooks.newsroom.example:{receiver.port}/in"
    fake_dns("hooks.newsroom.example", ["127.0.0.1"], ["10.0.0.7"])
    validate_receiver_url(url)  # registration: the name resolved to an allowed address
    delivery = make_delivery(subscribe(url))

    assert attempt_delivery(delivery.pk) == Delivery.Status.PENDING
    delivery.refresh_from_db()
    assert delivery.last_error == (
        "Not sent: hooks.newsroom.example resolves to 10.0.0.7, a private address: webhooks are delivered only to "
        "public internet addresses."
    )
    assert connections == [] and receiver.requests == []


def test_delivery_connects_to_the_address_it_checked_not_to_a_later_answer(
    receiver, allow_loopback, subscribe, fake_dns, connections, settings
):
    settings.AIKB_WEBHOOKS_CONNECT_TIMEOUT = 1
    # The check sees loopback (allowed here); any later lookup would get a private address.
    fake_dns("hooks.newsroom.example", ["127.0.0.1"], ["10.0.0.7"])
    delivery = make_delivery(subscribe(f"http://hooks.newsroom.example:{receiver.port}/in"))

    assert attempt_delivery(delivery.pk) == Delivery.Status.SUCCEEDED
    assert fake_dns.looked_up == ["hooks.newsroom.example"]
    assert connections == [("127.0.0.1", receiver.port)]
    assert lower(receiver.requests[0]["headers"])["host"] == f"hooks.newsroom.example:{receiver.port}"


def test_https_connects_to_the_checked_address_and_verifies_the_hosts_certificate(
    tmp_path, allow_loopback, subscribe, fake_dns, monkeypatch, connections
):
    """TLS to the pinned IP still checks the certificate against the host
    name (SNI and hostname verification), not against the IP."""
    import http.server
    import shutil
    import subprocess
    import threading

    if not shutil.which("openssl"):
        pytest.fail("openssl is needed to make the test certificate (Debian package openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hooks.newsroom.example",
         "-addext", "subjectAltName=DNS:hooks.newsroom.example", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate only
        port = server.server_address[1]
        # The check sees loopback; a second lookup would get a private address.
        fake_dns("hooks.newsroom.example", ["127.0.0.1"], ["10.0.0.7"])
        fake_dns("other.newsroom.example", ["127.0.0.1"])
        good = make_delivery(subscribe(f"https://hooks.newsroom.example:{port}/in"))
        assert attempt_delivery(good.pk) == Delivery.Status.SUCCEEDED
        assert len(hits) == 1 and connections == [("127.0.0.1", port)]
        wrong = make_delivery(subscribe(f"https://other.newsroom.example:{port}/in"))
        assert attempt_delivery(wrong.pk) == Delivery.Status.PENDING
        wrong.refresh_from_db()
        assert wrong.last_error.startswith(f"The TLS connection to other.newsroom.example (127.0.0.1) port {port} failed")
        assert len(hits) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_loopback_receivers_are_refused_at_delivery_when_not_allowed(receiver, subscribe, settings):
    settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK = False
    delivery = make_delivery(subscribe(receiver.url))
    assert attempt_delivery(delivery.pk) == Delivery.Status.PENDING
    delivery.refresh_from_db()
    assert "127.0.0.1 is a loopback address" in delivery.last_error
    assert receiver.requests == []


def test_two_workers_never_make_the_same_attempt(receiver, allow_loopback, subscribe):
    from webhooks.delivery import _claim

    delivery = make_delivery(subscribe(receiver.url))
    now = timezone.now()
    assert _claim(delivery.pk, now) is not None
    # The second worker finds it leased (the first still sending).
    assert _claim(delivery.pk, now) is None
    assert attempt_delivery(delivery.pk, now=now + LEASE - datetime.timedelta(seconds=1)) is None
    assert receiver.requests == []


def test_an_attempt_whose_worker_died_is_made_again_after_the_lease(receiver, allow_loopback, subscribe):
    from webhooks.delivery import _claim

    delivery = make_delivery(subscribe(receiver.url))
    now = timezone.now()
    _claim(delivery.pk, now)  # the worker is killed here, mid-attempt
    assert attempt_delivery(delivery.pk, now=now + LEASE) == Delivery.Status.SUCCEEDED
    first, second = delivery.attempt_log.all()
    assert first.error == LOST_ATTEMPT and first.finished_at == now + LEASE
    assert second.status_code == 200
    assert len(receiver.requests) == 1


def test_a_late_outcome_does_not_overwrite_a_newer_attempt(receiver, allow_loopback, subscribe):
    from webhooks.delivery import _claim, _record
    from webhooks.transport import Outcome

    delivery = make_delivery(subscribe(receiver.url))
    now = timezone.now()
    stale_delivery, stale_attempt = _claim(delivery.pk, now)
    assert attempt_delivery(delivery.pk, now=now + LEASE) == Delivery.Status.SUCCEEDED
    _record(stale_delivery, stale_attempt, Outcome(500, "The receiver answered 500."), now + LEASE, final=False)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.last_error == ""


def test_a_paused_subscription_fails_its_pending_delivery_with_the_reason(receiver, allow_loopback, subscribe):
    subscription = subscribe(receiver.url)
    delivery = make_delivery(subscription)
    subscription.is_active = False
    subscription.save()
    assert attempt_delivery(delivery.pk) == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert "paused" in delivery.last_error and receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_skips_a_delivery_another_worker_has_locked_instead_of_waiting(subscribe):
    """While one worker holds the row (claiming it), another gives up at
    once (skip_locked) rather than queueing behind it."""
    import threading

    from django.db import connection, transaction

    from webhooks.delivery import _claim

    delivery = make_delivery(subscribe("https://hooks.example/"))
    locked, release, results = threading.Event(), threading.Event(), []

    def first_worker():
        with transaction.atomic():
            Delivery.objects.select_for_update().get(pk=delivery.pk)
            locked.set()
            release.wait(10)
        connection.close()

    def second_worker():
        results.append(_claim(delivery.pk, timezone.now()))
        connection.close()

    holder = threading.Thread(target=first_worker)
    holder.start()
    assert locked.wait(10)
    other = threading.Thread(target=second_worker)
    other.start()
    other.join(3)
    finished_while_locked = not other.is_alive()
    release.set()
    holder.join(10)
    other.join(10)
    assert finished_while_locked and results == [None]
