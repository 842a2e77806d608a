"""The receiver's guide (docs/webhooks.md) works as printed: its Python
verification code accepts a real delivery and refuses tampered ones."""

import re
import time
from pathlib import Path

import pytest

from tests.webhooks.test_delivery import make_delivery
from webhooks.delivery import RETRY_DELAYS, attempt_delivery

pytestmark = pytest.mark.django_db

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def guide_verify():
    text = GUIDE.read_text()
    section = text[text.index("## Verifying the signature"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    return namespace["verify"]


def test_the_guides_verification_code_accepts_a_real_delivery_and_refuses_tampering(
    receiver, allow_loopback, subscribe
):
    verify = guide_verify()
    subscription = subscribe(receiver.url)
    attempt_delivery(make_delivery(subscription).pk)
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]

    assert verify(subscription.secret, headers, body)
    assert not verify(subscription.secret, headers, body.replace(b"contested", b"supported"))
    assert not verify(subscription.secret, {**headers, "webhook-id": "msg_other"}, body)
    old = str(int(time.time()) - 600)
    assert not verify(subscription.secret, {**headers, "webhook-timestamp": old}, body)
    from webhooks.signing import new_secret

    assert not verify(new_secret(), headers, body)


def test_the_guide_states_the_retry_schedule_in_force():
    text = GUIDE.read_text()
    words = {5: "5 seconds", 300: "5 minutes", 1800: "30 minutes", 7200: "2 hours", 18000: "5 hours", 36000: "10 hours"}
    schedule = ", ".join(words[int(delay.total_seconds())] for delay in RETRY_DELAYS)
    assert schedule.replace(", 10 hours, 10 hours", ", 10 hours and 10 hours") in " ".join(text.split())
