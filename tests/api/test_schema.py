"""The OpenAPI 3 schema validates, describes every field and parameter, has
examples for the main endpoints; Swagger UI and Redoc pages load from our
own static files under the site's Content-Security-Policy."""

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_served_as_openapi_3_and_validates(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)
    yaml = client.get("/api/schema/")
    assert yaml.status_code == 200 and b"openapi: 3" in yaml.content


def test_generator_schema_validates(schema):
    validate(schema)


def test_every_resource_is_documented_with_list_and_item(schema):
    for resource in ("incidents", "claims", "evidence", "sources", "metrics", "measurements", "organisations", "systems", "taxonomy"):
        assert f"/api/v1/{resource}/" in schema["paths"], resource
        assert any(re.fullmatch(rf"/api/v1/{resource}/\{{[a-z_]+\}}/", path) for path in schema["paths"]), resource


def _properties(schema):
    for name, component in schema["components"]["schemas"].items():
        for prop, spec in (component.get("properties") or {}).items():
            yield name, prop, spec


API_COMPONENTS = {"Incident", "IncidentDetail", "Claim", "Evidence", "Measurement", "Source", "SourceDetail", "Metric",
                  "Organisation", "AISystem", "TaxonomyTerm", "ClaimBrief", "MeasurementBrief", "SourceBrief",
                  "IncidentDetailRequest", "ClaimRequest", "EvidenceRequest", "MeasurementRequest", "Error"}


def test_every_field_of_our_resources_is_described(schema):
    undescribed = [
        f"{name}.{prop}" for name, prop, spec in _properties(schema)
        if name.removeprefix("Patched") in API_COMPONENTS and not (spec.get("description") or "allOf" in spec or "$ref" in spec)
    ]
    assert undescribed == []
    assert API_COMPONENTS <= set(schema["components"]["schemas"])


def test_every_parameter_and_operation_is_described(schema):
    missing = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if not operation.get("summary"):
                missing.append(f"{method} {path}")
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    missing.append(f"{method} {path} ?{parameter['name']}")
    assert missing == []


def test_main_endpoints_have_examples(schema):
    incidents = schema["paths"]["/api/v1/incidents/"]
    detail = schema["paths"]["/api/v1/incidents/{public_id}/"]
    assert incidents["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert detail["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert incidents["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert schema["paths"]["/api/v1/claims/"]["post"]["requestBody"]["content"]["application/json"]["examples"]


def test_errors_and_formats_are_documented(schema):
    operation = schema["paths"]["/api/v1/incidents/"]["get"]
    assert {"400", "429"} <= set(operation["responses"])
    assert operation["responses"]["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert {"text/csv", "application/x-bibtex", "application/vnd.citationstyles.csl+json"} <= set(
        operation["responses"]["200"]["content"])
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "kind", "severity", "year", "taxonomy", "organisation", "system", "has_reproduction", "reproduction",
            "updated_since", "ordering", "page", "page_size", "pagination", "cursor"} <= names
    assert schema["components"]["schemas"]["IncidentDetailRequest"]["additionalProperties"] is False


def test_reading_is_documented_as_open_and_writing_as_token(schema):
    assert schema["paths"]["/api/v1/incidents/"]["get"]["security"] == [{"tokenAuth": []}, {}]
    assert schema["paths"]["/api/v1/incidents/"]["post"]["security"] == [{"tokenAuth": []}]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_from_our_own_static_files(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "fonts.googleapis" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts
    for src in scripts:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
        else:
            script = client.get(src)
            assert script.status_code == 200 and b"/api/schema/" in script.content
    # No inline script: the page works under script-src 'self'.
    assert re.search(r"<script>\s*\S", html) is None
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_getting_started_page_loads_and_links_the_docs(client):
    response = client.get("/api/docs/getting-started/")
    assert response.status_code == 200
    html = response.content.decode()
    for link in ('href="/api/docs/"', 'href="/api/redoc/"', 'href="/api/schema/"'):
        assert link in html
    assert "curl" in html and "import requests" in html
    assert "after 10 from one address within 15 minutes" in " ".join(html.split())


def test_query_parameters_that_refuse_blank_values_say_so(schema):
    """The list refuses a blank value or a NUL by name (api.views); the
    schema's text parameters say the same with a pattern, so a client (or
    schemathesis) built from it never sends what is refused. The search is
    the exception: empty means no search."""
    said_wrongly, checked = [], 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                value_schema = parameter.get("schema", {})
                while value_schema.get("type") == "array":
                    value_schema = value_schema.get("items", {})
                if parameter["in"] != "query" or value_schema.get("type") != "string" or "enum" in value_schema:
                    continue
                pattern = value_schema.get("pattern")
                accepts = [text for text in ("", "  ", "a\x00b") if pattern is None or re.search(pattern, text)]
                if parameter["name"] == "q":
                    if pattern is not None:
                        said_wrongly.append(f"{method} {path} ?q refuses an empty search")
                elif accepts:
                    said_wrongly.append(f"{method} {path} ?{parameter['name']} accepts {accepts!r}")
                checked += 1
    assert checked > 50 and said_wrongly == []
