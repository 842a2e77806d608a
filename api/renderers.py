"""How responses are written: JSON (by orjson where that gives DRF's exact
bytes), CSV for every list, JSON Lines for exports, BibTeX and CSL-JSON
citations.

CSV is flat: one row per item, the columns a viewset names in `csv_columns`
(each a dotted path into the item's JSON, lists joined with "; "), or, for a
viewset that names none, every top-level scalar field. The columns of each
list are documented in the API description. A list's export (api.exports)
writes its rows with `csv_row` and its JSON Lines with `json_line`, so a
page and a whole-set download hold the same cells and the same items.
"""

import csv
import io
import json

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders

from incidents.text import for_csv

LIST_SEPARATOR = "; "


def _value_at(item, path: str):
    value = item
    for part in path.split("."):
        if isinstance(value, list):
            value = [v.get(part) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return for_csv(str(value))  # no control characters, no formula a spreadsheet would run


def csv_row(item, columns) -> list[str]:
    """The CSV cells of one item, in the order of `columns`."""
    return [_cell(_value_at(item, column)) for column in columns]


def csv_columns_for(view, rows) -> list[str]:
    columns = getattr(view, "csv_columns", None)
    if columns:
        return list(columns)
    if rows:
        return [key for key, value in rows[0].items() if not isinstance(value, (dict, list))]
    # An empty page still gets its header row, so a script reading the
    # columns by name works on an empty result too.
    return _scalar_fields(view)


def _scalar_fields(view) -> list[str]:
    from rest_framework import serializers

    try:
        fields = view.get_serializer().fields
    except (AssertionError, AttributeError):  # a view without a serializer: nothing to name
        return []
    nested = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, serializers.ManyRelatedField,
              serializers.JSONField)
    return [name for name, field in fields.items() if not field.write_only and not isinstance(field, nested)]


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if response is not None and response.status_code >= 400 and isinstance(data, dict):
            writer.writerow(["field", "code", "message"])
            for field, problems in (data.get("errors") or {"": [{"code": data.get("code"), "message": data.get("detail")}]}).items():
                for problem in problems:
                    writer.writerow([field, problem.get("code"), problem.get("message")])
            return out.getvalue().encode(self.charset)
        rows = data.get("results", []) if isinstance(data, dict) else (data or [])
        if isinstance(data, dict) and "results" not in data:
            rows = [data]
        columns = csv_columns_for(view, rows)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(csv_row(row, columns))
        return out.getvalue().encode(self.charset)


_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))
_DRF_ENCODER = encoders.JSONEncoder()


class _WrittenOtherwise(TypeError):
    """orjson would not write this value as DRF does: DRF's encoder writes it (or refuses it)."""


def _written_alike(number: float) -> bool:
    """Whether orjson writes this float as DRF's encoder (Python's repr)
    does: zero, and from 1e-4 up to 1e16, where neither uses an exponent.
    Outside, orjson writes "1e-7" and "0.00001" for "1e-07" and "1e-05";
    NaN and the infinities, which DRF's strict encoder refuses, it writes
    as null."""
    return not number or 1e-4 <= abs(number) < 1e16


def _default(value):
    """What DRF's encoder writes for a type JSON lacks (times, decimals, lazy
    text...), as long as orjson then writes it alike."""
    written = _DRF_ENCODER.default(value)
    if isinstance(written, float) and not _written_alike(written):
        raise _WrittenOtherwise
    return written


def _floats_written_alike(data) -> bool:
    """Whether every float in `data` is one orjson writes as DRF does.
    Walked level by level, each value's type checked once: text, numbers
    and booleans are most of what an API response holds."""
    level = [data]
    while level:
        below = []
        for node in level:
            if isinstance(node, dict):
                values = node.values()
            elif isinstance(node, (list, tuple)):
                values = node
            else:
                values = (node,)
            for value in values:
                kind = type(value)
                if kind is str or kind is int or kind is bool or value is None:
                    continue
                if kind is float:
                    if not _written_alike(value):
                        return False
                elif isinstance(value, (dict, list, tuple)):
                    below.append(value)
        level = below
    return True


class FastJSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, byte for byte, written by orjson: its C encoder took a
    noticeable part of a 100-item list's time (figures: docs/benchmarks.md).

    orjson writes the same text for strings, integers, booleans and null,
    keeps key order, and is given DRF's own handling of every type JSON
    lacks (times included: orjson would write them its own way). What it
    would write differently goes to DRF's renderer instead: indented output,
    a float it writes otherwise or that is not finite (see _written_alike),
    and anything it refuses (keys that are not text, integers past 64 bits,
    lone surrogates). Like DRF, it escapes U+2028 and U+2029, which JSON
    allows raw but JavaScript strings do not.

    tests/api/test_fast_json.py compares the two on every character and on
    floats of every magnitude; tests/api/test_representation_unchanged.py
    pins whole responses."""

    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.ensure_ascii or not self.compact or not self.strict:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        if not _floats_written_alike(data):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=self._OPTIONS)
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in body:
                body = body.replace(raw, escaped)
        return body


_ITEM_JSON = FastJSONRenderer()


def json_line(data) -> bytes:
    """`data` as one line of JSON Lines: the bytes the JSON renderer gives
    it (compact, so no raw newline inside) and a newline."""
    return _ITEM_JSON.render(data) + b"\n"


class JSONLinesRenderer(renderers.BaseRenderer):
    """JSON Lines (jsonlines.org): one JSON value per line, UTF-8. An
    export streams its items this way (api.exports); what is rendered here
    is an error, its envelope on one line."""

    media_type = "application/jsonl"
    format = "jsonl"
    charset = None  # always UTF-8, as JSON

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json_line(data)


class NDJSONRenderer(JSONLinesRenderer):
    """The same lines under the older name some clients ask for (NDJSON)."""

    media_type = "application/x-ndjson"


class BibTeXRenderer(renderers.BaseRenderer):
    """The view puts the BibTeX text (or a list of entries) in the response data."""

    media_type = "application/x-bibtex"
    format = "bibtex"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, list):
            data = "\n\n".join(data)
        if isinstance(data, dict):  # an error envelope
            data = f"% {data.get('status')} {data.get('detail')}"
        return (str(data) + "\n").encode(self.charset)


class CSLJSONRenderer(FastJSONRenderer):
    """CSL-JSON: always a JSON array of CSL items, as citation managers expect."""

    media_type = "application/vnd.citationstyles.csl+json"
    format = "csl-json"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(data, "application/json", renderer_context)
