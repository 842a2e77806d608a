"""JSON bodies only, capped in size before they are read into memory."""

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from .errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# No resource nests deeper than a few levels; a body nested past this is refused.
MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested more than {MAX_DEPTH} levels deep."


def too_deep(value, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests lists and objects deeper than `limit`."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def text_problem(value) -> str | None:
    """Why a text somewhere in `value` (a key or a value) cannot be taken:
    a NUL character or a lone surrogate, which PostgreSQL cannot store or
    compare (a lookup by such a value was a server error)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "NUL characters are not allowed."
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "A lone surrogate (U+D800 to U+DFFF) is not text."
    return None


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies over API_MAX_BODY_BYTES with 413, by
    Content-Length when given and by what it reads otherwise (chunked), and
    bodies nested deeper than MAX_DEPTH, or holding text PostgreSQL cannot
    take, with 400 (Python's decoder ran out of stack on 100,000 nested
    brackets, and a NUL in a referenced id reached the database: 500s)."""

    def parse(self, stream, media_type=None, parser_context=None):
        import io

        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_large = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            if declared and int(declared) > limit:
                raise too_large
        except ValueError:
            pass
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise too_large
        try:
            parsed = super().parse(io.BytesIO(data), media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if too_deep(parsed):
            raise ParseError(TOO_DEEP)
        # Named by field, as a field's own validation would.
        problems = (
            {str(name): [problem] for name, item in parsed.items() if (problem := text_problem([name, item]))}
            if isinstance(parsed, dict)
            else ({"non_field_errors": [problem]} if (problem := text_problem(parsed)) else {})
        )
        if problems:
            raise ValidationError(problems)
        return parsed
