"""schema.json: the JSON Schema (draft 2020-12) of a release's dataset.json,
written from the models' fields, so it describes every table even when a
table is empty and changes when a field does.

Each record is {"model", "pk", "fields"}; its fields are required, typed
(text, whole number, number, true/false, ISO 8601 date or time), limited
(choices as an enum, text to its column's length) and described with the
field's help text. A release is checked against its schema before it is
stored (releases.services), so a release never contradicts its own schema.
"""

import jsonschema
from jsonschema.exceptions import best_match

from .contents import TABLES, Table

DIALECT = "https://json-schema.org/draft/2020-12/schema"
VALIDATOR = jsonschema.Draft202012Validator

_TEXT = {"CharField", "TextField", "SlugField", "URLField", "EmailField", "FileField", "GenericIPAddressField"}
_WHOLE = {"IntegerField", "SmallIntegerField", "BigIntegerField", "AutoField", "BigAutoField", "SmallAutoField"}
_NATURAL = {"PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField"}


class SchemaMismatch(Exception):
    """dataset.json does not match schema.json."""


def _value_schema(model_field) -> dict:
    """The schema of one value of `model_field` (no null, no description)."""
    kind = model_field.get_internal_type()
    if kind in ("ForeignKey", "OneToOneField"):
        return _value_schema(model_field.target_field)
    if kind in _TEXT:
        schema = {"type": "string"}
        if model_field.max_length and kind != "FileField":
            schema["maxLength"] = model_field.max_length
        return schema
    if kind in _WHOLE:
        return {"type": "integer"}
    if kind in _NATURAL:
        return {"type": "integer", "minimum": 0}
    if kind == "FloatField":
        return {"type": "number"}
    if kind == "DecimalField":
        return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    if kind == "BooleanField":
        return {"type": "boolean"}
    if kind == "DateField":
        return {"type": "string", "format": "date"}
    if kind == "DateTimeField":
        return {"type": "string", "format": "date-time"}
    if kind == "UUIDField":
        return {"type": "string", "format": "uuid"}
    if kind == "JSONField":
        return {}
    if kind == "ArrayField":
        return {"type": "array", "items": _value_schema(model_field.base_field)}
    raise TypeError(f"No JSON Schema type for {model_field.model._meta.label}.{model_field.name} ({kind}): add one")


def _description(model_field, tables: dict[str, str]) -> str:
    text = str(model_field.help_text or model_field.verbose_name).strip()
    text = text[:1].upper() + text[1:]
    if model_field.is_relation:
        target = tables.get(model_field.related_model._meta.label_lower, model_field.related_model._meta.label_lower)
        link = f"Ids of rows of {target}." if model_field.many_to_many else f"Id of a row of {target}."
        text = link if text.lower() == model_field.name.replace("_", " ") else f"{text} ({link})"
    return text


def field_schema(model_field, tables: dict[str, str]) -> dict:
    if model_field.many_to_many:
        schema = {"type": "array", "items": _value_schema(model_field.target_field), "uniqueItems": True}
    else:
        schema = _value_schema(model_field)
        choices = [value for value, _ in model_field.flatchoices] if model_field.choices else None
        if choices is not None:
            if model_field.blank and "" not in choices and schema.get("type") == "string":
                choices.append("")
            schema = {**schema, "enum": choices}
        if model_field.null:
            if "enum" in schema:
                schema["enum"] = schema["enum"] + [None]
            if "type" in schema:
                schema["type"] = [schema["type"], "null"]
    description = _description(model_field, tables)
    if model_field.choices and not model_field.many_to_many:
        description += " One of: " + "; ".join(f"{value} ({label})" for value, label in model_field.flatchoices) + "."
    return {"description": description, **schema}


def _record_schema(table: Table, tables: dict[str, str]) -> dict:
    fields = table.fields()
    return {
        "title": table.name,
        "description": table.description,
        "type": "object",
        "properties": {
            "model": {"const": table.label},
            "pk": {**_value_schema(table.model._meta.pk), "description": "The row's id, kept from release to release."},
            "fields": {
                "type": "object",
                "properties": {f.name: field_schema(f, tables) for f in fields},
                "required": [f.name for f in fields],
                "additionalProperties": False,
            },
        },
        "required": ["model", "pk", "fields"],
        "additionalProperties": False,
    }


def dataset_schema(schema_id: str) -> dict:
    """The schema of dataset.json, with `schema_id` (its permanent address) as $id."""
    tables = {table.label: table.name for table in TABLES}
    labels = [table.label for table in TABLES]
    return {
        "$schema": DIALECT,
        "$id": schema_id,
        "title": "AI Incident Knowledge Base: a dataset release",
        "description": "dataset.json of a release: every public table, one record per row, sorted by table "
        "(parents first) and by id. Loads into an empty installation with `manage.py import_export`.",
        "type": "object",
        "properties": {
            "format": {"const": "aikb-dataset", "description": "What the document is."},
            "version": {"const": 1, "description": "The version of the document's format."},
            "release": {"type": "string", "format": "date", "description": "The release date, which names it."},
            "exported_at": {"type": "string", "format": "date-time",
                            "description": "Midnight UTC of the release date."},
            "counts": {
                "type": "object",
                "description": "Records per table.",
                "properties": {label: {"type": "integer", "minimum": 0} for label in labels},
                "required": labels,
                "additionalProperties": False,
            },
            "records": {
                "type": "array",
                "description": "Every row of every table.",
                "items": {
                    "type": "object",
                    "required": ["model"],
                    "properties": {"model": {"enum": labels, "description": "The table, as app.model."}},
                    # One branch per table, chosen by "model" (cheaper than trying each with oneOf).
                    "allOf": [
                        {"if": {"properties": {"model": {"const": label}}}, "then": {"$ref": f"#/$defs/{label}"}}
                        for label in labels
                    ],
                },
            },
        },
        "required": ["format", "version", "release", "exported_at", "counts", "records"],
        "additionalProperties": False,
        "$defs": {table.label: _record_schema(table, tables) for table in TABLES},
    }


def check(document: dict, schema: dict) -> None:
    """Raise SchemaMismatch naming the first place where `document` (as
    written in dataset.json: the JSON text read back) breaks `schema`."""
    validator = VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER)
    error = best_match(validator.iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(the document)"
        raise SchemaMismatch(f"dataset.json does not match its schema at {where}: {error.message}")
