"""Property-based run over the whole OpenAPI schema (schemathesis): for
every operation, generated requests, valid and invalid, with an editor's
token, never get a server error, and every response matches the schema
(status code, content type, body).

Bounded: a few examples per operation, in-process through the WSGI app."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 6


@pytest.fixture(autouse=True)
def keep_the_test_connection(db, rich_incident):
    """Requests go through the real WSGI handler, which closes the database
    connection after each one; the test's transaction must survive (as
    Django's test client arranges)."""
    rich_incident()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Loaded at collection: the schema view needs no database.
# Explicit examples and generated cases, valid and invalid; the coverage
# phase (every boundary of every field) would take minutes.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}})
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=CONFIG)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_response_outside_the_schema(case, editor_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {editor_token}"},
        checks=[checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
                checks.response_schema_conformance],
    )
