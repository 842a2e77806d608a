"""OECD-shaped JSON documents (incidents.oecd_document, docs/oecd.md): one
document per `.json` file, a set document (`aikb-oecd-incidents`, what the
export gives), or one document per line of a `.jsonl` file.

Every item is checked against the JSON Schema (incidents.oecd_schema) before
anything is written; the message names the JSON path of the first problem
("criteria.harm_types[1]: 'physcal' is not one of [...]"). Then each item is
written in its own transaction (imports.pipeline), so a bad one leaves nothing
behind and the good ones are imported.

Matching: an `AIKB-YYYY-NNNN` id that names an entry updates it; an unknown
one creates the entry under that id; any other id creates a new entry (and
the same id updates it on the next run, through its ImportRecord).

What is written: the incident's columns (a revision only when one changed),
its systems (by name and version), its organisations (by name), its
supporting materials (sources by URL and title, evidence by quote and
locator), its external ids (the import's own; editors' ids are kept) and its
causal attribution. Read-only parts (completeness, model, steps to reproduce,
addresses) are ignored. A source or system already recorded keeps its
fields; only blank ones are filled.
"""

import datetime
import re

from django.core.exceptions import ValidationError

from incidents.attribution import check_attribution
from incidents.external_ids import normalise, replace_external_ids
from incidents.external_ids import problem as id_problem
from incidents.identifiers import PUBLIC_ID_PATTERN
from incidents.models import (
    AISystem,
    CausalAttribution,
    Evidence,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Source,
)
from incidents.oecd_schema import AIKB_SCHEME, SET_FORMAT, VERSION, incident_validator, problem

from .models import Database
from .pipeline import Applied, Importer, ImportItemError
from .reading import RawItem, expand_paths, iter_json_file, iter_jsonl_file
from .upserts import organisation_named, save_incident, unique_slug

AIKB_ID = re.compile(PUBLIC_ID_PATTERN)
# An outside document gives no 1-5 severity: the nearest to its OECD level.
SEVERITY_FOR_LEVEL = {"hazard": 2, "serious-hazard": 3, "incident": 3, "serious-incident": 4, "disaster": 5, "": 2}
# Model fields as the document names them, for messages.
FIELD_PATHS = {
    "title": "criteria.title",
    "summary": "criteria.description",
    "body": "criteria.additional_information",
    "occurred_on": "criteria.first_occurrence_date.date",
    "occurred_precision": "criteria.first_occurrence_date.precision",
    "reported_on": "x-aikb.reported_on",
    "reported_precision": "x-aikb.reported_precision",
    "oecd_severity": "criteria.severity.oecd",
    "severity": "criteria.severity.aikb",
    "submitter_type": "criteria.submitter.type",
    "submitter_name": "criteria.submitter.name",
    "ai_relation": "criteria.ai_relation.roles",
    "ai_relation_note": "criteria.ai_relation.note",
    "ai_tasks": "criteria.tasks",
    "kind": "x-aikb.kind",
    "status": "x-aikb.status",
    "setting": "x-aikb.setting",
    "slug": "x-aikb.slug",
}
# criteria key -> Incident column, for the criteria stored as they are.
PLAIN_COLUMNS = {
    "countries": "countries",
    "harm_types": "harm_types",
    "harm_quantification": "harm_quantification",
    "unintended_use": "unintended_use",
    "affected_stakeholders": "affected_stakeholders",
    "rights_impacts": "rights_impacts",
    "ai_principles": "ai_principles",
    "industries": "industries",
    "business_functions": "business_functions",
    "critical_infrastructure": "critical_infrastructure",
    "deployment_breadth": "deployment_breadth",
    "training_data": "training_data",
    "tasks": "ai_tasks",
    "autonomy_level": "autonomy_level",
    "systems_interacting": "systems_interacting",
    "actions_taken": "actions_taken",
    "title": "title",
    "description": "summary",
    "additional_information": "body",
}


def _located(error: Exception) -> str:
    """A validation message with model field names replaced by document paths."""
    text = str(error)
    parts = []
    for part in text.split("; "):
        name, sep, rest = part.partition(": ")
        parts.append(f"{FIELD_PATHS.get(name, name)}: {rest}" if sep and name in FIELD_PATHS else part)
    return "; ".join(parts)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(" ".join(msgs) for msgs in error.message_dict.values())
    return " ".join(error.messages)


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


