"""MITRE ATLAS case studies, from the `ATLAS.yaml` distribution.

Field mapping (docs/imports.md lists what has no home):
    id                         -> external id (AML.CS0000)
    name                       -> title
    summary                    -> summary, and quoted as evidence of the case study page
    case-study-type            -> kind (incident: incident; exercise: research finding) and setting
                                  (incident: deployment; exercise: evaluation)
    incident-date, -granularity -> occurred_on with its precision (DATE, MONTH, YEAR)
    procedure[].technique      -> taxonomy terms (scheme "behaviour", code AML.T...; parents for sub-techniques)
    procedure, target, actor, reporter, references -> body
    id, references[].url       -> external ids (atlas; aiid, avid named by a reference address)
"""

import datetime

import yaml

from incidents.external_ids import ids_of_import, replace_external_ids
from incidents.models import Evidence, Incident, Source, TaxonomyTerm

from .models import Database
from .pipeline import Applied, Importer, ImportItemError
from .reading import FileRefused, RawItem, check_size, decode, expand_paths
from .upserts import citation_source, save_incident, sync_evidence, taxonomy_term, truncate

CASE_STUDY_URL = "https://atlas.mitre.org/studies/{id}"
TECHNIQUE_URL = "https://atlas.mitre.org/techniques/{id}"
KINDS = {
    "incident": (Incident.Kind.INCIDENT, Incident.Setting.DEPLOYMENT),
    "exercise": (Incident.Kind.RESEARCH_FINDING, Incident.Setting.EVALUATION),
}
GRANULARITY = {"DATE": "day", "MONTH": "month", "YEAR": "year"}
REQUIRED = ("id", "name", "summary", "case-study-type", "incident-date")


class AtlasImporter(Importer):
    database = Database.ATLAS

    def read(self, paths):
        for path in expand_paths(paths, (".yaml", ".yml")):
            yield from self._read_file(path)

    def _read_file(self, path):
        try:
            check_size(path)
            text = decode(path.read_bytes())
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except FileRefused as error:
            yield RawItem(str(path), error=str(error))
            return
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            problem = getattr(error, "problem", None) or str(error)
            yield RawItem(f"{path}{where}", error=f"malformed YAML: {problem}")
            return
        except ValueError as error:
            yield RawItem(str(path), error=str(error))
            return
        if not isinstance(data, dict) or not isinstance(data.get("case-studies"), list):
            yield RawItem(str(path), error='not an ATLAS distribution: no "case-studies" list')
            return
        techniques, tactics = {}, {}
        for matrix in data.get("matrices") or []:
            if isinstance(matrix, dict):
                techniques.update({t["id"]: t for t in matrix.get("techniques") or [] if isinstance(t, dict) and "id" in t})
                tactics.update({t["id"]: t for t in matrix.get("tactics") or [] if isinstance(t, dict) and "id" in t})
        context = {"version": str(data.get("version") or ""), "techniques": techniques, "tactics": tactics}
        for index, study in enumerate(data["case-studies"]):
            study_id = study.get("id") if isinstance(study, dict) else None
            location = f"{path}: case-studies[{index}]" + (f" ({study_id})" if study_id else "")
            yield RawItem(location, study, context=context)

    def identify(self, item: RawItem) -> str:
        study = item.document
        if not isinstance(study, dict):
            raise ImportItemError("a case study must be a mapping")
        study_id = str(study.get("id") or "").strip()
        if not study_id:
            raise ImportItemError("missing required field id")
        return study_id

    def is_published(self, item: RawItem) -> bool:
        # ATLAS case studies are curated and published by MITRE.
        return True

    def release(self, item: RawItem) -> str:
        return f"ATLAS {item.context['version']}"

    def apply(self, item: RawItem, external_id: str, incident, published: bool) -> Applied:
        study = item.document
        missing = [name for name in REQUIRED if study.get(name) in (None, "")]
        if missing:
            raise ImportItemError("missing required field(s): " + ", ".join(missing))
        study_type = study["case-study-type"]
        if study_type not in KINDS:
            raise ImportItemError(f"unknown case-study-type {study_type!r}; expected one of {', '.join(KINDS)}")
        kind, setting = KINDS[study_type]
        occurred_on, precision = _occurred(study)
        procedure = study.get("procedure") or []
        if not isinstance(procedure, list):
            raise ImportItemError("procedure must be a list of steps")

        summary = str(study["summary"]).strip()
        fields = {
            "title": truncate(study["name"], 300),
            "kind": kind,
            "summary": summary,
            "body": _body(study, item.context),
            "occurred_on": occurred_on,
            "occurred_precision": precision,
            "reported_on": None,
            "severity": Incident.Severity.MODERATE,
            "setting": setting,
            "is_published": published,
        }
        incident = save_incident(incident, fields, f"Imported from MITRE ATLAS {external_id}")
        terms = [
            _technique_term(step.get("technique"), item.context, self.term_cache)
            for step in procedure
            if isinstance(step, dict)
        ]
        wanted = {term.pk for term in terms if term is not None}
        current = set(incident.taxonomy.filter(scheme=TaxonomyTerm.Scheme.BEHAVIOUR, code__startswith="AML.").values_list("pk", flat=True))
        if wanted != current:
            incident.taxonomy.remove(*(current - wanted))
            incident.taxonomy.add(*(wanted - current))

        source = citation_source(
            None,
            kind=Source.Kind.DATASET,
            title=truncate(f"MITRE ATLAS case study {external_id}: {study['name']}", 500),
            url=CASE_STUDY_URL.format(id=external_id),
            publisher="MITRE ATLAS",
            published_on=None,
            reliability=Source.Reliability.SECONDARY,
            notes=f"Imported from {item.location}.",
        )
        sync_evidence(incident, source, [(summary, Evidence.LocatorType.SECTION, "Summary")])
        # Other databases' ids for the same event ("Also recorded in"); editors' ids are kept.
        replace_external_ids(incident, ids_of_import(self.database, external_id, study), origin="import")
        return Applied(incident=incident, source=source)


