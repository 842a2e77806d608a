"""The JSON Schemas (draft 2020-12) of the OECD-shaped documents
(incidents.oecd_document): one incident (`aikb-oecd-incident`), and a set of
them (`aikb-oecd-incidents`, what the export streams and the importer reads).

Written from the registry (incidents.oecd) and the models' choices, so an
unknown vocabulary value fails the schema, and a new value or criterion
changes the schema with the code. Served at /api/schema/oecd-incident.json
and /api/schema/oecd-incidents.json; the importer validates every item with
`INCIDENT_VALIDATOR` before anything is written (imports.oecd).

Parts derived from other records (completeness, the model and the steps to
reproduce, the entry's own address) are marked `readOnly`: the export writes
them, the importer ignores them.
"""

import jsonschema
from django.conf import settings
from jsonschema.exceptions import best_match

from .countries import COUNTRIES
from .external_ids import SCHEME_KEYS
from .models import AISystem, DatePrecision, Evidence, Incident, IncidentOrganisation, IncidentSystem, Source
from .oecd import (
    CRITERIA,
    HAZARD_LEVELS,
    INCIDENT_LEVELS,
    ISIC_SECTIONS,
    MANDATORY_KEYS,
    AIPrinciple,
    AIRelation,
    AITask,
    Autonomy,
    BusinessFunction,
    CriticalInfrastructure,
    DeploymentBreadth,
    HarmType,
    OecdSeverity,
    Stakeholder,
    SubmitterType,
    UsageRights,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
INCIDENT_FORMAT = "aikb-oecd-incident"
SET_FORMAT = "aikb-oecd-incidents"
VERSION = 1
INCIDENT_SCHEMA_PATH = "/api/schema/oecd-incident.json"
SET_SCHEMA_PATH = "/api/schema/oecd-incidents.json"
# The top-level id of an entry of ours; any other id is an outside record's.
AIKB_SCHEME = "aikb"
EVENT_TYPES = ("incident", "hazard")


def _values(choices) -> list[str]:
    return [value for value, _ in choices.choices] if hasattr(choices, "choices") else list(choices)


def _one_of(choices, blank: bool = False, description: str = "") -> dict:
    values = _values(choices) + ([""] if blank else [])
    schema = {"type": "string", "enum": values}
    if description:
        schema["description"] = description
    return schema


def _many(choices, description: str = "") -> dict:
    schema = {"type": "array", "items": {"type": "string", "enum": _values(choices)}, "uniqueItems": True}
    if description:
        schema["description"] = description
    return schema


def _text(max_length: int | None = None, description: str = "", min_length: int = 0) -> dict:
    schema = {"type": "string"}
    if max_length:
        schema["maxLength"] = max_length
    if min_length:
        schema["minLength"] = min_length
    if description:
        schema["description"] = description
    return schema


def _object(properties: dict, required=(), description: str = "", read_only: bool = False) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}
    if description:
        schema["description"] = description
    if read_only:
        schema["readOnly"] = True
    return schema


def _list_of(item: dict, description: str = "", read_only: bool = False) -> dict:
    schema = {"type": "array", "items": item}
    if description:
        schema["description"] = description
    if read_only:
        schema["readOnly"] = True
    return schema


NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_BOOL = {"type": ["boolean", "null"]}


def _length(model, name) -> int:
    return model._meta.get_field(name).max_length


def _defs() -> dict:
    system_ref = _object(
        {"name": _text(_length(AISystem, "name"), min_length=1), "version": _text(100)},
        required=("name", "version"),
    )
    return {
        "system_ref": system_ref,
        "supporting_material": _object(
            {
                "title": _text(_length(Source, "title"), "The source's title.", min_length=1),
                "url": _text(_length(Source, "url")),
                "publisher": _text(_length(Source, "publisher")),
                "authors": {"type": "array", "items": _text(200)},
                "published_on": NULLABLE_DATE,
                "kind": _one_of(Source.Kind),
                "reliability": _one_of(Source.Reliability),
                "responding_organisation": {
                    "type": ["string", "null"],
                    "description": "For a right-of-reply response: the organisation that replied.",
                },
                "quote": _text(description="The exact words of the source.", min_length=1),
                "locator_type": _one_of(Evidence.LocatorType),
                "locator": _text(_length(Evidence, "locator"), "Page, section or timestamp (HH:MM:SS).", min_length=1),
                "stance": _one_of(Evidence.Stance),
                "basis": _one_of(Evidence.Basis, blank=True),
            },
            required=("title", "kind", "reliability", "quote", "locator_type", "locator"),
            description="A quote from a source, with where it appears (one piece of evidence).",
        ),
    }


