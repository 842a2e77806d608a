"""JSON bodies only, capped in size before they are read into memory."""

from django.conf import settings
from rest_framework.parsers import JSONParser

from .errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies over API_MAX_BODY_BYTES with 413, by
    Content-Length when given and by what it reads otherwise (chunked)."""

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
        return super().parse(io.BytesIO(data), media_type, parser_context)
