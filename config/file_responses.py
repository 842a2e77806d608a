"""Stored files (the briefing PDFs) answered as a static file server answers
them: a strong ETag (the file's SHA-256, recorded when it was stored), a
Last-Modified, 304 for a reader whose copy is current, and byte ranges
(RFC 9110 section 14), which PDF viewers use to show the first page before
the rest arrives and downloads use to resume.

The whole file goes out through the WSGI server's file wrapper (gunicorn
sends it with sendfile, without copying it through Python), so a web
thread is held for the transfer and nothing more. One range is answered
with 206 and just its bytes; a request for several ranges gets the whole
file (a server may ignore a Range header, and one-part answers are all PDF
readers need); a range past the end gets 416 with the file's length. A
Range header that is not valid is ignored, as the RFC asks, and If-Range
lets a client that holds an older copy get the whole new file instead of a
piece of it.
"""

import re
from dataclasses import dataclass

from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredFile:
    """What is known of a stored file without opening it (kept in the
    shared cache, so plain values only: the storage is the caller's)."""

    name: str
    size: int
    sha256: str  # empty when unknown: then no ETag, and If-Range by date only
    modified: int  # seconds since the epoch
    content_type: str
    filename: str
    disposition: str = "inline"  # or "attachment": saved rather than shown


def byte_range(header: str, size: int):
    """(first, last) byte positions of a single-range header, inclusive;
    None when the header is to be ignored (not valid, or several ranges);
    "unsatisfiable" when it asks for nothing inside the file."""
    match = RANGE_RE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # the last N bytes
        length = int(end)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    first = int(start)
    last = int(end) if end else size - 1
    if end and last < first:
        return None
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


def _if_range_allows(request, etag: str, modified: int) -> bool:
    """A Range applies unless If-Range names another version of the file."""
    condition = request.headers.get("If-Range")
    if condition is None:
        return True
    if condition.startswith('"') or condition.startswith("W/"):
        return etag is not None and condition == etag  # strong comparison: a weak tag never matches
    return parse_http_date_safe(condition) == modified


def _part(file, first: int, last: int):
    try:
        file.seek(first)
        left = last - first + 1
        while left > 0:
            chunk = file.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        file.close()


def serve_file(request, storage, stored: StoredFile, headers: dict | None = None):
    """Answer a GET or HEAD for `stored`, a file of `storage` (see the
    module docstring)."""
    etag = f'"{stored.sha256}"' if stored.sha256 else None
    common = {
        **({"ETag": etag} if etag else {}),
        "Last-Modified": http_date(stored.modified),
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'{stored.disposition}; filename="{stored.filename}"',
        **(headers or {}),
    }
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=stored.modified, response=_with(HttpResponse(), common)
    )
    if not_modified.status_code in (304, 412):
        return not_modified

    wanted = request.headers.get("Range")
    piece = byte_range(wanted, stored.size) if wanted and _if_range_allows(request, etag, stored.modified) else None
    if piece == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{stored.size}"
        return _with(response, common)
    try:
        file = storage.open(stored.name, "rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing from the media storage.") from None
    if piece is None:
        response = FileResponse(file, content_type=stored.content_type)
        response["Content-Length"] = str(stored.size)
        return _with(response, common)
    first, last = piece
    response = FileResponse(_part(file, first, last), status=206, content_type=stored.content_type)
    response["Content-Range"] = f"bytes {first}-{last}/{stored.size}"
    response["Content-Length"] = str(last - first + 1)
    return _with(response, common)


def _with(response, headers: dict):
    for name, value in headers.items():
        response[name] = value
    return response
