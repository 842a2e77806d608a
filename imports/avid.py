"""AVID (AI Vulnerability Database) reports: the JSON report format
(data_version 0.1 to 0.3.x), one report per `.json` file, and the unpublished
review batches, one report per line of a `.jsonl` file.

Field mapping (docs/imports.md lists what has no home):
    problemtype.description.value -> title
    description.value             -> summary, and quoted as evidence of the report
    problemtype.classof           -> kind (CVE entry: hazard; LLM evaluation: research finding; others: incident)
    impact.cvss.baseSeverity / impact.odin.SocialImpactScore -> severity (else moderate)
    impact.avid.lifecycle_view    -> setting (L06 deployment, L05 evaluation, L01-L04 training)
    reported_date                 -> reported_on
    affects.developer / deployer  -> organisations (developer / deployer)
    affects.artifacts (Model, System) -> AI systems (evaluated, or involved)
    report_id, impact.avid.vuln_id, a CVE entry's CVE id, references[].url -> external ids
    the rest (risk domains, SEP view, CVSS vector, CWE, metrics, references, credit) -> body
"""

import datetime
import re

from incidents.external_ids import ids_of_import, replace_external_ids
from incidents.models import Evidence, Incident, IncidentOrganisation, IncidentSystem, Source

from .models import Database
from .pipeline import Applied, Importer, ImportItemError, document_sha256
from .reading import RawItem, expand_paths, iter_json_file, iter_jsonl_file
from .upserts import (
    citation_source,
    link_organisation,
    link_system,
    organisation_named,
    save_incident,
    sync_evidence,
    system_named,
    truncate,
)

REPORT_ID = re.compile(r"^AVID-\d{4}-R\d{4,}$")
CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")
PUBLIC_REPORT_URL = "https://avidml.org/database/{id}/"

KIND_BY_CLASS = {
    "AIID Incident": Incident.Kind.INCIDENT,
    "ATLAS Case Study": Incident.Kind.INCIDENT,
    "CVE Entry": Incident.Kind.HAZARD,
    "LLM Evaluation": Incident.Kind.RESEARCH_FINDING,
    "Third-party Report": Incident.Kind.INCIDENT,
    "Undefined": Incident.Kind.INCIDENT,
}
PROBLEM_TYPES = {"Issue", "Advisory", "Measurement", "Detection"}
CVSS_SEVERITY = {
    "NONE": Incident.Severity.LOW,
    "LOW": Incident.Severity.LOW,
    "MEDIUM": Incident.Severity.MODERATE,
    "HIGH": Incident.Severity.SEVERE,
    "CRITICAL": Incident.Severity.CRITICAL,
}
ARTIFACT_TYPES = {"Model", "System", "Dataset"}


def _text(value) -> str:
    """AVID's {lang, value} pairs, or a bare string."""
    if isinstance(value, dict):
        value = value.get("value")
    return str(value).strip() if value not in (None, "") else ""


def _dict(document, key) -> dict:
    value = document.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImportItemError(f"{key} must be an object, got {type(value).__name__}")
    return value


def _list(container, key) -> list:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportItemError(f"{key} must be a list, got {type(value).__name__}")
    return value


def _is_review(location: str) -> bool:
    path = location.split(":")[0]
    return path.endswith(".jsonl") or "/review/" in path.replace("\\", "/") or path.startswith("review/")


