"""A real HTTP receiver on loopback, subscriptions that point at it, and
the broker replaced by a list of what would have been sent."""

import base64
import hashlib
import hmac
import http.server
import socket
import threading
import time

import pytest
from django.contrib.auth import get_user_model

from webhooks.models import EventType, Subscription


def expected_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks signature, computed here from the spec (not
    with the sender's code): HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed
    with the base64-decoded secret after "whsec_", base64, prefixed "v1,"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class Receiver:
    """An http.server in a thread. Each request is recorded (path, headers,
    body); the answers are taken in turn from `answers` (status, headers,
    body, delay in seconds), the last one repeating."""

    def __init__(self):
        self.requests = []
        self.answers = [(200, {}, b"ok", 0)]
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                index = min(len(receiver.requests), len(receiver.answers)) - 1
                status, headers, body, delay = receiver.answers[index]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if body == "endless":
                        self.end_headers()
                        while True:  # until the client hangs up
                            self.wfile.write(b"x" * 1024)
                            self.wfile.flush()
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/aikb?key=1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def answer(self, *answers):
        """Each answer: (status[, headers[, body[, delay]]])."""
        defaults = (200, {}, b"", 0)
        self.answers = [tuple(a) + defaults[len(a):] for a in answers]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def second_receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: a receiver that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def allow_loopback(settings):
    settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def sent(monkeypatch):
    """The delivery ids handed to the broker (nothing reaches a broker)."""
    ids = []

    def fake_send(task, *args, **kwargs):
        ids.append(args[0])
        return f"task-{len(ids)}"

    monkeypatch.setattr("webhooks.events.send", fake_send)
    monkeypatch.setattr("webhooks.delivery.send", fake_send)
    return ids


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user(username="newsroom")


@pytest.fixture
def subscribe(owner):
    """A subscription made directly (no address check: tests choose the URL)."""

    def make(url, events=tuple(EventType.values), user=None, **fields):
        return Subscription.objects.create(owner=user or owner, url=url, events=list(events), **fields)

    return make


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for chosen host names (a list of address lists, one per
    lookup, the last repeating); other names and IP literals resolve as usual.
    Returns the log of names looked up."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}
    looked_up = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            looked_up.append(host)
            turns = answers[host]
            addresses = turns.pop(0) if len(turns) > 1 else turns[0]
            results = []
            for address in addresses:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
                results.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
            return results
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def set_answers(host, *turns):
        answers[host] = [list(turn) for turn in turns]

    set_answers.looked_up = looked_up
    return set_answers
