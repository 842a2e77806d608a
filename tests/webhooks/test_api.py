"""/api/v1/webhooks/: token holders manage their own subscriptions only;
refused URLs are explained; the secret is shown once; deliveries are
listed and replayed."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api.tokens import issue_token
from tests.factories import OrganisationFactory, TaxonomyTermFactory
from tests.webhooks.test_delivery import make_delivery
from webhooks.delivery import ATTEMPTS_PER_ROUND, _claim, attempt_delivery
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def generous_throttle(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "token": "10000/minute", "journalist": "10000/minute"},
    }


@pytest.fixture(autouse=True)
def hooks_resolve_publicly(fake_dns):
    fake_dns("hooks.newsroom.example", [PUBLIC])
    fake_dns("other.newsroom.example", [PUBLIC])
    return fake_dns


def client_for(user, read_only=False):
    _, plain = issue_token(user, "webhooks", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@pytest.fixture
def api(owner):
    return client_for(owner)


@pytest.fixture
def stranger():
    return client_for(get_user_model().objects.create_user(username="someone-else"))


def create(api, **body):
    body.setdefault("url", "https://hooks.newsroom.example/aikb")
    return api.post("/api/v1/webhooks/", body, format="json")


def messages(response, field):
    return [error["message"] for error in response.json()["errors"][field]]


def test_anonymous_requests_are_told_to_send_a_token(client):
    for response in (client.get("/api/v1/webhooks/"), client.post("/api/v1/webhooks/", {}, format="json")):
        assert response.status_code == 401
        assert "Authorization: Bearer <token>" in response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_creating_a_subscription_shows_its_secret_once(api, owner):
    organisation, term = OrganisationFactory(slug="alibaba"), TaxonomyTermFactory(slug="own-goals")
    response = create(api, events=["claim.status_changed", "verdict.created", "claim.status_changed"],
                      organisations=["alibaba"], taxonomy=["own-goals"], description="Newsroom bot")
    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = Subscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert response["Location"] == body["api_url"] == f"http://testserver/api/v1/webhooks/{subscription.pk}/"
    assert response["Cache-Control"] == "private, no-store"
    assert body["events"] == ["claim.status_changed", "verdict.created"]
    assert (body["organisations"], body["taxonomy"], body["systems"]) == (["alibaba"], ["own-goals"], [])
    assert subscription.owner == owner and list(subscription.organisations.all()) == [organisation]
    assert list(subscription.taxonomy.all()) == [term]
    again = api.get(body["api_url"]).json()
    assert "secret" not in again and "secret" not in api.get("/api/v1/webhooks/").json()["results"][0]


def test_events_default_to_all_of_them(api):
    assert create(api).json()["events"] == [
        "incident.created", "incident.updated", "claim.status_changed", "verdict.created"
    ]


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:8000/hook",
     "127.0.0.1 is a loopback address: webhooks are delivered only to public internet addresses."),
    ("http://169.254.169.254/latest/meta-data/",
     "169.254.169.254 is a cloud metadata address: webhooks are delivered only to public internet addresses."),
    ("http://10.1.2.3/hook", "10.1.2.3 is a private address: webhooks are delivered only to public internet addresses."),
    ("http://[fe80::1]/hook", "fe80::1 is a link-local address: webhooks are delivered only to public internet addresses."),
    ("http://metadata.google.internal/computeMetadata/v1/",
     "metadata.google.internal is a cloud metadata service: webhooks are delivered only to public internet addresses."),
    ("ftp://hooks.newsroom.example/", "The scheme 'ftp' is not allowed: use http or https."),
    ("file:///etc/passwd", "The scheme 'file' is not allowed: use http or https."),
])
def test_refused_urls_get_a_400_that_says_why(api, url, message):
    response = create(api, url=url)
    assert response.status_code == 400
    assert messages(response, "url") == [message]
    assert Subscription.objects.count() == 0


def test_a_name_resolving_to_loopback_is_refused_when_loopback_is_not_allowed(api, fake_dns, settings):
    settings.AIKB_WEBHOOKS_ALLOW_LOOPBACK = False
    fake_dns("sneaky.newsroom.example", ["127.0.0.1"])
    response = create(api, url="https://sneaky.newsroom.example/hook")
    assert response.status_code == 400
    assert messages(response, "url") == [
        "sneaky.newsroom.example resolves to 127.0.0.1, a loopback address: webhooks are delivered only to public "
        "internet addresses."
    ]


def test_bad_events_filters_and_fields_are_refused_by_name(api):
    response = create(api, events=["incident.deleted"], organisations=["no-such-org"], secret="whsec_mine", colour="red")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"secret", "colour"} <= set(errors)
    response = create(api, events=["incident.deleted"], organisations=["no-such-org"])
    assert set(response.json()["errors"]) == {"events.0", "organisations"}
    assert create(api, events=[]).status_code == 400


def test_each_token_holder_sees_and_changes_only_their_own_subscriptions(api, stranger, owner):
    mine = create(api).json()
    theirs = create(stranger, url="https://other.newsroom.example/").json()
    assert [s["id"] for s in api.get("/api/v1/webhooks/").json()["results"]] == [mine["id"]]
    other = f"/api/v1/webhooks/{theirs['id']}/"
    assert api.get(other).status_code == 404
    assert api.patch(other, {"is_active": False}, format="json").status_code == 404
    assert api.delete(other).status_code == 404
    assert api.get(f"{other}deliveries/").status_code == 404
    assert api.post(f"{other}rotate-secret/").status_code == 404
    assert api.post(f"{other}test/").status_code == 404
    assert api.post(f"{other}replay/", {"since": "2026-01-01T00:00:00Z"}, format="json").status_code == 404
    assert Subscription.objects.get(pk=theirs["id"]).is_active


def test_another_owners_delivery_cannot_be_replayed_through_ones_own_subscription(api, stranger):
    mine = Subscription.objects.get(pk=create(api).json()["id"])
    theirs = Subscription.objects.get(pk=create(stranger, url="https://other.newsroom.example/").json()["id"])
    delivery = make_delivery(theirs)
    assert api.post(f"/api/v1/webhooks/{mine.pk}/deliveries/{delivery.pk}/replay/").status_code == 404


def test_a_read_only_token_may_list_but_not_write(owner):
    reader = client_for(owner, read_only=True)
    assert reader.get("/api/v1/webhooks/").status_code == 200
    response = create(reader)
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


def test_updating_pausing_and_deleting(api):
    created = create(api).json()
    url = created["api_url"]
    response = api.patch(url, {"is_active": False, "url": "https://other.newsroom.example/new"}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert response.json()["url"] == "https://other.newsroom.example/new"
    assert api.patch(url, {"url": "http://192.168.0.10/"}, format="json").status_code == 400
    assert api.delete(url).status_code == 204
    assert not Subscription.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once(api):
    created = create(api).json()
    response = api.post(f"{created['api_url']}rotate-secret/")
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert response.json()["secret"] == subscription.secret != created["secret"]
    assert subscription.previous_secret == created["secret"]


def test_deliveries_are_listed_with_their_attempts_and_replayed(api, closed_port, allow_loopback):
    subscription = Subscription.objects.get(pk=create(api).json()["id"])
    Subscription.objects.filter(pk=subscription.pk).update(url=f"http://127.0.0.1:{closed_port}/")
    delivery = make_delivery(subscription)
    now = timezone.now()
    for _ in range(ATTEMPTS_PER_ROUND):
        attempt_delivery(delivery.pk, now=now)
        delivery.refresh_from_db()
        now = delivery.next_attempt_at or now
    listed = api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?status=failed").json()
    [item] = listed["results"]
    assert item["event_id"] == delivery.event_id and item["status"] == "failed"
    assert item["attempts"] == ATTEMPTS_PER_ROUND and len(item["attempt_log"]) == ATTEMPTS_PER_ROUND
    assert "Gave up after" in item["last_error"] and item["payload"]["type"] == "claim.status_changed"
    assert api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?status=pending").json()["results"] == []
    assert api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?status=lost").status_code == 400

    replayed = api.post(item["replay_url"])
    assert replayed.status_code == 202 and replayed.json()["status"] == "pending"
    assert Delivery.objects.get().status == "pending"


def test_replay_failed_since_and_a_replay_during_an_attempt(api):
    subscription = Subscription.objects.get(pk=create(api).json()["id"])
    failed, running = make_delivery(subscription), make_delivery(subscription)
    Delivery.objects.filter(pk=failed.pk).update(status="failed", next_attempt_at=None)
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    response = api.post(f"/api/v1/webhooks/{subscription.pk}/replay/", {"since": since}, format="json")
    assert response.status_code == 202 and response.json() == {"replayed": 1}
    assert api.post(f"/api/v1/webhooks/{subscription.pk}/replay/", {}, format="json").status_code == 400
    _claim(running.pk, timezone.now())
    conflict = api.post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{running.pk}/replay/")
    assert conflict.status_code == 409 and "being attempted now" in conflict.json()["detail"]


def test_a_test_event_goes_to_this_subscription_only(api, stranger):
    mine = create(api).json()
    create(stranger, url="https://other.newsroom.example/")
    response = api.post(f"{mine['api_url']}test/")
    assert response.status_code == 202
    assert response.json()["event_type"] == "webhook.test"
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [mine["id"]]


def test_the_list_as_csv_holds_only_ones_own_and_no_secret_and_there_is_no_whole_set_export(api, stranger):
    mine = create(api).json()
    theirs = create(stranger, url="https://other.newsroom.example/").json()
    csv_text = api.get("/api/v1/webhooks/?format=csv").content.decode()
    assert csv_text.splitlines()[0].startswith("id,api_url,url,description")
    assert len(csv_text.splitlines()) == 2 and mine["secret"] not in csv_text
    assert str(mine["id"]) in csv_text and theirs["url"] not in csv_text
    # A token holder's subscriptions are not a data set: no export address.
    assert api.get("/api/v1/webhooks/export/?format=csv").status_code == 404