def _criteria() -> dict:
    """The `criteria` object: one key per criterion of incidents.oecd.CRITERIA."""
    labels = {c.key: c.label for c in CRITERIA}
    read_only = {"model", "steps_to_reproduce"}
    properties = {
        "title": _text(_length(Incident, "title"), min_length=1),
        "description": _text(min_length=1, description="Plain-language summary, Markdown."),
        "submitter": _object(
            {"type": _one_of(SubmitterType, blank=True), "name": _text(200)},
            required=("type",),
        ),
        "supporting_materials": _list_of({"$ref": "#/$defs/supporting_material"}),
        "first_occurrence_date": {
            "oneOf": [
                {"type": "null"},
                _object(
                    {"date": {"type": "string", "format": "date"}, "precision": _one_of(DatePrecision)},
                    required=("date", "precision"),
                ),
            ]
        },
        "countries": _many(COUNTRIES, "ISO 3166-1 alpha-2 codes."),
        "ai_relation": _object(
            {"roles": _many(AIRelation), "note": _text()},
            required=("roles",),
        ),
        "severity": _object(
            {
                "oecd": _one_of(OecdSeverity, blank=True, description="OECD level (AI Papers No. 16)."),
                "aikb": {"type": ["integer", "null"], "minimum": 1, "maximum": 5,
                         "description": "This knowledge base's 1-5 severity (Low to Critical)."},
            },
            required=("oecd",),
        ),
        "harm_types": _many(HarmType),
        "harm_quantification": _text(),
        "unintended_use": NULLABLE_BOOL,
        "affected_stakeholders": _many(Stakeholder),
        "rights_impacts": _text(),
        "ai_principles": _many(AIPrinciple),
        "industries": _many(ISIC_SECTIONS, "ISIC Rev.4 sections, A to U."),
        "business_functions": _many(BusinessFunction),
        "critical_infrastructure": {
            **_many(CriticalInfrastructure, "CER Directive sectors; 'none' stands alone."),
            "if": {"contains": {"const": "none"}},
            "then": {"maxItems": 1},
        },
        "deployment_breadth": _one_of(DeploymentBreadth, blank=True),
        "training_data": _text(),
        "usage_rights": _list_of(
            _object(
                {"system": _text(200, min_length=1), "version": _text(100), "usage_rights": _one_of(UsageRights)},
                required=("system", "usage_rights"),
            ),
            "How each linked AI system is offered.",
        ),
        "ai_systems": _list_of(
            _object(
                {
                    "name": _text(200, min_length=1),
                    "version": _text(100),
                    "role": _one_of(IncidentSystem.Role),
                    "family": _text(100),
                    "base_system": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/system_ref"}]},
                    "developer": {"type": ["string", "null"]},
                },
                required=("name", "role"),
            )
        ),
        "developers_deployers": _list_of(
            _object(
                {"name": _text(200, min_length=1),
                 "role": {"type": "string", "enum": ["developer", "deployer"]}},
                required=("name", "role"),
            )
        ),
        "model": _list_of(
            _object({"system": _text(), "version": _text(), "family": _text(),
                     "base_system": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/system_ref"}]}}),
            "Derived from the linked AI systems' family and base system.",
            read_only=True,
        ),
        "tasks": _many(AITask),
        "autonomy_level": _one_of(Autonomy, blank=True),
        "systems_interacting": NULLABLE_BOOL,
        "actions_taken": _text(),
        "steps_to_reproduce": _list_of(
            _object({"harness": _text(), "inspect_task": _text(), "version": _text(), "url": {"type": ["string", "null"]}}),
            "Our reproduction harnesses for the entry's claims.",
            read_only=True,
        ),
        "additional_information": _text(description="The full account, Markdown."),
    }
    missing = [c.key for c in CRITERIA if c.key not in properties]
    if missing:  # a new criterion in the registry needs its schema here
        raise RuntimeError(f"No schema for OECD criteria {missing}")
    for key, schema in properties.items():
        schema["title"] = labels[key]
        if key in read_only:
            schema["readOnly"] = True
    return {
        "type": "object",
        "description": "The 29 criteria of the OECD common reporting framework, by key.",
        "properties": properties,
        # The columns an entry cannot be without; the other criteria may be left out.
        "required": ["title", "description"],
        "additionalProperties": False,
    }


def _incident_body() -> dict:
    """The incident document, without $schema/$id/$defs (shared by both schemas)."""
    kinds = _values(Incident.Kind)
    return {
        "type": "object",
        "required": ["format", "version", "id", "event_type", "criteria"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": INCIDENT_FORMAT},
            "version": {"const": VERSION},
            "id": _text(200, "AIKB-YYYY-NNNN for an entry of ours; any other id is an outside record's.",
                        min_length=1),
            "url": {"type": "string", "readOnly": True},
            "event_type": {"enum": list(EVENT_TYPES), "description": "OECD: harm happened (incident) or could "
                           "happen (hazard)."},
            "identifiers": _list_of(
                _object(
                    {"scheme": {"enum": [AIKB_SCHEME, *SCHEME_KEYS]}, "id": _text(100, min_length=1),
                     "url": {"type": ["string", "null"], "readOnly": True}},
                    required=("scheme", "id"),
                ),
                "The same event in other incident databases.",
            ),
            "criteria": _criteria(),
            "attribution": _list_of(
                _object(
                    {
                        "factor": {"enum": ["model-behaviour", "deployment-governance", "misuse",
                                            "misrepresented-capability"]},
                        "grounding": {"enum": ["evidenced", "speculative"]},
                        "explanation": _text(min_length=1),
                        "evidence": {"type": "array", "items": {"type": "integer", "minimum": 0}, "uniqueItems": True,
                                     "description": "Indexes into criteria.supporting_materials."},
                    },
                    required=("factor", "grounding", "explanation"),
                ),
                "What caused it: causal attribution (not an OECD criterion).",
            ),
            "x-aikb": _object(
                {
                    "kind": {"enum": kinds},
                    "status": {"enum": _values(Incident.Status)},
                    "setting": {"enum": _values(Incident.Setting)},
                    "reported_on": NULLABLE_DATE,
                    "reported_precision": _one_of(DatePrecision),
                    "slug": _text(300),
                    "published": {"type": "boolean"},
                    "organisations": _list_of(
                        _object({"name": _text(200, min_length=1),
                                 "role": {"enum": [IncidentOrganisation.Role.AFFECTED.value,
                                                   IncidentOrganisation.Role.RESEARCHER.value]}},
                                required=("name", "role")),
                        "Organisations linked as affected or as researcher/reporter.",
                    ),
                },
                description="This knowledge base's own fields, outside the OECD framework.",
            ),
            "completeness": {**_object(
                {"met": {"type": "integer"}, "of": {"type": "integer"}, "mandatory_complete": {"type": "boolean"},
                 "mandatory_missing": {"type": "array", "items": {"enum": list(MANDATORY_KEYS)}}},
            ), "readOnly": True},
        },
        # The OECD level, the event type and the kind agree (incidents.oecd.LEVELS_FOR_KIND).
        "allOf": [
            {
                "if": {"properties": {"event_type": {"const": "incident"}}, "required": ["event_type"]},
                "then": {"properties": {
                    "criteria": {"properties": {"severity": {"properties": {
                        "oecd": {"enum": sorted(INCIDENT_LEVELS) + [""]}}}}},
                    "x-aikb": {"properties": {"kind": {"enum": ["incident"]}}},
                }},
            },
            {
                "if": {"properties": {"event_type": {"const": "hazard"}}, "required": ["event_type"]},
                "then": {"properties": {
                    "criteria": {"properties": {"severity": {"properties": {
                        "oecd": {"enum": sorted(HAZARD_LEVELS) + [""]}}}}},
                    "x-aikb": {"properties": {"kind": {"enum": ["hazard", "research-finding"]}}},
                }},
            },
        ],
    }


def incident_schema() -> dict:
    return {
        "$schema": DIALECT,
        "$id": settings.SITE_URL + INCIDENT_SCHEMA_PATH,
        "title": "AI incident or hazard, OECD common reporting framework (AIKB)",
        "description": "One entry with the 29 criteria of the OECD common reporting framework (docs/oecd.md).",
        **_incident_body(),
        "$defs": _defs(),
    }


def set_schema() -> dict:
    return {
        "$schema": DIALECT,
        "$id": settings.SITE_URL + SET_SCHEMA_PATH,
        "title": "AI incidents and hazards, OECD common reporting framework (AIKB)",
        "description": "A set of incident documents, as the export streams them (docs/oecd.md).",
        "type": "object",
        "required": ["format", "version", "incidents"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": SET_FORMAT},
            "version": {"const": VERSION},
            "incidents": {"type": "array", "items": {"$ref": "#/$defs/incident"}},
        },
        "$defs": {**_defs(), "incident": _incident_body()},
    }


def read_only_paths(schema: dict | None = None, prefix: str = "") -> list[str]:
    """Dotted paths of the document's readOnly properties ("criteria.model", ...)."""
    schema = incident_schema() if schema is None else schema
    found = []
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if sub.get("readOnly"):
            found.append(path)
        else:
            found.extend(read_only_paths(sub, path + "."))
    return found


FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def incident_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(incident_schema(), format_checker=FORMAT_CHECKER)


def set_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(set_schema(), format_checker=FORMAT_CHECKER)


def json_path(path) -> str:
    """["criteria", "harm_types", 1] -> "criteria.harm_types[1]"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def problem(validator, document) -> str | None:
    """The most relevant schema error, with its JSON path, or None."""
    error = best_match(validator.iter_errors(document))
    if error is None:
        return None
    return f"{json_path(error.absolute_path)}: {error.message}"
