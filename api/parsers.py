"""JSON bodies only, capped in size before they are read into memory."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# No resource nests deeper than a few levels; a body nested past this is refused.
MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested more than {MAX_DEPTH} levels deep."


def depth_over(value, limit: int) -> bool:
    """Whether `value` nests lists and objects deeper than `limit` (stops at the first such branch)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies over API_MAX_BODY_BYTES with 413, by
    Content-Length when given and by what it reads otherwise (chunked), and
    bodies nested deeper than MAX_DEPTH with 400 (Python's decoder ran out
    of stack on 100,000 nested brackets: a 500)."""

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
        if depth_over(parsed, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return parsed
