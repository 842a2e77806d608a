"""One machine-readable error shape for every API failure:

    {"status": 400, "code": "invalid", "detail": "Some fields are invalid.",
     "errors": {"severity": [{"code": "invalid_choice", "message": "..."}]}}

`errors` names each offending field (a body field, a query parameter, or
"body" for the request body as a whole); it is empty when no field is at
fault (404, 401, 429, ...).
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with the stored data."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _flatten(detail, codes, prefix=""):
    """DRF's nested {field: [ErrorDetail]} into {"field" or "a.b": [{code, message}]}."""
    flat = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, codes.get(key, {}) if isinstance(codes, dict) else codes, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            code_list = codes if isinstance(codes, list) else [codes] * len(detail)
            flat[prefix or "non_field_errors"] = [
                {"code": str(code), "message": str(message)} for message, code in zip(detail, code_list)
            ]
        else:
            for index, item in enumerate(detail):
                item_codes = codes[index] if isinstance(codes, list) and index < len(codes) else {}
                flat.update(_flatten(item, item_codes, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [{"code": str(codes), "message": str(detail)}]
    return flat


def _field_for(exc) -> str | None:
    if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType | PayloadTooLarge):
        return "body"
    return None


def api_exception_handler(exc, context):
    """DRF's handler, then reshaped into the error envelope above."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, RequestDataTooBig):
        # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before our
        # parser sees them; answer like the parser's own limit.
        exc = PayloadTooLarge()
    if isinstance(exc, IntegrityError):
        # A database rule the validation did not foresee: refuse, name the rule.
        exc = Conflict(f"The change breaks a database rule: {str(exc).splitlines()[0][:200]}")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail, exc.get_codes())
        detail = "Some fields are invalid: " + ", ".join(sorted(errors)) + "."
        code = "invalid"
    else:
        detail_obj = getattr(exc, "detail", None)
        detail = str(detail_obj) if detail_obj is not None else "Not found."
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "not_found"
        if isinstance(exc, Http404):
            detail, code = "Not found.", "not_found"
        code = code if isinstance(code, str) else "error"
        field = _field_for(exc)
        errors = {field: [{"code": code, "message": detail}]} if field else {}
    response.data = {"status": response.status_code, "code": code, "detail": detail, "errors": errors}
    return response


def error_response(status_code: int, code: str, detail: str, field: str | None = None) -> Response:
    errors = {field: [{"code": code, "message": detail}]} if field else {}
    return Response({"status": status_code, "code": code, "detail": detail, "errors": errors}, status=status_code)