class OecdImporter(Importer):
    database = Database.OECD

    def __init__(self):
        super().__init__()
        self.validator = incident_validator()

    # Reading -----------------------------------------------------------

    def read(self, paths):
        for path in expand_paths(paths, (".json", ".jsonl")):
            if path.suffix.lower() == ".jsonl":
                yield from iter_jsonl_file(path)
                continue
            for item in iter_json_file(path):
                document = item.document
                if item.error or not (isinstance(document, dict) and document.get("format") == SET_FORMAT):
                    yield item
                    continue
                entries = document.get("incidents")
                if document.get("version") != VERSION or not isinstance(entries, list):
                    yield RawItem(item.location, error=f"a {SET_FORMAT} document needs \"version\": {VERSION} and "
                                  "an \"incidents\" array")
                    continue
                for number, entry in enumerate(entries):
                    yield RawItem(f"{item.location}#incidents[{number}]", entry)

    def identify(self, item: RawItem) -> str:
        message = problem(self.validator, item.document)
        if message:
            raise ImportItemError(message)
        return item.document["id"]

    def is_published(self, item: RawItem) -> bool:
        return bool(item.document.get("x-aikb", {}).get("published", True))

    def release(self, item: RawItem) -> str:
        return f"{item.document['format']} v{item.document['version']}"

    def existing_incident(self, external_id: str, item: RawItem):
        if AIKB_ID.match(external_id):
            return Incident.objects.filter(public_id=external_id).first()
        return None

    # Writing -----------------------------------------------------------

    def apply(self, item: RawItem, external_id: str, incident, published: bool) -> Applied:
        document = item.document
        criteria = document["criteria"]
        fields = self._fields(document, published)
        if incident is None and AIKB_ID.match(external_id):
            fields["public_id"] = external_id
        changed = incident is None or any(
            getattr(incident, name) != value
            for name, value in fields.items()
            if name not in {"is_published", "status", "public_id"}
        )
        try:
            incident = save_incident(incident, fields, reason="OECD document import")
        except ImportItemError as error:
            raise ImportItemError(_located(error)) from None
        if "ai_systems" in criteria:
            changed |= self._sync_systems(incident, criteria["ai_systems"], criteria.get("usage_rights", []))
        x_aikb = document.get("x-aikb", {})
        if "developers_deployers" in criteria or "organisations" in x_aikb:
            links = criteria.get("developers_deployers", []) + x_aikb.get("organisations", [])
            changed |= self._sync_organisations(incident, links)
        evidence = list(Evidence.objects.filter(incident=incident).order_by("id"))
        if "supporting_materials" in criteria:
            evidence, materials_changed = self._sync_materials(incident, criteria["supporting_materials"])
            changed |= materials_changed
        if "identifiers" in document:
            pairs = []
            for number, entry in enumerate(document["identifiers"]):
                if entry["scheme"] == AIKB_SCHEME:
                    continue
                identifier = normalise(entry["scheme"], entry["id"])
                message = id_problem(entry["scheme"], identifier)
                if message:
                    raise ImportItemError(f"identifiers[{number}].id: {message}")
                pairs.append((entry["scheme"], identifier))
            try:
                changed |= replace_external_ids(incident, pairs, origin="import")
            except ValidationError as error:
                raise ImportItemError(f"identifiers: {_messages(error)}") from None
        if "attribution" in document:
            changed |= self._sync_attribution(incident, document["attribution"], evidence)
        return Applied(incident=incident, changed=changed)

    def _fields(self, document: dict, published: bool) -> dict:
        criteria = document["criteria"]
        x_aikb = document.get("x-aikb", {})
        fields = {column: criteria[key] for key, column in PLAIN_COLUMNS.items() if key in criteria}
        if "submitter" in criteria:
            fields["submitter_type"] = criteria["submitter"]["type"]
            fields["submitter_name"] = criteria["submitter"].get("name", "")
        if "ai_relation" in criteria:
            fields["ai_relation"] = criteria["ai_relation"]["roles"]
            fields["ai_relation_note"] = criteria["ai_relation"].get("note", "")
        if "first_occurrence_date" in criteria:
            occurred = criteria["first_occurrence_date"]
            fields["occurred_on"] = _date(occurred["date"]) if occurred else None
            if occurred:  # without a date its precision says nothing: the stored one is kept
                fields["occurred_precision"] = occurred["precision"]
        level = criteria.get("severity", {}).get("oecd", "")
        if "severity" in criteria:
            fields["oecd_severity"] = level
        aikb = criteria.get("severity", {}).get("aikb")
        fields["severity"] = aikb if aikb is not None else SEVERITY_FOR_LEVEL[level]
        # The kind: ours when given (the schema checks it agrees with the
        # event type), else the event type's.
        fields["kind"] = x_aikb.get("kind") or document["event_type"]
        fields["status"] = x_aikb.get("status", Incident.Status.REPORTED)
        fields["setting"] = x_aikb.get("setting", Incident.Setting.DEPLOYMENT)
        if "reported_on" in x_aikb:
            fields["reported_on"] = _date(x_aikb["reported_on"])
            fields["reported_precision"] = x_aikb.get("reported_precision", "day")
        if x_aikb.get("slug"):
            fields["slug"] = x_aikb["slug"]
        fields["is_published"] = published
        return fields

    def _system_ref(self, ref) -> AISystem | None:
        if not ref:
            return None
        found = self._find_system(ref["name"], ref.get("version", ""))
        if found is None:
            found = AISystem.objects.create(
                name=ref["name"], version=ref.get("version", ""), slug=unique_slug(AISystem, ref["name"], fallback="system")
            )
        return found

    @staticmethod
    def _find_system(name: str, version: str) -> AISystem | None:
        return (AISystem.objects.filter(name=name, version=version).first()
                or AISystem.objects.filter(name__iexact=name, version__iexact=version).first())

    def _system(self, entry: dict, usage_rights: str) -> AISystem:
        """The system named (name and version), created when new; a known
        system's blank fields are filled from the document, never overwritten."""
        name, version = entry["name"], entry.get("version", "")
        wanted = {
            "family": entry.get("family", ""),
            "usage_rights": usage_rights,
        }
        system = self._find_system(name, version)
        if system is None:
            system = AISystem(name=name, version=version, slug=unique_slug(AISystem, name, fallback="system"), **wanted)
            system.developer = organisation_named(entry["developer"]) if entry.get("developer") else None
            system.base_system = self._system_ref(entry.get("base_system"))
            system.save()
            return system
        fill = {key: value for key, value in wanted.items() if value and not getattr(system, key)}
        if entry.get("developer") and system.developer_id is None:
            fill["developer"] = organisation_named(entry["developer"])
        if entry.get("base_system") and system.base_system_id is None:
            base = self._system_ref(entry["base_system"])
            if base.pk != system.pk:
                fill["base_system"] = base
        if fill:
            for key, value in fill.items():
                setattr(system, key, value)
            system.save()
        return system

    def _sync_systems(self, incident, entries: list, usage_rights: list) -> bool:
        rights = {(entry["system"], entry.get("version", "")): entry["usage_rights"] for entry in usage_rights}
        wanted = []
        for entry in entries:
            system = self._system(entry, rights.get((entry["name"], entry.get("version", "")), ""))
            if (system.pk, entry["role"]) not in wanted:
                wanted.append((system.pk, entry["role"]))
        return _sync_links(IncidentSystem.objects.filter(incident=incident), "system_id", wanted,
                           lambda pk, role: IncidentSystem(incident=incident, system_id=pk, role=role))

    def _sync_organisations(self, incident, entries: list) -> bool:
        wanted = []
        for entry in entries:
            organisation = organisation_named(entry["name"])
            if organisation is not None and (organisation.pk, entry["role"]) not in wanted:
                wanted.append((organisation.pk, entry["role"]))
        return _sync_links(IncidentOrganisation.objects.filter(incident=incident), "organisation_id", wanted,
                           lambda pk, role: IncidentOrganisation(incident=incident, organisation_id=pk, role=role))

    def _source(self, material: dict, path: str) -> Source:
        """The source quoted: found by URL and title, else URL, else title
        (without a URL); created when new."""
        url, title = material.get("url", ""), material["title"]
        if url:
            found = (Source.objects.filter(url=url, title=title).order_by("pk").first()
                     or Source.objects.filter(url=url).order_by("pk").first())
        else:
            found = Source.objects.filter(url="", title=title).order_by("pk").first()
        if found is not None:
            return found
        responding = material.get("responding_organisation")
        source = Source(
            kind=material["kind"],
            title=title,
            url=url,
            publisher=material.get("publisher", ""),
            authors=material.get("authors", []),
            published_on=_date(material.get("published_on")),
            reliability=material["reliability"],
            responding_organisation=organisation_named(responding) if responding else None,
        )
        try:
            source.full_clean(exclude=["archived_file", "archived_sha256"], validate_constraints=False)
        except ValidationError as error:
            raise ImportItemError(f"{path}: {_messages(error)}") from None
        source.save()
        return source

    def _sync_materials(self, incident, materials: list) -> tuple[list, bool]:
        """Make the incident's evidence exactly the document's supporting
        materials, in their order; returns the rows (one per material) and
        whether anything was written. Evidence a measurement relies on is kept."""
        pool: dict[tuple, list[Evidence]] = {}
        for row in Evidence.objects.filter(incident=incident).order_by("id"):
            pool.setdefault((row.source_id, row.quote, row.locator_type, row.locator), []).append(row)
        rows, changed = [], False
        for number, material in enumerate(materials):
            path = f"criteria.supporting_materials[{number}]"
            source = self._source(material, path)
            key = (source.pk, material["quote"], material["locator_type"], material["locator"])
            stance = material.get("stance", Evidence.Stance.SUPPORTS)
            basis = material.get("basis", "")
            matches = pool.get(key)
            if matches:
                row = matches.pop(0)
                if row.stance != stance or (basis and row.basis != basis):
                    row.stance, row.basis = stance, basis or row.basis
                    self._save_evidence(row, path)
                    changed = True
            else:
                row = Evidence(incident=incident, source=source, quote=material["quote"],
                               locator_type=material["locator_type"], locator=material["locator"],
                               stance=stance, basis=basis)
                self._save_evidence(row, path)
                changed = True
            rows.append(row)
        for leftover in (row for matches in pool.values() for row in matches):
            if not leftover.measurements.exists():
                leftover.delete()
                changed = True
        return rows, changed

    @staticmethod
    def _save_evidence(row: Evidence, path: str) -> None:
        try:
            row.full_clean(validate_constraints=False)
        except ValidationError as error:
            raise ImportItemError(f"{path}: {_messages(error)}") from None
        row.save()

    def _sync_attribution(self, incident, entries: list, evidence: list) -> bool:
        stored = {row.factor: row for row in CausalAttribution.objects.filter(incident=incident).prefetch_related("evidence")}
        changed, seen = False, set()
        for number, entry in enumerate(entries):
            path = f"attribution[{number}]"
            if entry["factor"] in seen:
                raise ImportItemError(f"{path}.factor: '{entry['factor']}' is given twice; one entry per factor.")
            seen.add(entry["factor"])
            cited = []
            for index in entry.get("evidence", []):
                if index >= len(evidence):
                    raise ImportItemError(f"{path}.evidence: {index} is not an index of "
                                          f"criteria.supporting_materials (it has {len(evidence)}).")
                cited.append(evidence[index])
            try:
                check_attribution(incident.pk, entry["grounding"], cited)
            except ValidationError as error:
                raise ImportItemError(f"{path}.evidence: {_messages(error)}") from None
            row = stored.get(entry["factor"])
            if row is None:
                row = CausalAttribution(incident=incident, factor=entry["factor"])
            elif (row.grounding, row.explanation) == (entry["grounding"], entry["explanation"]) and (
                {e.pk for e in row.evidence.all()} == {e.pk for e in cited}
            ):
                continue
            row.grounding, row.explanation = entry["grounding"], entry["explanation"]
            try:
                row.full_clean(exclude=["incident"], validate_constraints=False)
            except ValidationError as error:
                raise ImportItemError(f"{path}: {_messages(error)}") from None
            row.save()
            row.evidence.set(cited)
            changed = True
        stale = [row.pk for factor, row in stored.items() if factor not in seen]
        if stale:
            CausalAttribution.objects.filter(pk__in=stale).delete()
            changed = True
        return changed


def _sync_links(links, target: str, wanted: list[tuple[int, str]], make) -> bool:
    """Make the incident's links (`links`, a queryset) exactly `wanted`
    [(target pk, role)]."""
    existing = {(getattr(link, target), link.role): link.pk for link in links}
    stale = [pk for key, pk in existing.items() if key not in wanted]
    new = [key for key in wanted if key not in existing]
    if stale:
        links.model.objects.filter(pk__in=stale).delete()
    for pk, role in new:
        make(pk, role).save()
    return bool(stale or new)
