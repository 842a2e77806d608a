"""The MIT AI Risk Repository spreadsheet (sheet "AI Risk Database v3").

Each risk category and risk subcategory row becomes a hazard, together with
the "Additional evidence" rows that belong to it (same Ev_ID plus a letter).
Paper rows name the document the risks come from; they become the source.

Field mapping (docs/imports.md lists what has no home):
    Ev_ID (or Paper_ID.Cat_ID.SubCat_ID when the cell is a formula) -> external id
    Risk subcategory, else Risk category -> title
    Description                          -> summary, and quoted as evidence (page P.Def)
    Additional ev. (own row and evidence rows) -> evidence quotes (page p.AddEv)
    Title, QuickRef                      -> the paper source (title; year from QuickRef)
    Domain, Sub-domain                   -> taxonomy, scheme mit-domain (codes 7 and 7.1)
    Entity, Intent, Timing               -> taxonomy, scheme mit-causal
    Timing                               -> setting (pre-deployment: training; otherwise deployment)
    year of QuickRef                     -> reported_on (year precision)
"""

import csv
import datetime
import io
import re

from incidents.models import Evidence, Incident, Source, TaxonomyTerm

from .models import Database
from .pipeline import Applied, Importer, ImportItemError
from .reading import FileRefused, RawItem, check_size, decode, expand_paths
from .upserts import citation_source, save_incident, sync_evidence, taxonomy_term, truncate

SHEET = "AI Risk Database v3"
RELEASE = "AI Risk Repository v3 (2025-03-26)"
COLUMNS = {
    "title": "Title",
    "quickref": "QuickRef",
    "ev_id": "Ev_ID",
    "paper_id": "Paper_ID",
    "cat_id": "Cat_ID",
    "subcat_id": "SubCat_ID",
    "addev_id": "AddEv_ID",
    "level": "Category level",
    "category": "Risk category",
    "subcategory": "Risk subcategory",
    "description": "Description",
    "additional": "Additional ev.",
    "page_definition": "P.Def",
    "page_additional": "p.AddEv",
    "entity": "Entity",
    "intent": "Intent",
    "timing": "Timing",
    "domain": "Domain",
    "subdomain": "Sub-domain",
}
RISK_LEVELS = {"Risk Category", "Risk Sub-Category"}
EVIDENCE_LEVEL = "Additional evidence"
LEVELS = RISK_LEVELS | {EVIDENCE_LEVEL, "Paper"}
CAUSAL = {"entity": "Entity", "intent": "Intent", "timing": "Timing"}
NOT_CODED = "4"
CAUSAL_CODES = {"1", "2", "3", NOT_CODED}


class SheetError(Exception):
    """The whole workbook or CSV file cannot be read."""


class CsvRowError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def _xlsx_rows(path) -> list[tuple]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise SheetError(f"not a readable .xlsx workbook ({type(error).__name__}: {error})") from None
    try:
        if SHEET not in workbook.sheetnames:
            raise SheetError(f'no sheet named "{SHEET}" (found: {", ".join(workbook.sheetnames)})')
        return list(workbook[SHEET].iter_rows(values_only=True))
    finally:
        workbook.close()


def _csv_rows(path) -> list[tuple]:
    """The same sheet saved as CSV (UTF-8), as the repository's online copy exports it."""
    try:
        text = decode(path.read_bytes())
    except ValueError as error:
        raise SheetError(str(error)) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for row in reader:
            rows.append(tuple(cell if cell != "" else None for cell in row))
    except csv.Error as error:
        raise CsvRowError(reader.line_num, f"malformed CSV: {error}") from None
    return rows


def _int(value) -> int:
    if value in (None, ""):
        return 0
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise ImportItemError(f"identifier {value!r} is not a number") from None


def evidence_id(row: dict) -> str:
    """The row's Ev_ID; the spreadsheet computes many with a formula, so they
    are rebuilt from Paper_ID, Cat_ID, SubCat_ID and AddEv_ID the same way."""
    raw = row.get("ev_id")
    if isinstance(raw, str) and raw.strip() and not raw.startswith("="):
        return raw.strip()
    if row.get("paper_id") in (None, ""):
        raise ImportItemError("missing required field Ev_ID (or Paper_ID to compute it)")
    text = f"{_int(row['paper_id']):02d}.{_int(row.get('cat_id')):02d}.{_int(row.get('subcat_id')):02d}"
    addev = _int(row.get("addev_id"))
    return f"{text}.{chr(97 + addev - 1)}" if addev else text


