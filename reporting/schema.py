"""JSON Schema (Draft 2020-12) of the two report documents, served at
/api/schema/serious-incident-report.json: the Article 73 document
(reporting.article73) and the Code of Practice document
(reporting.code_of_practice). Built from the same constants the documents
use, so a section, a field source or a clock status cannot drift apart."""

from . import article73, code_of_practice
from .documents import INCIDENT, NOT_YET_KNOWN, REPORT, SCHEMA_PATH

SOURCES = [REPORT, INCIDENT, NOT_YET_KNOWN]
STATUSES = ["met", "due", "overdue", "unknown"]

_datetime = {"type": ["string", "null"], "format": "date-time"}

CLOCK = {
    "type": "object",
    "required": ["key", "label", "basis", "due_at", "status", "submitted_at", "late_by_seconds", "note"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "pattern": "^(initial|intermediate-[0-9]+|final)$"},
        "label": {"type": "string"},
        "basis": {"type": "string"},
        "due_at": _datetime,
        "status": {"enum": STATUSES},
        "submitted_at": _datetime,
        "late_by_seconds": {"type": ["number", "null"], "minimum": 0},
        "note": {"type": "string"},
    },
}

FIELD = {
    "type": "object",
    "required": ["label", "value", "source"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string"},
        "value": True,
        "source": {"enum": SOURCES, "description": "Where the value comes from; 'not yet known' has value null."},
        "basis": {"type": "string", "description": "The article of the AI Act that names this field."},
    },
    "if": {"properties": {"source": {"const": NOT_YET_KNOWN}}},
    "then": {"properties": {"value": {"type": "null"}}},
    "else": {"properties": {"value": {"not": {"type": "null"}}}},
}

ITEM = {
    "type": "object",
    "required": ["item", "label", "value", "known", "source", "in_initial_report"],
    "additionalProperties": False,
    "properties": {
        "item": {"type": "integer", "minimum": 1, "maximum": 9},
        "label": {"type": "string"},
        "value": True,
        "known": {"type": "boolean"},
        "source": {"enum": SOURCES},
        "in_initial_report": {"type": "boolean"},
    },
}

_COMMON = {
    "$schema": {"type": "string"},
    "version": {"const": 1},
    "regime": {"enum": ["ai-act-art73", "gpai-cop"]},
    "report": {"type": "integer"},
    "url": {"type": "string"},
    "incident": {"type": "string", "pattern": "^AIKB-[0-9]{4}-[0-9]{4,}$"},
    "incident_url": {"type": "string"},
    "clocks": {"type": "array", "items": {"$ref": "#/$defs/clock"}, "minItems": 2},
}

ARTICLE73 = {
    "type": "object",
    "required": [*_COMMON, "format", "template", "sections"],
    "additionalProperties": False,
    "properties": {
        **_COMMON,
        "format": {"const": article73.FORMAT},
        "template": {
            "type": "object",
            "required": ["status", "note"],
            "properties": {"status": {"enum": ["confirmed", "reconstructed"]}, "note": {"type": "string"}},
        },
        "sections": {
            "type": "object",
            "required": list(article73.SECTION_TITLES),
            "additionalProperties": False,
            "properties": {
                key: {
                    "type": "object",
                    "required": ["title", "template", "fields"],
                    "additionalProperties": False,
                    "properties": {
                        "title": {"const": title},
                        "template": {"enum": ["confirmed", "reconstructed"]},
                        "fields": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}, "minProperties": 1},
                    },
                }
                for key, title in article73.SECTION_TITLES.items()
            },
        },
    },
}

COP = {
    "type": "object",
    "required": [*_COMMON, "format", "basis", "items"],
    "additionalProperties": False,
    "properties": {
        **_COMMON,
        "format": {"const": code_of_practice.FORMAT},
        "basis": {"type": "string"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 9, "maxItems": 9},
    },
}

REPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_PATH,
    "title": "AIKB serious-incident report (EU AI Act Art. 73 / GPAI Code of Practice measure 9.2)",
    "oneOf": [{"$ref": "#/$defs/article73"}, {"$ref": "#/$defs/code_of_practice"}],
    "$defs": {"clock": CLOCK, "field": FIELD, "item": ITEM, "article73": ARTICLE73, "code_of_practice": COP},
}
