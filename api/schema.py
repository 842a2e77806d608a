"""OpenAPI generation: the error envelope documented on every operation,
request bodies marked closed (`additionalProperties: false`), since
unknown fields are refused, and each list's export (api.exports) described
with the list's filters and a summary naming the list."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (aikb_...), sent as `Authorization: Bearer <token>`. Reading needs none.",
        }


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. required, invalid_choice, unknown_field.")
    message = serializers.CharField(help_text="What is wrong, for a person.")


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(help_text="Machine-readable kind of error, e.g. invalid, not_found, throttled.")
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    errors = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        help_text="Problems by field: a body field, a query parameter, or 'body' for the request body as a whole.",
    )


ERROR_RESPONSES = {
    "400": "Invalid input: `errors` names each field or query parameter at fault.",
    "401": "The token given is unknown or revoked.",
    "403": "The token may not do this (read-only, or its user lacks the model permission).",
    "404": "No such item (or not visible to you).",
    "406": "None of the accepted formats is offered.",
    "413": "The request body is too large.",
    "409": "The change conflicts with stored data (a database rule).",
    "415": "Send the body as application/json.",
    "429": "Too many requests: wait the seconds given in Retry-After.",
}
WRITE_ONLY_ERRORS = {"403", "409", "413", "415"}


def _is_export(view) -> bool:
    return getattr(view, "action", None) == "export"


class ApiAutoSchema(AutoSchema):
    def get_summary(self):
        if _is_export(self.view):
            name = self._tokenize_path()[-2]  # .../<list>/export/
            return f"Export the whole {name} list: every item its parameters select, as CSV or JSON Lines"
        return super().get_summary()

    def get_operation_id(self):
        if _is_export(self.view):
            return "_".join(token.replace("-", "_") for token in self._tokenize_path())  # e.g. incidents_export
        return super().get_operation_id()

    def get_filter_backends(self):
        # An export takes its list's filters (and no pages: its response is
        # not a list of serialised items, so no pagination parameters).
        if _is_export(self.view):
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()

    def get_auth(self):
        # Reading is open to anonymous clients too.
        auths = super().get_auth()
        if self.method in ("GET", "HEAD") and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        for code, text in ERROR_RESPONSES.items():
            if code in responses or (code in WRITE_ONLY_ERRORS and not writes):
                continue
            responses[code] = self._get_response_for_code(OpenApiResponse(ErrorSerializer, description=text), code)
        return responses


def close_request_bodies(result, generator, request, public):
    """Postprocessing hook: request components (…Request) accept no other properties."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


PATH_PARAMETER_TEXT = {
    "public_id": "Permanent identifier of the incident, e.g. AIKB-2025-0001.",
    "slug": "Stable identifier (slug) of the item.",
    "id": "Id of the item.",
}
FORMAT_TEXT = (
    "Response format instead of the Accept header: json (default); csv on lists; "
    "bibtex and csl-json on incidents and sources; csv (default) or jsonl on exports."
)


FORMAT_SCHEMAS = {
    "text/csv": {"type": "string", "description": "CSV: a header row, then one row per item."},
    "application/jsonl": {"type": "string", "description": "JSON Lines: one JSON object per line, each an item."},
    "application/x-ndjson": {"type": "string", "description": "JSON Lines: one JSON object per line, each an item."},
    "application/x-bibtex": {"type": "string", "description": "BibTeX entries, one per item."},
    "application/vnd.citationstyles.csl+json": {
        "type": "array", "items": {"type": "object", "additionalProperties": True},
        "description": "CSL-JSON items, one per item (an array even for one item).",
    },
}


def _refuse_blank(parameter):
    """A query parameter's value must hold a non-blank character and no NUL
    (api.views refuses either by name), except the search, where empty is none."""
    from .views import EMPTY_ALLOWED  # the rule's owner; imported late, as views import this module's users

    if parameter["name"] in EMPTY_ALLOWED:
        return
    schema = parameter.get("schema", {})
    while schema.get("type") == "array":
        schema = schema.get("items", {})
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        schema["pattern"] = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"  # and no NUL, refused as well


def describe_parameters(result, generator, request, public):
    """Postprocessing hook: path parameters and `format` get a description,
    query parameters that refuse a blank value say so (a pattern), and the
    other formats' bodies their own schema (not the JSON one)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for code, response in operation.get("responses", {}).items():
                if not str(code).startswith("2"):
                    continue  # errors keep the error envelope in every format
                for media_type, content in (response.get("content") or {}).items():
                    if media_type in FORMAT_SCHEMAS:
                        content["schema"] = FORMAT_SCHEMAS[media_type]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    _refuse_blank(parameter)
                if parameter.get("description"):
                    continue
                if parameter["in"] == "path":
                    parameter["description"] = PATH_PARAMETER_TEXT.get(parameter["name"], "Identifier of the item.")
                elif parameter["name"] == "format":
                    parameter["description"] = FORMAT_TEXT
    return result