def _cell(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


class MitRiskImporter(Importer):
    database = Database.MIT_RISK

    def read(self, paths):
        for path in expand_paths(paths, (".xlsx", ".csv")):
            yield from self._read_file(path)

    def _read_file(self, path):
        try:
            check_size(path)
            rows = _csv_rows(path) if path.suffix.lower() == ".csv" else _xlsx_rows(path)
        except (FileRefused, SheetError) as error:
            yield RawItem(str(path), error=str(error))
            return
        except CsvRowError as error:
            yield RawItem(f"{path} line {error.line}", error=error.message)
            return
        header_index = next((i for i, row in enumerate(rows[:20]) if row and row[0] == "Title"), None)
        if header_index is None:
            yield RawItem(f"{path}!{SHEET}", error='no header row starting with "Title" in the first 20 rows')
            return
        header = [str(cell).strip() if cell is not None else "" for cell in rows[header_index]]
        missing = [name for name in COLUMNS.values() if name not in header]
        if missing:
            yield RawItem(f"{path}!{SHEET}", error="missing column(s): " + ", ".join(missing))
            return
        positions = {key: header.index(name) for key, name in COLUMNS.items()}
        yield from self._group(path, rows, header_index, positions)

    def _group(self, path, rows, header_index, positions):
        """One item per risk row, carrying the additional-evidence rows that follow it."""
        groups: dict[str, RawItem] = {}
        order: list[RawItem] = []
        for number, cells in enumerate(rows[header_index + 1 :], start=header_index + 2):
            if not cells or all(cell in (None, "") for cell in cells):
                continue
            row = {key: _cell(cells[i]) if i < len(cells) else None for key, i in positions.items()}
            location = f"{path}!{SHEET} row {number}"
            level = row.get("level")
            if level not in LEVELS:
                order.append(RawItem(location, error=f"unknown Category level {level!r}; expected one of {', '.join(sorted(LEVELS))}"))
                continue
            if level == "Paper":
                continue
            try:
                ev_id = evidence_id(row)
            except ImportItemError as error:
                order.append(RawItem(location, error=str(error)))
                continue
            if level == EVIDENCE_LEVEL:
                parent_id = re.sub(r"\.?[a-z]+$", "", ev_id)
                parent = groups.get(parent_id)
                if parent is None:
                    order.append(RawItem(location, error=f"additional evidence {ev_id} has no risk row {parent_id} before it"))
                else:
                    parent.document["additional_evidence"].append({**row, "row": number, "ev_id": ev_id})
                continue
            # The computed Ev_ID replaces the formula the cell holds.
            item = RawItem(location, {**row, "row": number, "ev_id": ev_id, "additional_evidence": []})
            if ev_id not in groups:
                groups[ev_id] = item
            order.append(item)
        yield from order

    def identify(self, item: RawItem) -> str:
        return item.document["ev_id"]

    def is_published(self, item: RawItem) -> bool:
        # The repository is curated; risks its authors set aside ("X.1 Excluded") stay unpublished.
        return not str(item.document.get("subdomain") or "").startswith("X")

    def release(self, item: RawItem) -> str:
        return RELEASE

    def apply(self, item: RawItem, external_id: str, incident, published: bool) -> Applied:
        row = item.document
        title = row.get("subcategory") or row.get("category")
        if not title:
            raise ImportItemError("missing required field Risk category")
        paper = row.get("title")
        if not paper:
            raise ImportItemError("missing required field Title (the paper the risk comes from)")
        year = _year(row.get("quickref"))
        description = str(row.get("description") or "").strip()
        context = f"Risk category: {row['category']}." if row.get("subcategory") and row.get("category") else ""
        fields = {
            "title": truncate(title, 300),
            "kind": Incident.Kind.HAZARD,
            "summary": description or f"A risk named in {paper}.",
            "body": _body(row, external_id, context),
            "reported_on": datetime.date(year, 1, 1) if year else None,
            "reported_precision": "year",
            "occurred_on": None,
            "severity": Incident.Severity.MODERATE,
            "setting": Incident.Setting.TRAINING if str(row.get("timing") or "").startswith("1") else Incident.Setting.DEPLOYMENT,
            "is_published": published,
        }
        incident = save_incident(incident, fields, f"Imported from MIT AI Risk Repository {external_id}")
        terms = _terms(row, self.term_cache)
        mit_schemes = [TaxonomyTerm.Scheme.MIT_DOMAIN, TaxonomyTerm.Scheme.MIT_CAUSAL]
        current = set(incident.taxonomy.filter(scheme__in=mit_schemes).values_list("pk", flat=True))
        wanted = {term.pk for term in terms}
        if current != wanted:
            incident.taxonomy.remove(*(current - wanted))
            incident.taxonomy.add(*(wanted - current))

        source = citation_source(
            None,
            kind=Source.Kind.PAPER,
            title=truncate(paper, 500),
            url="",
            publisher="",
            published_on=datetime.date(year, 1, 1) if year else None,
            reliability=Source.Reliability.PRIMARY,
            notes=f"Cited in the MIT AI Risk Repository as {row.get('quickref') or 'an unnamed reference'}.",
        )
        quotes = []
        if description:
            quotes.append(_quote(description, row.get("page_definition"), "Risk definition"))
        if row.get("additional"):
            quotes.append(_quote(row["additional"], row.get("page_additional"), "Additional evidence"))
        for extra in row["additional_evidence"]:
            if extra.get("additional"):
                quotes.append(_quote(extra["additional"], extra.get("page_additional"), "Additional evidence"))
        sync_evidence(incident, source, quotes)
        return Applied(incident=incident, source=source)


def _year(quickref) -> int | None:
    match = re.search(r"(19|20)\d{2}", str(quickref or ""))
    return int(match.group(0)) if match else None


def _quote(text, page, section: str) -> tuple[str, str, str]:
    text = str(text).strip().strip('"“”').strip()
    if isinstance(page, (int, float)) and not isinstance(page, bool):
        return text, Evidence.LocatorType.PAGE, str(int(page))
    if isinstance(page, str) and re.fullmatch(r"\d+\.0", page.strip()):  # a number read from CSV
        return text, Evidence.LocatorType.PAGE, page.strip()[:-2]
    if isinstance(page, str) and re.fullmatch(r"\d+(\s*[-–]\s*\d+)?", page.strip()):
        return text, Evidence.LocatorType.PAGE, page.strip()
    # "NA", "-", or a page the spreadsheet turned into a date: no page to cite.
    return text, Evidence.LocatorType.SECTION, section


def _code_and_name(value) -> tuple[str, str]:
    """'7.1 > AI pursuing ...' -> ('7.1', 'AI pursuing ...'); '7. AI System Safety...' -> ('7', ...)."""
    text = " ".join(str(value).split())
    match = re.match(r"^(\d+(?:\.\d+)?)\.?\s*>?\s*(.*)$", text)
    if not match:
        raise ImportItemError(f"unknown domain value {value!r}")
    return match.group(1), match.group(2).strip()


def _terms(row, cache: dict) -> list[TaxonomyTerm]:
    terms = []
    domain_code = None
    if row.get("domain"):
        code, name = _code_and_name(row["domain"])
        domain = taxonomy_term(TaxonomyTerm.Scheme.MIT_DOMAIN, code, name, cache=cache)
        domain_code = code
        terms.append(domain)
    if row.get("subdomain") and not str(row["subdomain"]).startswith("X"):
        code, name = _code_and_name(row["subdomain"])
        parent_code = code.split(".")[0]
        if domain_code is None or domain_code != parent_code:
            raise ImportItemError(f"Sub-domain {row['subdomain']!r} does not belong to Domain {row.get('domain')!r}")
        if not code.endswith(".0"):  # "4.0 > Malicious use" is the domain itself
            terms.append(taxonomy_term(TaxonomyTerm.Scheme.MIT_DOMAIN, code, name, parent=terms[-1], cache=cache))
    for key, dimension in CAUSAL.items():
        value = row.get(key)
        if not value:
            continue
        match = re.match(r"^(\d)\s*-\s*(.+)$", str(value).strip())
        if not match:
            raise ImportItemError(f"unknown {dimension} value {value!r}; expected e.g. '1 - Human'")
        number, name = match.groups()
        if number not in CAUSAL_CODES:
            raise ImportItemError(f"unknown {dimension} value {value!r}; expected 1, 2, 3 or 4 (not coded)")
        if number == NOT_CODED:
            continue
        parent = taxonomy_term(TaxonomyTerm.Scheme.MIT_CAUSAL, "", dimension, cache=cache)
        existing = _causal_child(parent, name, cache)
        terms.append(existing or taxonomy_term(TaxonomyTerm.Scheme.MIT_CAUSAL, f"{key}.{number}", name, parent=parent, cache=cache))
    return terms


def _causal_child(parent, name, cache: dict) -> TaxonomyTerm | None:
    """Match a causal value to an existing term whatever its spelling
    ("Pre-deployment", "Pre- deployment")."""
    wanted = re.sub(r"[^a-z]", "", name.lower())
    key = ("causal-child", parent.pk, wanted)
    if key in cache:
        return cache[key]
    for term in parent.children.all():
        if re.sub(r"[^a-z]", "", term.name.lower()) == wanted:
            cache[key] = term
            return term
    return None


def _body(row, external_id, context) -> str:
    lines = [f"Imported from the MIT AI Risk Repository (v3, 2025-03-26), entry {external_id}.", ""]
    if context:
        lines.append(context)
        lines.append("")
    lines.append(f"- From: {row.get('title')}" + (f" ({row['quickref']})" if row.get("quickref") else ""))
    for key, label in (("entity", "Entity"), ("intent", "Intent"), ("timing", "Timing"), ("domain", "Domain"), ("subdomain", "Sub-domain")):
        if row.get(key):
            lines.append(f"- {label}: {' '.join(str(row[key]).split())}")
    lines.append("")
    lines.append("Source: the MIT AI Risk Repository, https://airisk.mit.edu/ (CC BY 4.0).")
    return "\n".join(lines)
