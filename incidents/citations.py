"""How to cite an incident or a source: plain text, BibTeX and CSL-JSON;
and where a quote sits in its source (`locator_text`).

The incident page's "cite this" box, the API's citation formats and the PDF
briefings all call these functions, so a citation reads the same everywhere.
Addresses are absolute, built from settings.SITE_URL, because a citation is
read away from the site.
"""

import re

from django.conf import settings

from .models import DatePrecision, Evidence, Incident, Source

PUBLISHER = "AI Incident Knowledge Base"

# BibTeX treats these as commands or grouping; escaping keeps titles such as
# "R&D 50% faster_{x}" intact when the .bib file is compiled.
_BIBTEX_SPECIALS = re.compile(r"([\\{}&%$#_~^])")
_BIBTEX_REPLACEMENTS = {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}

# Our source kinds mapped to the closest CSL item types and BibTeX entry types.
_SOURCE_CSL_TYPES = {
    Source.Kind.PAPER: "article",
    Source.Kind.ARTICLE: "article-newspaper",
    Source.Kind.TRANSCRIPT: "interview",
    Source.Kind.LOG: "document",
    Source.Kind.POST: "post-weblog",
    Source.Kind.DATASET: "dataset",
    Source.Kind.RESPONSE: "document",
}
_SOURCE_BIBTEX_TYPES = {
    Source.Kind.PAPER: "article",
    Source.Kind.ARTICLE: "article",
}


def absolute_url(path: str) -> str:
    """`path` (e.g. "/incidents/AIKB-2025-0001/") on the public site."""
    return f"{settings.SITE_URL}{path}"


def bibtex_escape(text: str) -> str:
    """Text safe inside a BibTeX field's braces."""
    return _BIBTEX_SPECIALS.sub(lambda m: _BIBTEX_REPLACEMENTS.get(m.group(1), "\\" + m.group(1)), text or "")


def _date_parts(value, precision=DatePrecision.DAY) -> list[int]:
    if precision == DatePrecision.YEAR:
        return [value.year]
    if precision == DatePrecision.MONTH:
        return [value.year, value.month]
    return [value.year, value.month, value.day]


def _incident_date(incident: Incident):
    """The date an incident entry is cited under: when it was reported,
    else when it happened, else when the entry was created."""
    if incident.reported_on:
        return incident.reported_on, incident.reported_precision
    if incident.occurred_on:
        return incident.occurred_on, incident.occurred_precision
    return incident.created.date(), DatePrecision.DAY


