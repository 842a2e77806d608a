"""Formats besides JSON: CSV for every list, BibTeX and CSL-JSON citations.

CSV is flat: one row per item, the columns a viewset names in `csv_columns`
(each a dotted path into the item's JSON, lists joined with "; "), or, for a
viewset that names none, every top-level scalar field. The columns of each
list are documented in the API description.
"""

import csv
import io
import json

from rest_framework import renderers

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
            writer.writerow([_cell(_value_at(row, column)) for column in columns])
        return out.getvalue().encode(self.charset)


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


class CSLJSONRenderer(renderers.JSONRenderer):
    """CSL-JSON: always a JSON array of CSL items, as citation managers expect."""

    media_type = "application/vnd.citationstyles.csl+json"
    format = "csl-json"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(data, "application/json", renderer_context)
