"""Signatures as Standard Webhooks defines them, checked against the
specification's published test vector and by an HMAC computed here."""

import base64
import datetime

from django.utils import timezone

from tests.webhooks.conftest import expected_signature
from webhooks.signing import new_event_id, new_secret, signature_headers, signing_secrets

# The test vector of the Standard Webhooks specification (and its reference libraries).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_headers_match_the_specifications_test_vector():
    at = datetime.datetime.fromtimestamp(VECTOR_TIMESTAMP, tz=datetime.timezone.utc)
    headers = signature_headers(VECTOR_ID, VECTOR_BODY, [VECTOR_SECRET], at)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_the_tests_own_hmac_matches_the_vector_too():
    assert expected_signature(VECTOR_SECRET, VECTOR_ID, str(VECTOR_TIMESTAMP), VECTOR_BODY) == VECTOR_SIGNATURE


def test_secrets_and_ids_have_the_standard_shapes():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret
    event_id = new_event_id()
    assert event_id.startswith("msg_") and len(event_id) > 20 and new_event_id() != event_id


def test_after_a_rotation_both_secrets_sign_until_the_old_one_expires(subscribe):
    from webhooks.services import rotate_secret

    subscription = subscribe("https://hooks.example/")
    old = subscription.secret
    now = timezone.now()
    rotated = rotate_secret(subscription, now=now)
    assert rotated.secret != old and rotated.previous_secret == old
    assert signing_secrets(rotated, now) == [rotated.secret, old]
    headers = signature_headers("msg_x", b"{}", signing_secrets(rotated, now), now)
    first, second = headers["webhook-signature"].split(" ")
    timestamp = headers["webhook-timestamp"]
    assert first == expected_signature(rotated.secret, "msg_x", timestamp, b"{}")
    assert second == expected_signature(old, "msg_x", timestamp, b"{}")
    assert signing_secrets(rotated, now + datetime.timedelta(hours=25)) == [rotated.secret]