class AvidImporter(Importer):
    database = Database.AVID

    def read(self, paths):
        for path in expand_paths(paths, (".json", ".jsonl")):
            reader = iter_jsonl_file if path.suffix.lower() == ".jsonl" else iter_json_file
            yield from reader(path)

    def identify(self, item: RawItem) -> str:
        document = item.document
        if not isinstance(document, dict) or document.get("data_type") != "AVID":
            raise ImportItemError('not an AVID report: "data_type" is not "AVID"')
        metadata = document.get("metadata") or {}
        report_id = str(metadata.get("report_id") or "").strip() if isinstance(metadata, dict) else ""
        # Review batches carry placeholders such as AVID-2026-R-1234: not identifiers.
        if REPORT_ID.match(report_id):
            return report_id
        problem = _dict(document, "problemtype")
        title = _text(problem.get("description"))
        if problem.get("classof") == "CVE Entry":
            urls = " ".join(str(r.get("url") or "") for r in _list(document, "references") if isinstance(r, dict))
            match = CVE_ID.search(title) or CVE_ID.search(urls)
            if match:
                return match.group(0)
        # Without an identifier, a report is known by its title, systems and date.
        if not title:
            raise ImportItemError("missing required field problemtype.description.value (the report's title)")
        artifacts = ",".join(
            sorted(_text(a.get("name")) for a in _list(_dict(document, "affects"), "artifacts") if isinstance(a, dict))
        )
        key = document_sha256([title, artifacts, str(document.get("reported_date") or "")])[:16]
        return f"unnumbered:{key}"

    def is_published(self, item: RawItem) -> bool:
        # Published reports are reviewed by AVID; review batches are not yet.
        return not _is_review(item.location)

    def release(self, item: RawItem) -> str:
        version = item.document.get("data_version") or item.document.get("version") or ""
        return f"AVID data_version {version}" if version else "AVID"

    def apply(self, item: RawItem, external_id: str, incident, published: bool) -> Applied:
        document = item.document
        problem = _dict(document, "problemtype")
        affects = _dict(document, "affects")
        impact = _dict(document, "impact")
        avid_impact = impact.get("avid") if isinstance(impact.get("avid"), dict) else {}

        title = _text(problem.get("description"))
        if not title:
            raise ImportItemError("missing required field problemtype.description.value (the report's title)")
        # A few published reports leave the class empty: AVID's own "Undefined".
        classof = problem.get("classof") or "Undefined"
        if classof not in KIND_BY_CLASS:
            raise ImportItemError(
                f"unknown problemtype.classof {classof!r}; expected one of {', '.join(sorted(KIND_BY_CLASS))}"
            )
        problem_type = problem.get("type")
        if problem_type not in (None, "") and problem_type not in PROBLEM_TYPES:
            raise ImportItemError(
                f"unknown problemtype.type {problem_type!r}; expected one of {', '.join(sorted(PROBLEM_TYPES))}"
            )
        reported_on = _date(document.get("reported_date"))
        description = _text(document.get("description")) or title

        fields = {
            "title": truncate(title, 300),
            "kind": KIND_BY_CLASS[classof],
            "summary": description,
            "body": _body(document, external_id),
            "reported_on": reported_on,
            "reported_precision": "day",
            "occurred_on": None,
            "severity": _severity(impact),
            "setting": _setting(avid_impact, classof),
            "is_published": published,
        }
        incident = save_incident(incident, fields, f"Imported from AVID {external_id}")

        for name in _list(affects, "developer"):
            link_organisation(incident, organisation_named(name), IncidentOrganisation.Role.DEVELOPER)
        for name in _list(affects, "deployer"):
            link_organisation(incident, organisation_named(name), IncidentOrganisation.Role.DEPLOYER)
        developers = [n for n in _list(affects, "developer") if isinstance(n, str)]
        system_role = IncidentSystem.Role.EVALUATED if classof == "LLM Evaluation" else IncidentSystem.Role.INVOLVED
        for artifact in _list(affects, "artifacts"):
            if not isinstance(artifact, dict):
                raise ImportItemError("affects.artifacts must hold objects with type and name")
            kind = artifact.get("type")
            if kind not in ARTIFACT_TYPES:
                raise ImportItemError(
                    f"unknown affects.artifacts type {kind!r}; expected one of {', '.join(sorted(ARTIFACT_TYPES))}"
                )
            if kind in {"Model", "System"}:
                developer = organisation_named(developers[0]) if len(developers) == 1 else None
                link_system(incident, system_named(artifact.get("name"), developer), system_role)

        is_numbered = bool(REPORT_ID.match(external_id))
        source = citation_source(
            None,
            kind=Source.Kind.DATASET,
            title=f"AVID report {external_id}" if is_numbered else truncate(f"AVID review batch report: {title}", 500),
            url=PUBLIC_REPORT_URL.format(id=external_id.lower()) if is_numbered else "",
            publisher="AI Vulnerability Database (AVID)",
            published_on=reported_on,
            reliability=Source.Reliability.SECONDARY,
            notes=f"Imported from {item.location}.",
        )
        sync_evidence(incident, source, [(description, Evidence.LocatorType.SECTION, "Description")])
        # Other databases' ids for the same event ("Also recorded in"); editors' ids are kept.
        replace_external_ids(incident, ids_of_import(self.database, external_id, document), origin="import")
        return Applied(incident=incident, source=source)


def _date(value) -> datetime.date:
    if value in (None, ""):
        raise ImportItemError("missing required field reported_date")
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ImportItemError(f"reported_date {value!r} is not a date (YYYY-MM-DD)") from None


def _severity(impact: dict) -> int:
    cvss = impact.get("cvss") if isinstance(impact.get("cvss"), dict) else {}
    label = str(cvss.get("baseSeverity") or "").upper()
    if label:
        if label not in CVSS_SEVERITY:
            raise ImportItemError(f"unknown impact.cvss.baseSeverity {label!r}")
        return CVSS_SEVERITY[label]
    odin = impact.get("odin") if isinstance(impact.get("odin"), dict) else {}
    match = re.match(r"Level (\d)", str(odin.get("SocialImpactScore") or ""))
    if match and 1 <= int(match.group(1)) <= 5:
        return int(match.group(1))
    # AVID gives no severity for most reports; editors review the default.
    return Incident.Severity.MODERATE


