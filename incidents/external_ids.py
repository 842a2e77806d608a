"""Identifiers other incident databases gave the same event: one registry of schemes.

Each scheme has a pattern (the model's CheckConstraint and clean() use it), an
address (shown as "Also recorded in" on the page and in the API) and a name a
person reads. `parse` is the one reader of "scheme:id" text (API filter,
importers, admin), so the accepted spellings are the same everywhere.

`replace_external_ids` is the one writer for a machine origin (an importer):
it replaces the rows that origin wrote before and never touches the ones an
editor added, so a re-import does not undo an editor's work. The models are
looked up through the app registry, so this module and incidents.models do not
import each other.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q


@dataclass(frozen=True)
class Scheme:
    key: str
    name: str
    pattern: str
    address: str  # "" when the database gives no stable address
    example: str
    upper: bool = True  # identifiers are stored upper-case (AVID-2023-R0001, CVE-…)

    @property
    def regex(self) -> re.Pattern:
        return re.compile(self.pattern, re.ASCII)  # \d: ASCII digits, as PostgreSQL's constraint reads them


SCHEMES: dict[str, Scheme] = {
    s.key: s
    for s in (
        Scheme("aiid", "AI Incident Database", r"^\d+$", "https://incidentdatabase.ai/cite/{id}/", "634"),
        Scheme(
            "oecd-aim",
            "OECD AI Incidents Monitor",
            r"^\d{4}-\d{2}-\d{2}-[0-9a-f]{4}$",
            "https://oecd.ai/en/incidents/{id}",
            "2024-03-07-8f2a",
            upper=False,
        ),
        Scheme("avid", "AI Vulnerability Database", r"^AVID-\d{4}-[RV]\d{3,}$", "https://avidml.org/database/{lower}/",
               "AVID-2023-R0001"),
        Scheme("atlas", "MITRE ATLAS case study", r"^AML\.CS\d{4}$", "https://atlas.mitre.org/studies/{id}",
               "AML.CS0009"),
        Scheme("aiaaic", "AIAAIC Repository", r"^AIAAIC\d{4}$", "", "AIAAIC1234"),
        Scheme("cve", "CVE", r"^CVE-\d{4}-\d{4,}$", "https://www.cve.org/CVERecord?id={id}", "CVE-2024-12345"),
    )
}
SCHEME_KEYS: tuple[str, ...] = tuple(SCHEMES)
MAX_LENGTH = 100


def _unknown_scheme(scheme: str) -> str:
    return f"Unknown scheme '{scheme}'; use {', '.join(SCHEME_KEYS)}."


def normalise(scheme: str, identifier: str) -> str:
    identifier = identifier.strip()
    spec = SCHEMES.get(scheme)
    if spec is None:
        return identifier
    return identifier.upper() if spec.upper else identifier.lower()


def problem(scheme: str, identifier: str, shown: str | None = None) -> str | None:
    """The message for an identifier the scheme does not accept, or None
    (`shown`: the value as the person wrote it, before normalising)."""
    spec = SCHEMES.get(scheme)
    if spec is None:
        return _unknown_scheme(scheme)
    if not identifier:
        return f"Give the {spec.name} identifier after '{scheme}:', for example {scheme}:{spec.example}."
    if len(identifier) > MAX_LENGTH or not spec.regex.match(identifier):
        shown = identifier if shown is None else shown
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        return f"'{shown}' is not a valid {scheme} identifier ({spec.name}); it looks like {scheme}:{spec.example}."
    return None


def validate(scheme: str, identifier: str) -> None:
    """Raise ValidationError({"identifier"|"scheme": msg}) unless the identifier fits its scheme."""
    if scheme not in SCHEMES:
        raise ValidationError({"scheme": _unknown_scheme(scheme)})
    message = problem(scheme, identifier)
    if message:
        raise ValidationError({"identifier": message})


def parse(value: str, *, allow_bare_scheme: bool = False) -> tuple[str, str]:
    """"aiid:634" -> ("aiid", "634"); "avid:avid-2023-r0001" -> ("avid", "AVID-2023-R0001").

    With allow_bare_scheme, "aiid" alone gives ("aiid", "") (the filter's "has one").
    Raises ValidationError with a message naming the value.
    """
    text = (value or "").strip()
    scheme, sep, identifier = text.partition(":")
    scheme = scheme.strip().lower()
    if scheme not in SCHEMES:
        raise ValidationError(_unknown_scheme(scheme))
    if not sep and allow_bare_scheme:
        return scheme, ""
    normalised = normalise(scheme, identifier)
    message = problem(scheme, normalised, shown=identifier.strip())
    if message:
        raise ValidationError(message)
    return scheme, normalised


def url_of(scheme: str, identifier: str) -> str:
    """The public address of the record, or "" where the database has none (AIAAIC)."""
    spec = SCHEMES.get(scheme)
    if spec is None or not spec.address:
        return ""
    return spec.address.format(id=identifier, lower=identifier.lower())


def name_of(scheme: str) -> str:
    spec = SCHEMES.get(scheme)
    return spec.name if spec else scheme


def as_dict(scheme: str, identifier: str) -> dict:
    """The API/document shape: {"scheme", "id", "url"} (url null when there is none)."""
    return {"scheme": scheme, "id": identifier, "url": url_of(scheme, identifier) or None}


def external_q(values) -> Q:
    """Incidents carrying any of the given (scheme, id) pairs; an id of "" means any id of that scheme.

    One `pk__in` subquery over ExternalIdentifier, which uses the
    (scheme, identifier) index `external_id_lookup`.
    """
    ExternalIdentifier = apps.get_model("incidents", "ExternalIdentifier")
    match = Q(pk__in=[])
    for scheme, identifier in values:
        match |= Q(scheme=scheme, identifier=identifier) if identifier else Q(scheme=scheme)
    ids = ExternalIdentifier.objects.filter(match).values("incident_id")
    return Q(pk__in=ids)


# Addresses other databases use for their records, so ids can be read from reference URLs.
_URL_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("aiid", re.compile(r"incidentdatabase\.ai/cite/(\d+)", re.I)),
    ("avid", re.compile(r"avidml\.org/database/(avid-\d{4}-[rv]\d{3,})", re.I)),
    ("atlas", re.compile(r"atlas\.mitre\.org/studies/(AML\.CS\d{4})", re.I)),
    ("oecd-aim", re.compile(r"oecd\.ai/[a-z]{2}/incidents/(\d{4}-\d{2}-\d{2}-[0-9a-f]{4})", re.I)),
    ("cve", re.compile(r"cve\.org/CVERecord\?id=(CVE-\d{4}-\d{4,})", re.I)),
)
_CVE_IN_TEXT = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.I)
_AVID_IN_TEXT = re.compile(r"\bAVID-\d{4}-[RV]\d{3,}\b", re.I)


def ids_in_url(url: str) -> list[tuple[str, str]]:
    """The (scheme, id) pairs a reference URL names, in a stable order."""
    found = []
    for scheme, regex in _URL_PATTERNS:
        for match in regex.finditer(url or ""):
            pair = (scheme, normalise(scheme, match.group(1)))
            if problem(*pair) is None and pair not in found:
                found.append(pair)
    return found


def cve_ids_in_text(text: str) -> list[str]:
    return sorted({m.group(0).upper() for m in _CVE_IN_TEXT.finditer(text or "")})


def avid_ids_in_text(text: str) -> list[str]:
    return sorted({m.group(0).upper() for m in _AVID_IN_TEXT.finditer(text or "")})


def clean_pairs(ids) -> list[tuple[str, str]]:
    """Normalise, validate and de-duplicate (scheme, id) pairs, keeping their order."""
    pairs: list[tuple[str, str]] = []
    for scheme, identifier in ids:
        identifier = normalise(scheme, identifier)
        validate(scheme, identifier)
        if (scheme, identifier) not in pairs:
            pairs.append((scheme, identifier))
    return pairs


def replace_external_ids(incident, ids, origin: str = "import") -> bool:
    """Make the incident's `origin` rows exactly `ids`; rows of other origins (editor) are kept.

    `ids` is an iterable of (scheme, id) or "scheme:id". A pair an editor
    already recorded is not written again. Returns True when a row changed.
    Raises ValidationError (nothing written) when an id does not fit its scheme.
    """
    ExternalIdentifier = apps.get_model("incidents", "ExternalIdentifier")
    pairs = clean_pairs(parse(v) if isinstance(v, str) else tuple(v) for v in ids)
    with transaction.atomic():
        stored = list(ExternalIdentifier.objects.filter(incident=incident).values_list("pk", "scheme", "identifier", "origin"))
        mine = {(s, i): pk for pk, s, i, o in stored if o == origin}
        others = {(s, i) for _, s, i, o in stored if o != origin}
        wanted = [p for p in pairs if p not in others]
        stale = [pk for pair, pk in mine.items() if pair not in wanted]
        new = [p for p in wanted if p not in mine]
        if stale:
            ExternalIdentifier.objects.filter(pk__in=stale).delete()
        if new:
            ExternalIdentifier.objects.bulk_create(
                [ExternalIdentifier(incident=incident, scheme=s, identifier=i, origin=origin) for s, i in new]
            )
    return bool(stale or new)


def _reference_urls(document, key="references") -> list[str]:
    refs = document.get(key) if isinstance(document, dict) else None
    return [str(r.get("url") or "") for r in refs or [] if isinstance(r, dict)]


def ids_of_import(database: str, external_id: str, document) -> list[tuple[str, str]]:
    """The ids another database gave the record an importer read: its own id
    and those its references name. Importers and the backfill migration
    (which reads the stored original) both call this, so they agree.

    - ATLAS: the case study id (AML.CS…), and ids in `references[].url`.
    - AVID: a report id (AVID-YYYY-R…), `impact.avid.vuln_id` (AVID-YYYY-V…),
      for a CVE entry its CVE id (title and references; or the record's own
      id), and ids in `references[].url` (an ATLAS case study, say).
    Other databases give none. Ids that fit no scheme are left out.
    """
    found: list[tuple[str, str]] = []

    def add(scheme, identifier):
        identifier = normalise(scheme, str(identifier or ""))
        if problem(scheme, identifier) is None and (scheme, identifier) not in found:
            found.append((scheme, identifier))

    document = document if isinstance(document, dict) else {}
    if database == "atlas":
        add("atlas", external_id)
    elif database == "avid":
        if SCHEMES["avid"].regex.match(normalise("avid", external_id)):
            add("avid", external_id)
        elif SCHEMES["cve"].regex.match(normalise("cve", external_id)):
            add("cve", external_id)
        impact = document.get("impact") if isinstance(document.get("impact"), dict) else {}
        avid = impact.get("avid") if isinstance(impact.get("avid"), dict) else {}
        vulns = avid.get("vuln_id")
        for vuln in vulns if isinstance(vulns, list) else [vulns]:
            if isinstance(vuln, str):
                add("avid", vuln)
        problemtype = document.get("problemtype") if isinstance(document.get("problemtype"), dict) else {}
        if problemtype.get("classof") == "CVE Entry":
            title = problemtype.get("description")
            title = title.get("value") if isinstance(title, dict) else title
            for cve in cve_ids_in_text(str(title or "")) or cve_ids_in_text(" ".join(_reference_urls(document))):
                add("cve", cve)
    else:
        return found
    for url in _reference_urls(document):
        for scheme, identifier in ids_in_url(url):
            # A CVE a report cites is not the report's own id; a study that
            # cites another study is another event.
            if scheme != "cve" and not (database == "atlas" and scheme == "atlas"):
                add(scheme, identifier)
    return found