def _occurred(study) -> tuple[datetime.date, str]:
    raw = study["incident-date"]
    granularity = str(study.get("incident-date-granularity") or "DATE").upper()
    if granularity not in GRANULARITY:
        raise ImportItemError(
            f"unknown incident-date-granularity {granularity!r}; expected one of {', '.join(GRANULARITY)}"
        )
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if not isinstance(raw, datetime.date):
        try:
            raw = datetime.date.fromisoformat(str(raw)[:10])
        except ValueError:
            raise ImportItemError(f"incident-date {raw!r} is not a date (YYYY-MM-DD)") from None
    precision = GRANULARITY[granularity]
    # Our dates with month or year precision sit on the first of the period.
    if precision == "month":
        raw = raw.replace(day=1)
    elif precision == "year":
        raw = raw.replace(day=1, month=1)
    return raw, precision


def _technique_term(technique_id, context, cache: dict) -> TaxonomyTerm | None:
    """The behaviour term for an ATLAS technique (its parent technique first,
    for a sub-technique such as AML.T0043.003)."""
    if not technique_id:
        return None
    technique_id = str(technique_id)
    technique = context["techniques"].get(technique_id, {})
    parent = None
    if technique_id.count(".") >= 2:
        parent = _technique_term(technique_id.rsplit(".", 1)[0], context, cache)
    name = technique.get("name") or technique_id
    description = str(technique.get("description") or "")
    if description:
        description += f"\n\nMITRE ATLAS technique [{technique_id}]({TECHNIQUE_URL.format(id=technique_id)})."
    return taxonomy_term(
        TaxonomyTerm.Scheme.BEHAVIOUR,
        technique_id[:20],
        f"ATLAS: {name}",
        parent=parent,
        description=description,
        cache=cache,
    )


def _body(study, context) -> str:
    lines = [f"Imported from MITRE ATLAS ({context['version']}), case study {study['id']}.", ""]
    for label, key in (("Target", "target"), ("Actor", "actor"), ("Reporter", "reporter")):
        if study.get(key):
            lines.append(f"- {label}: {' '.join(str(study[key]).split())}")
    steps = [s for s in study.get("procedure") or [] if isinstance(s, dict)]
    if steps:
        lines += ["", "## Procedure", ""]
        for number, step in enumerate(steps, start=1):
            tactic = context["tactics"].get(step.get("tactic"), {}).get("name") or step.get("tactic") or ""
            technique_id = step.get("technique") or ""
            technique = context["techniques"].get(technique_id, {}).get("name") or technique_id
            description = " ".join(str(step.get("description") or "").split())
            lines.append(f"{number}. **{tactic}: {technique}** ({technique_id}). {description}")
    references = [r for r in study.get("references") or [] if isinstance(r, dict)]
    if references:
        lines += ["", "## References", ""]
        for reference in references:
            title = " ".join(str(reference.get("title") or reference.get("url") or "").split())
            url = str(reference.get("url") or "")
            lines.append(f"- [{title}]({url})" if url.startswith(("http://", "https://")) else f"- {title}")
    return "\n".join(lines)
