"""The serious-incident report endpoints against their own OpenAPI
description (schemathesis, as tests/api/test_schemathesis.py does for the
whole API): no server error, every response inside the schema."""

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from api.tokens import issue_token

from .factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db

for backend in caches.all(initialized_only=False):
    backend.clear()
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}})
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=CONFIG)


@pytest.fixture(autouse=True)
def keep_the_test_connection(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "token": "100000/minute", "journalist": "100000/minute"},
    }
    ReportSubmissionFactory()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def reporting_token(django_user_model):
    user = django_user_model.objects.create_user(username="reporting-editor")
    for app, codename in [("reporting", "add_seriousincidentreport"), ("reporting", "change_seriousincidentreport"),
                          ("reporting", "add_reportsubmission"), ("incidents", "publish_incident"),
                          ("incidents", "change_incident")]:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app))
    return issue_token(user, "tests")[1]


@schema.include(path_regex="serious-incident-reports").parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_report_endpoints_conform(case, reporting_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {reporting_token}"},
        checks=[checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
                checks.response_schema_conformance],
    )


@schema.include(path_regex="serious-incident-reports").parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_report_endpoints_conform_anonymously(case):
    case.call_and_validate(
        checks=[checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
                checks.response_schema_conformance],
    )
