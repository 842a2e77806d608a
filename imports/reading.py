"""Reading import files safely: a size limit checked before any byte is read,
strict UTF-8 decoding, and a location (file, line, entry) on every item so an
error report says exactly where the bad input sits."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings


@dataclass
class RawItem:
    """One item read from a file: its document, or why it could not be read."""

    location: str
    document: Any = None
    error: str | None = None
    context: Any = None  # what the whole file says about its items (e.g. a release, a glossary)


class FileRefused(Exception):
    """The whole file cannot be read (too large, missing, not the expected format)."""


def display_path(path: Path) -> str:
    return str(path)


def check_size(path: Path) -> None:
    """Refuse a file over the import limit before opening it."""
    limit = settings.AIKB_IMPORT_MAX_BYTES
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileRefused(f"cannot read the file: {error.strerror}") from None
    if size > limit:
        raise FileRefused(
            f"the file is {size:,} bytes, over the import limit of {limit:,} bytes "
            "(AIKB_IMPORT_MAX_BYTES); split it or raise the limit"
        )


def decode(data: bytes) -> str:
    """Strict UTF-8 (a byte-order mark is allowed); the message names the offending byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte {error.start}: 0x{data[error.start]:02x}); save the file as UTF-8"
        ) from None


def read_bytes(path: Path) -> bytes:
    check_size(path)
    return path.read_bytes()


def json_error(error: json.JSONDecodeError) -> str:
    return f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"


def iter_json_file(path: Path) -> Iterator[RawItem]:
    """A file holding one JSON document."""
    location = display_path(path)
    try:
        text = decode(read_bytes(path))
        yield RawItem(location, json.loads(text))
    except FileRefused as error:
        yield RawItem(location, error=str(error))
    except json.JSONDecodeError as error:
        yield RawItem(location, error=json_error(error))
    except ValueError as error:
        yield RawItem(location, error=str(error))


def iter_jsonl_file(path: Path) -> Iterator[RawItem]:
    """A file holding one JSON document per line; each line is its own item,
    so one bad line does not hide the good ones. The file is streamed, so a
    batch of any size is read in constant memory; a single line over the
    per-line limit is reported and skipped without being held in memory."""
    limit = settings.AIKB_IMPORT_MAX_LINE_BYTES
    try:
        handle = path.open("rb")
    except OSError as error:
        yield RawItem(display_path(path), error=f"cannot read the file: {error.strerror}")
        return
    with handle:
        number = 0
        while True:
            line = handle.readline(limit + 1)
            if not line:
                break
            number += 1
            location = f"{display_path(path)}:{number}"
            if len(line) > limit and not line.endswith(b"\n"):
                skipped = _skip_rest_of_line(handle)
                yield RawItem(
                    location,
                    error=f"line of {len(line) + skipped:,} bytes is over the limit of {limit:,} bytes "
                    "(AIKB_IMPORT_MAX_LINE_BYTES); skipped",
                )
                continue
            if not line.strip():
                continue
            try:
                yield RawItem(location, json.loads(decode(line.rstrip(b"\r\n"))))
            except json.JSONDecodeError as error:
                yield RawItem(location, error=json_error(error))
            except ValueError as error:
                yield RawItem(location, error=str(error))


def _skip_rest_of_line(handle, chunk: int = 1024 * 1024) -> int:
    skipped = 0
    while True:
        data = handle.readline(chunk)
        skipped += len(data)
        if not data or data.endswith(b"\n"):
            return skipped


def expand_paths(paths, suffixes: tuple[str, ...]) -> list[Path]:
    """Files given directly, plus files with the given suffixes found under
    given folders, in a stable order."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes))
        else:
            found.append(path)
    return found