def _bibtex(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    lines = [f"@{entry_type}{{{key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields if value]
    lines.append("}")
    return "\n".join(lines)


def incident_url(incident: Incident) -> str:
    """The incident's permanent absolute address."""
    return absolute_url(incident.get_absolute_url())


def incident_citation_text(incident: Incident) -> str:
    """A one-line plain-text citation, e.g.
    'AI Incident Knowledge Base (2025). "Agent opened a tunnel" (AIKB-2025-0001).
    Revised 23 November 2026. http://host/incidents/AIKB-2025-0001/'"""
    date, precision = _incident_date(incident)
    revised = incident.updated.date() if incident.updated else None
    parts = [f"{PUBLISHER} ({date.year}). \u201c{incident.title}\u201d ({incident.public_id})."]
    if revised:
        parts.append(f"Revised {revised.day} {revised.strftime('%B %Y')}.")
    parts.append(incident_url(incident))
    return " ".join(parts)


def incident_bibtex(incident: Incident) -> str:
    """A BibTeX @misc entry keyed by the lower-cased public id, as a string."""
    date, precision = _incident_date(incident)
    fields = [
        ("title", bibtex_escape(incident.title)),
        ("author", "{" + PUBLISHER + "}"),
        ("organization", PUBLISHER),
        ("year", str(date.year)),
        ("month", str(date.month) if precision != DatePrecision.YEAR else ""),
        ("number", incident.public_id),
        ("howpublished", f"\\url{{{incident_url(incident)}}}"),
        ("url", incident_url(incident)),
        ("note", f"{incident.get_kind_display()}, revised {incident.updated.date().isoformat()}" if incident.updated else incident.get_kind_display()),
    ]
    return _bibtex("misc", incident.public_id.lower(), fields)


def incident_csl(incident: Incident) -> dict:
    """A CSL-JSON item (a dict ready for json.dumps) of type "webpage",
    with id, title, author, publisher, number (the public id), issued
    (date-parts at the precision of the reported date), URL, and the
    revision date in "note"."""
    date, precision = _incident_date(incident)
    item = {
        "id": incident.public_id,
        "type": "webpage",
        "title": incident.title,
        "author": [{"literal": PUBLISHER}],
        "publisher": PUBLISHER,
        "container-title": PUBLISHER,
        "number": incident.public_id,
        "genre": incident.get_kind_display(),
        "issued": {"date-parts": [_date_parts(date, precision)]},
        "URL": incident_url(incident),
    }
    if incident.updated:
        item["note"] = f"Revised {incident.updated.date().isoformat()}"
    return item


def _source_authors(source: Source) -> list[str]:
    return [name for name in (source.authors or []) if name.strip()]


def _csl_name(name: str) -> dict:
    """"A. Researcher" -> family/given; a single word or an organisation stays literal."""
    parts = name.strip().rsplit(" ", 1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return {"given": parts[0], "family": parts[1]}
    return {"literal": name.strip()}


def source_bibtex(source: Source) -> str:
    """A BibTeX entry (@article for papers and articles, else @misc) keyed
    "source<id>", as a string."""
    entry_type = _SOURCE_BIBTEX_TYPES.get(source.kind, "misc")
    authors = _source_authors(source)
    fields = [
        ("title", bibtex_escape(source.title)),
        ("author", " and ".join(bibtex_escape(a) for a in authors)),
        ("journal" if entry_type == "article" else "publisher", bibtex_escape(source.publisher)),
        ("year", str(source.published_on.year) if source.published_on else ""),
        ("month", str(source.published_on.month) if source.published_on else ""),
        ("url", source.url),
        ("howpublished", f"\\url{{{source.url}}}" if source.url and entry_type == "misc" else ""),
        ("note", source.get_kind_display()),
    ]
    return _bibtex(entry_type, f"source{source.pk}", fields)


def source_csl(source: Source) -> dict:
    """A CSL-JSON item (a dict ready for json.dumps) for a source, typed by
    its kind (paper -> article, post -> post-weblog, ...), with author,
    publisher, issued and URL when known."""
    item = {
        "id": f"source-{source.pk}",
        "type": _SOURCE_CSL_TYPES.get(source.kind, "document"),
        "title": source.title,
    }
    authors = _source_authors(source)
    if authors:
        item["author"] = [_csl_name(a) for a in authors]
    if source.publisher:
        item["publisher"] = source.publisher
        item["container-title"] = source.publisher
    if source.published_on:
        item["issued"] = {"date-parts": [_date_parts(source.published_on)]}
    if source.url:
        item["URL"] = source.url
    return item


def source_citation_text(source: Source) -> str:
    """A one-line plain-text citation of a source: authors (year). Title. Publisher. URL."""
    authors = ", ".join(_source_authors(source))
    year = f" ({source.published_on.year})" if source.published_on else ""
    parts = [f"{authors}{year}." if authors else (f"{source.published_on.year}." if source.published_on else "")]
    parts.append(f"{source.title}.")
    if source.publisher:
        parts.append(f"{source.publisher}.")
    if source.url:
        parts.append(source.url)
    return " ".join(p for p in parts if p)


# Words (and signs) with which an editor may already have named a locator's
# kind: "paragraph 3", "p. 12", "§3.1", "Figure 1". Such a locator is shown
# as written; a bare one ("3", "12", "3.1") gets its kind in front.
_LOCATOR_NAMES = {
    Evidence.LocatorType.PAGE: r"(?:pages?\b|pp?\.)",
    Evidence.LocatorType.SECTION: r"(?:§|sections?\b|sec\.|chapter\b|appendix\b)",
    Evidence.LocatorType.PARAGRAPH: r"(?:¶|paragraphs?\b|paras?\b\.?)",
    Evidence.LocatorType.FIGURE: r"(?:figures?\b|figs?\.|tables?\b)",
    Evidence.LocatorType.TIMESTAMP: r"(?:timestamp\b)",
}


def locator_text(evidence: Evidence) -> str:
    """Where a quote sits, as a reader reads it: "paragraph 3" for a
    paragraph locator "3" or "paragraph 3" (never "paragraph paragraph 3"),
    "§3.1.4 Safety data" as written, "figure or table 7"."""
    locator = evidence.locator.strip()
    named = _LOCATOR_NAMES.get(evidence.locator_type)
    if named and re.match(named, locator, re.IGNORECASE):
        return locator
    return f"{evidence.get_locator_type_display().lower()} {locator}"
