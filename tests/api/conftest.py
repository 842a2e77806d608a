import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from rest_framework.test import APIClient

from api.tokens import issue_token

WRITE_MODELS = ("incident", "claim", "evidence", "measurement")


@pytest.fixture(autouse=True)
def fresh_throttle_history(settings):
    """Throttle counts live in the cache; each test starts from zero, with
    rates high enough not to interfere unless a test lowers them."""
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "token": "10000/minute", "journalist": "10000/minute"},
    }
    yield
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def make_user(django_user_model):
    def make(username="reader", perms=(), groups=()):
        user = django_user_model.objects.create_user(username=username)  # no password: hashing is slow
        for codename in perms:
            user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="incidents"))
        for name in groups:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        return user

    return make


@pytest.fixture
def editor_token(make_user):
    """Plain text of a token whose user may add and change the writable models, and publish (an editor)."""
    perms = [f"{action}_{model}" for model in WRITE_MODELS for action in ("add", "change")] + ["publish_incident"]
    _, plain = issue_token(make_user("editor", perms=perms), "tests")
    return plain


@pytest.fixture
def editor(client, editor_token):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {editor_token}")
    return client


@pytest.fixture
def rich_incident():
    """A published incident with one of everything linked to it: organisation,
    AI system, taxonomy term, claim, source, evidence and a published figure."""
    from tests.factories import (
        ClaimFactory,
        EvidenceFactory,
        IncidentFactory,
        IncidentOrganisationFactory,
        IncidentSystemFactory,
        MeasurementFactory,
        TaxonomyTermFactory,
    )

    def make(**fields):
        incident = IncidentFactory(**fields)
        IncidentOrganisationFactory(incident=incident)
        system_link = IncidentSystemFactory(incident=incident)
        incident.taxonomy.add(TaxonomyTermFactory())
        claim = ClaimFactory(incident=incident)
        evidence = EvidenceFactory(incident=incident, claim=claim)
        MeasurementFactory(incident=incident, evidence=evidence, claim=claim, system=system_link.system)
        return incident

    return make


# Failed credentials (tests/api/test_credential_throttle.py, test_throttle_lockout.py).


@pytest.fixture
def few_failures(settings):
    settings.AUTH_FAILURE_LIMIT = 3
    settings.AUTH_FAILURE_WINDOW_SECONDS = 600


@pytest.fixture
def admin_user(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_superuser("editor-in-chief", password="the-right-password-42")


def login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