def _setting(avid_impact: dict, classof: str) -> str:
    stages = {str(stage)[:3] for stage in avid_impact.get("lifecycle_view") or []}
    if "L06" in stages:
        return Incident.Setting.DEPLOYMENT
    if "L05" in stages:
        return Incident.Setting.EVALUATION
    if stages & {"L01", "L02", "L03", "L04"}:
        return Incident.Setting.TRAINING
    return Incident.Setting.EVALUATION if classof == "LLM Evaluation" else Incident.Setting.DEPLOYMENT


def _md(text) -> str:
    """Escape table and link syntax in outside text placed in our Markdown."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _body(document: dict, external_id: str) -> str:
    problem = document.get("problemtype") or {}
    affects = document.get("affects") or {}
    impact = document.get("impact") or {}
    lines = [f"Imported from the AI Vulnerability Database, report {external_id}.", ""]
    facts = [f"Class: {_md(problem.get('classof'))}" + (f" ({_md(problem['type'])})" if problem.get("type") else "")]
    artifacts = [a for a in affects.get("artifacts") or [] if isinstance(a, dict)]
    if artifacts:
        facts.append("Artifacts: " + "; ".join(f"{_md(a.get('type'))} {_md(a.get('name'))}" for a in artifacts))
    avid = impact.get("avid") if isinstance(impact.get("avid"), dict) else {}
    for key, label in (("risk_domain", "Risk domain"), ("sep_view", "SEP view"), ("lifecycle_view", "Lifecycle")):
        if avid.get(key):
            facts.append(f"{label}: " + "; ".join(_md(v) for v in avid[key]))
    if avid.get("vuln_id"):
        facts.append(f"AVID vulnerability: {_md(avid['vuln_id'])}")
    cvss = impact.get("cvss") if isinstance(impact.get("cvss"), dict) else {}
    if cvss:
        facts.append(
            f"CVSS {_md(cvss.get('version', ''))}: {_md(cvss.get('baseScore', ''))} "
            f"{_md(cvss.get('baseSeverity', ''))} (`{_md(cvss.get('vectorString', ''))}`)"
        )
    for cwe in impact.get("cwe") or []:
        if isinstance(cwe, dict):
            facts.append(f"Weakness: {_md(cwe.get('description') or cwe.get('cweId'))}")
    odin = impact.get("odin") if isinstance(impact.get("odin"), dict) else {}
    if odin.get("SocialImpactScore"):
        facts.append(f"0DIN social impact: {_md(odin['SocialImpactScore'])}")
    for entry in odin.get("JailbreakTaxonomy") or []:
        if isinstance(entry, dict):
            facts.append("Jailbreak technique: " + " / ".join(_md(v) for v in entry.values()))
    credit = document.get("credit") or document.get("credits") or []
    names = [_md(_text(c)) for c in credit if _text(c)]
    if names:
        facts.append("Credit: " + "; ".join(names))
    lines += [f"- {fact}" for fact in facts]

    metrics = [m for m in document.get("metrics") or [] if isinstance(m, dict)]
    if metrics:
        lines += ["", "## Metrics", ""]
        for metric in metrics[:50]:
            lines.append("- " + _metric_line(metric))
    references = [r for r in document.get("references") or [] if isinstance(r, dict)]
    if references:
        lines += ["", "## References", ""]
        for reference in references[:50]:
            label = truncate(_md(reference.get("label") or reference.get("url") or ""), 300)
            url = str(reference.get("url") or "")
            lines.append(f"- [{label}]({url})" if url.startswith(("http://", "https://")) else f"- {label}")
    return "\n".join(lines)


def _metric_line(metric: dict) -> str:
    if "value" in metric:
        name = " / ".join(_md(metric[k]) for k in ("scorer", "metrics", "name") if metric.get(k))
        return f"{name}: {_md(metric['value'])}"
    parts = [_md(metric.get("name") or "metric")]
    features = metric.get("features")
    if isinstance(features, dict):
        parts.append(", ".join(f"{_md(k)}: {_md(v)}" for k, v in features.items()))
    method = metric.get("detection_method")
    if isinstance(method, dict):
        parts.append(f"method: {_md(method.get('name', ''))} ({_md(method.get('type', ''))})")
    results = metric.get("results")
    if isinstance(results, dict):
        for key, rows in results.items():
            if isinstance(rows, list):
                parts.append(f"{len(rows)} {_md(key)} in the original document")
    return "; ".join(p for p in parts if p)
