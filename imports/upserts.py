"""Find-or-create of the things imported incidents link to (organisations,
AI systems, taxonomy terms, citation sources, quoted evidence), shared by the
importers so each matches existing rows the same way.

Validation runs `full_clean(validate_constraints=False)`: field and `clean()`
rules give their messages, while the database constraints still hold (an
IntegrityError is reported for the item); pre-checking each constraint costs
one query apiece and doubled the import time.
"""

from django.utils.text import slugify

from incidents.models import (
    AISystem,
    Evidence,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Organisation,
    Source,
    TaxonomyTerm,
)

from .pipeline import ImportItemError

# Placeholders some databases put where a name is unknown.
NO_NAME = {"", "n/a", "na", "none", "null", "unknown", "-"}


def unique_slug(model, text: str, max_length: int = 200, fallback: str = "item") -> str:
    base = (slugify(text) or fallback)[: max_length - 6].strip("-") or fallback
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def clean_name(name) -> str:
    return " ".join(str(name or "").split())


def organisation_named(name: str) -> Organisation | None:
    """The organisation with this name (any case), created when new."""
    name = clean_name(name)[:200]
    if name.lower() in NO_NAME:
        return None
    found = Organisation.objects.filter(name__iexact=name).first()
    if found:
        return found
    return Organisation.objects.create(
        name=name, slug=unique_slug(Organisation, name, fallback="organisation"), kind=Organisation.Kind.OTHER
    )


def system_named(name: str, developer: Organisation | None = None) -> AISystem | None:
    """The AI system with this name and no version (any case), created when new."""
    name = clean_name(name)[:200]
    if name.lower() in NO_NAME:
        return None
    found = AISystem.objects.filter(name__iexact=name, version="").first()
    if found:
        return found
    return AISystem.objects.create(
        name=name, slug=unique_slug(AISystem, name, fallback="system"), developer=developer
    )


def link_organisation(incident: Incident, organisation: Organisation | None, role: str) -> None:
    if organisation is not None:
        IncidentOrganisation.objects.get_or_create(incident=incident, organisation=organisation, role=role)


def link_system(incident: Incident, system: AISystem | None, role: str) -> None:
    if system is not None:
        IncidentSystem.objects.get_or_create(incident=incident, system=system, role=role)


def taxonomy_term(
    scheme: str, code: str, name: str, parent=None, description: str = "", cache: dict | None = None
) -> TaxonomyTerm:
    """The term of `scheme` with this code (or, without a code, this name under
    this parent), created when missing so imports never drop a classification.

    `cache` (one per import run) remembers the terms looked up; the pipeline
    empties it whenever an item's transaction is rolled back (a dry run, a
    failing item), since a term found there may have been created there."""
    name = clean_name(name)[:200]
    key = (scheme, code, None if code else (parent.pk if parent else None, name.lower()))
    if cache is not None and key in cache:
        return cache[key]
    if code:
        found = TaxonomyTerm.objects.filter(scheme=scheme, code=code).first()
    else:
        found = TaxonomyTerm.objects.filter(scheme=scheme, parent=parent, name__iexact=name).first()
    if found:
        if cache is not None:
            cache[key] = found
        return found
    return TaxonomyTerm.objects.create(
        scheme=scheme,
        code=code,
        name=name,
        parent=parent,
        description=description,
        slug=unique_slug(TaxonomyTerm, f"{scheme} {code} {name}", fallback="term"),
    )


def citation_source(existing: Source | None, **fields) -> Source:
    """The source an importer cites (the database entry, or the paper), kept
    up to date from the document; found by URL when the record has none yet."""
    source = existing
    if source is None and fields.get("url"):
        source = Source.objects.filter(url=fields["url"]).first()
    if source is None and not fields.get("url"):
        source = Source.objects.filter(title=fields["title"], url="", kind=fields["kind"]).first()
    if source is None:
        source = Source(**fields)
        source.full_clean(exclude=["archived_file", "archived_sha256"], validate_constraints=False)
        source.save()
        return source
    changed = [name for name, value in fields.items() if getattr(source, name) != value]
    if changed:
        for name in changed:
            setattr(source, name, fields[name])
        source.full_clean(exclude=["archived_file", "archived_sha256"], validate_constraints=False)
        source.save()
    return source


def sync_evidence(incident: Incident, source: Source, quotes: list[tuple[str, str, str]]) -> None:
    """Make the incident's evidence from `source` exactly `quotes`
    [(quote, locator_type, locator)]: add the missing, remove the stale (unless
    a measurement relies on it)."""
    wanted = {}
    for quote, locator_type, locator in quotes:
        quote, locator = (quote or "").strip(), (locator or "").strip()[:100]
        if quote and locator:
            wanted[(quote, locator_type, locator)] = True
    existing = {
        (e.quote, e.locator_type, e.locator): e for e in Evidence.objects.filter(incident=incident, source=source)
    }
    for key, evidence in existing.items():
        if key not in wanted and not evidence.measurements.exists():
            evidence.delete()
    for quote, locator_type, locator in wanted:
        if (quote, locator_type, locator) not in existing:
            evidence = Evidence(
                incident=incident,
                source=source,
                quote=quote,
                locator_type=locator_type,
                locator=locator,
                stance=Evidence.Stance.SUPPORTS,
            )
            evidence.full_clean(validate_constraints=False)
            evidence.save()


def save_incident(incident: Incident | None, fields: dict, reason: str) -> Incident:
    """Create or update the incident with the mapped fields, validated like an
    editor's form; an update writes (and leaves a revision) only when a field
    really changed. Editorial choices the import does not own (publication,
    status) are kept on update."""
    fields = {"slug": (slugify(fields["title"])[:290].strip("-") or "incident"), **fields}
    if incident is None:
        incident = Incident(**fields)
    else:
        fields = {k: v for k, v in fields.items() if k not in {"is_published", "status"}}
        changed = [name for name, value in fields.items() if getattr(incident, name) != value]
        if not changed:
            return incident
        for name in changed:
            setattr(incident, name, fields[name])
    try:
        incident.full_clean(exclude=["public_id"], validate_constraints=False)
    except Exception as error:
        raise ImportItemError(_validation_text(error)) from None
    incident._change_reason = reason[:100]
    incident.save()
    return incident


def _validation_text(error) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return str(error)


def truncate(text: str, length: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
