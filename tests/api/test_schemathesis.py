"""Property-based run over the whole OpenAPI schema (schemathesis): for
every operation, generated requests, valid and invalid, with an editor's
token, never get a server error, and every response matches the schema
(status code, content type, body).

Bounded: a few examples per operation, in-process through the WSGI app."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, assume, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 30
# Query parameters that name other items.
REFERENCES = {"incident", "organisation", "system", "taxonomy", "metric", "claim", "source", "developer", "harness",
              "model", "parent"}


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


# Loaded at collection: the schema view needs no database. Throttle counts
# live in a cache that outlives a run; a run cut short may have left some.
for backend in caches.all(initialized_only=False):
    backend.clear()
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
                checks.response_schema_conformance, checks.negative_data_rejection],
    )


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_anonymous_requests_get_no_server_error_and_nothing_outside_the_schema(case):
    case.call_and_validate(
        checks=[checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
                checks.response_schema_conformance, checks.negative_data_rejection, checks.unsupported_method],
    )


@schema.include(method="GET").parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_read_the_schema_allows_is_accepted(case):
    """Reads: whatever the schema allows is answered. What no schema can
    say is left out: references to items that exist (an unknown slug or id
    is refused with 400 naming it, not ignored), pages past the last one
    (400 naming the page), and cursors, opaque tokens taken from `next`."""
    query = case.query or {}
    assume(not set(query) & REFERENCES and "cursor" not in query and str(query.get("page", "1")) == "1")
    case.call_and_validate(checks=[checks.not_a_server_error, checks.positive_data_acceptance])
