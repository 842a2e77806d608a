"""An entry as an OECD-shaped JSON document: the 29 criteria of the OECD
common reporting framework under `criteria` (keys from incidents.oecd), its
identifiers in other databases, its causal attribution, and this knowledge
base's own fields under `x-aikb`. The schema is incidents.oecd_schema; the
importer that reads it back is imports.oecd; docs/oecd.md describes both.

`documents_for` builds a batch in a fixed number of queries whatever its
size (evidence with sources, organisation and system links, external ids,
attributions, harness links, and the completeness facts), so the API's
per-entry document and the streamed export cost the same per batch.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse

from .completeness import completeness_of, facts_for
from .external_ids import as_dict
from .models import (
    CausalAttribution,
    Claim,
    Evidence,
    ExternalIdentifier,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
)
from .oecd import CRITERIA, event_type
from .oecd_schema import AIKB_SCHEME, INCIDENT_FORMAT, INCIDENT_SCHEMA_PATH, SET_FORMAT, SET_SCHEMA_PATH, VERSION

DEVELOPER_ROLES = (IncidentOrganisation.Role.DEVELOPER, IncidentOrganisation.Role.DEPLOYER)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def set_header() -> dict:
    """The set document without its incidents (the export writes them after)."""
    return {"$schema": absolute(SET_SCHEMA_PATH), "format": SET_FORMAT, "version": VERSION}


def incident_document(incident: Incident) -> dict:
    """The OECD-shaped document of one incident (see the module docstring)."""
    return documents_for([incident])[0]


def documents_for_ids(ids) -> list[dict]:
    """The documents of the incidents with these ids, in that order (an
    export batch: one query for the rows, then `documents_for`)."""
    ids = list(ids)
    rows = Incident.objects.defer("search_vector").in_bulk(ids)
    return documents_for([rows[pk] for pk in ids if pk in rows])


def documents_for(incidents) -> list[dict]:
    """The documents of a batch of incidents, in a fixed number of queries."""
    incidents = list(incidents)
    ids = [incident.pk for incident in incidents]
    if not ids:
        return []
    evidence = _by_incident(
        Evidence.objects.filter(incident_id__in=ids)
        .select_related("source", "source__responding_organisation")
        .order_by("incident_id", "id")
    )
    organisations = _by_incident(
        IncidentOrganisation.objects.filter(incident_id__in=ids)
        .select_related("organisation")
        .order_by("incident_id", "role", "organisation__name", "id")
    )
    systems = _by_incident(
        IncidentSystem.objects.filter(incident_id__in=ids)
        .select_related("system", "system__developer", "system__base_system")
        .order_by("incident_id", "role", "system__name", "system__version", "id")
    )
    external = _by_incident(
        ExternalIdentifier.objects.filter(incident_id__in=ids).order_by("incident_id", "scheme", "identifier")
    )
    attributions = _by_incident(
        CausalAttribution.objects.filter(incident_id__in=ids)
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.only("id", "incident_id")))
        .order_by("incident_id", "factor")
    )
    # Reached by relation name: incidents does not import reproductions.
    harnesses: dict[int, list[dict]] = {}
    rows = (
        Claim.objects.filter(incident_id__in=ids, harness_links__isnull=False)
        .values_list(
            "incident_id",
            "harness_links__harness__name",
            "harness_links__harness__slug",
            "harness_links__harness__task",
            "harness_links__harness__task_version",
        )
        .distinct()
        .order_by("incident_id", "harness_links__harness__name")
    )
    for incident_id, name, slug, task, version in rows:
        harnesses.setdefault(incident_id, []).append(
            {"harness": name, "inspect_task": task, "version": version, "url": _harness_url(slug)}
        )
    facts = facts_for(ids)
    return [
        _document(
            incident,
            evidence.get(incident.pk, []),
            organisations.get(incident.pk, []),
            systems.get(incident.pk, []),
            external.get(incident.pk, []),
            attributions.get(incident.pk, []),
            harnesses.get(incident.pk, []),
            facts.get(incident.pk),
        )
        for incident in incidents
    ]


def _by_incident(queryset) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in queryset:
        grouped.setdefault(row.incident_id, []).append(row)
    return grouped


def _harness_url(slug: str) -> str | None:
    try:
        return absolute(reverse("api:harness-detail", kwargs={"slug": slug}))
    except NoReverseMatch:
        return None


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _system_ref(system) -> dict | None:
    return {"name": system.name, "version": system.version} if system is not None else None


def _material(evidence: Evidence) -> dict:
    source = evidence.source
    return {
        "title": source.title,
        "url": source.url,
        "publisher": source.publisher,
        "authors": list(source.authors),
        "published_on": _date(source.published_on),
        "kind": source.kind,
        "reliability": source.reliability,
        "responding_organisation": source.responding_organisation.name if source.responding_organisation else None,
        "quote": evidence.quote,
        "locator_type": evidence.locator_type,
        "locator": evidence.locator,
        "stance": evidence.stance,
        "basis": evidence.basis,
    }


def _document(incident, evidence, organisations, systems, external, attributions, harnesses, facts) -> dict:
    index_of = {row.pk: number for number, row in enumerate(evidence)}
    completeness = completeness_of(incident, facts)
    distinct_systems = list({link.system_id: link.system for link in systems}.values())
    criteria = {
        "title": incident.title,
        "description": incident.summary,
        "submitter": {"type": incident.submitter_type, "name": incident.submitter_name},
        "supporting_materials": [_material(row) for row in evidence],
        "first_occurrence_date": (
            {"date": _date(incident.occurred_on), "precision": incident.occurred_precision}
            if incident.occurred_on else None
        ),
        "countries": list(incident.countries),
        "ai_relation": {"roles": list(incident.ai_relation), "note": incident.ai_relation_note},
        "severity": {"oecd": incident.oecd_severity, "aikb": incident.severity},
        "harm_types": list(incident.harm_types),
        "harm_quantification": incident.harm_quantification,
        "unintended_use": incident.unintended_use,
        "affected_stakeholders": list(incident.affected_stakeholders),
        "rights_impacts": incident.rights_impacts,
        "ai_principles": list(incident.ai_principles),
        "industries": list(incident.industries),
        "business_functions": list(incident.business_functions),
        "critical_infrastructure": list(incident.critical_infrastructure),
        "deployment_breadth": incident.deployment_breadth,
        "training_data": incident.training_data,
        "usage_rights": [
            {"system": system.name, "version": system.version, "usage_rights": system.usage_rights}
            for system in distinct_systems
            if system.usage_rights
        ],
        "ai_systems": [
            {
                "name": link.system.name,
                "version": link.system.version,
                "role": link.role,
                "family": link.system.family,
                "base_system": _system_ref(link.system.base_system),
                "developer": link.system.developer.name if link.system.developer else None,
            }
            for link in systems
        ],
        "developers_deployers": [
            {"name": link.organisation.name, "role": link.role} for link in organisations if link.role in DEVELOPER_ROLES
        ],
        "model": [
            {"system": system.name, "version": system.version, "family": system.family,
             "base_system": _system_ref(system.base_system)}
            for system in distinct_systems
            if system.family or system.base_system_id
        ],
        "tasks": list(incident.ai_tasks),
        "autonomy_level": incident.autonomy_level,
        "systems_interacting": incident.systems_interacting,
        "actions_taken": incident.actions_taken,
        "steps_to_reproduce": harnesses,
        "additional_information": incident.body,
    }
    assert list(criteria) == [c.key for c in CRITERIA], "criteria keys follow the registry"
    return {
        "$schema": absolute(INCIDENT_SCHEMA_PATH),
        "format": INCIDENT_FORMAT,
        "version": VERSION,
        "id": incident.public_id,
        "url": absolute(incident.get_absolute_url()),
        "event_type": event_type(incident.oecd_severity or incident.kind),
        "identifiers": [
            {"scheme": AIKB_SCHEME, "id": incident.public_id, "url": absolute(incident.get_absolute_url())},
            *(as_dict(row.scheme, row.identifier) for row in external),
        ],
        "criteria": criteria,
        "attribution": [
            {
                "factor": row.factor,
                "grounding": row.grounding,
                "explanation": row.explanation,
                "evidence": sorted(index_of[e.pk] for e in row.evidence.all() if e.pk in index_of),
            }
            for row in attributions
        ],
        "x-aikb": {
            "kind": incident.kind,
            "status": incident.status,
            "setting": incident.setting,
            "reported_on": _date(incident.reported_on),
            "reported_precision": incident.reported_precision,
            "slug": incident.slug,
            "published": incident.is_published,
            "organisations": [
                {"name": link.organisation.name, "role": link.role}
                for link in organisations
                if link.role not in DEVELOPER_ROLES
            ],
        },
        "completeness": {
            "met": completeness.met_count,
            "of": len(CRITERIA),
            "mandatory_complete": completeness.mandatory_complete,
            "mandatory_missing": list(completeness.mandatory_missing),
        },
    }
