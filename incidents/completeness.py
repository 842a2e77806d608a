"""Whether an entry answers each OECD reporting criterion: derived, never stored.

Two readings of one rule (incidents.oecd.CRITERIA, "met when ..."):

- `completeness_of(incident, facts)`: in Python, over an incident's columns
  and a few facts about its relations (`Facts`). A page reads the facts from
  its prefetches (`facts_from_prefetches`); a list or an export reads them for
  a whole batch in one query (`facts_for`).
- `criterion_met_q(key)`: a condition on incidents, for filters (the API's
  `oecd` and `oecd_missing`), the admin's queue and sort
  (`missing_mandatory_count`).

tests/incidents/test_completeness.py checks that the two agree on every
criterion. The publish rule (incidents.publishing.check_publishable) reads
`publish_problems`: the mandatory criteria of an incident as edited, before
it is saved.

Relations are reached by their names (a claim's `harness_links` are
reproductions.HarnessMetric rows), so this module imports no other app.
"""

from dataclasses import dataclass, fields

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import Claim, Evidence, Incident, IncidentOrganisation, IncidentSystem, Source
from .oecd import CRITERIA, CRITERIA_BY_KEY, MANDATORY, MANDATORY_KEYS, Criterion

DEVELOPER_ROLES = (IncidentOrganisation.Role.DEVELOPER, IncidentOrganisation.Role.DEPLOYER)


@dataclass(frozen=True)
class Facts:
    """What the criteria need to know about an incident's relations."""

    has_evidence: bool = False
    has_response_evidence: bool = False
    has_harness: bool = False
    system_count: int = 0
    has_dev_or_deployer: bool = False
    has_affected_org: bool = False
    has_model_info: bool = False
    has_usage_rights: bool = False


NO_FACTS = Facts()


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    met: bool


@dataclass(frozen=True)
class Completeness:
    results: tuple[CriterionResult, ...]
    mandatory_missing: tuple[str, ...]  # keys, in registry order
    met_count: int
    mandatory_complete: bool

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def mandatory_missing_labels(self) -> list[str]:
        return [CRITERIA_BY_KEY[key].label for key in self.mandatory_missing]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(r.criterion.key for r in self.results if not r.met)

    def by_dimension(self) -> list[tuple[str, list[CriterionResult]]]:
        """The results grouped by dimension label, in the registry's order (the page's section)."""
        groups: dict[str, list[CriterionResult]] = {}
        for result in self.results:
            groups.setdefault(result.criterion.dimension_label, []).append(result)
        return list(groups.items())


# ---------------------------------------------------------------------------
# The rule on facts: subqueries per incident.


def _evidence(**lookups):
    return Exists(Evidence.objects.filter(incident=OuterRef("pk"), **lookups))


def _systems(condition: Q | None = None):
    links = IncidentSystem.objects.filter(incident=OuterRef("pk"))
    return Exists(links.filter(condition) if condition is not None else links)


def _organisations(**lookups):
    return Exists(IncidentOrganisation.objects.filter(incident=OuterRef("pk"), **lookups))


FACT_EXPRESSIONS = {
    "has_evidence": lambda: _evidence(),
    "has_response_evidence": lambda: _evidence(source__kind=Source.Kind.RESPONSE),
    "has_harness": lambda: Exists(Claim.objects.filter(incident=OuterRef("pk"), harness_links__isnull=False)),
    "has_dev_or_deployer": lambda: _organisations(role__in=DEVELOPER_ROLES) | _systems(Q(system__developer__isnull=False)),
    "has_affected_org": lambda: _organisations(role=IncidentOrganisation.Role.AFFECTED),
    "has_model_info": lambda: _systems(~Q(system__family="") | Q(system__base_system__isnull=False)),
    "has_usage_rights": lambda: _systems(~Q(system__usage_rights="")),
}


def _not_blank(field: str) -> Q:
    return ~Q(**{field: ""})


def _not_empty(field: str) -> Q:
    return Q(**{f"{field}__len__gte": 1})


def _fact(name: str) -> Q:
    return Q(FACT_EXPRESSIONS[name]())


CRITERION_Q = {
    "title": lambda: _not_blank("title"),
    "description": lambda: _not_blank("summary"),
    "submitter": lambda: _not_blank("submitter_type"),
    "supporting_materials": lambda: _fact("has_evidence"),
    "first_occurrence_date": lambda: Q(occurred_on__isnull=False),
    "countries": lambda: _not_empty("countries"),
    "ai_relation": lambda: _not_empty("ai_relation") | _not_blank("ai_relation_note"),
    "severity": lambda: _not_blank("oecd_severity"),
    "harm_types": lambda: _not_empty("harm_types"),
    "harm_quantification": lambda: _not_blank("harm_quantification"),
    "unintended_use": lambda: Q(unintended_use__isnull=False),
    "affected_stakeholders": lambda: _not_empty("affected_stakeholders") | _fact("has_affected_org"),
    "rights_impacts": lambda: _not_blank("rights_impacts"),
    "ai_principles": lambda: _not_empty("ai_principles"),
    "industries": lambda: _not_empty("industries"),
    "business_functions": lambda: _not_empty("business_functions"),
    "critical_infrastructure": lambda: _not_empty("critical_infrastructure"),
    "deployment_breadth": lambda: _not_blank("deployment_breadth"),
    "training_data": lambda: _not_blank("training_data"),
    "usage_rights": lambda: _fact("has_usage_rights"),
    "ai_systems": lambda: Q(_systems()),
    "developers_deployers": lambda: _fact("has_dev_or_deployer"),
    "model": lambda: _fact("has_model_info"),
    "tasks": lambda: _not_empty("ai_tasks"),
    "autonomy_level": lambda: _not_blank("autonomy_level"),
    "systems_interacting": lambda: Q(systems_interacting__isnull=False),
    "actions_taken": lambda: _not_blank("actions_taken") | _fact("has_response_evidence"),
    "steps_to_reproduce": lambda: _fact("has_harness"),
    "additional_information": lambda: _not_blank("body"),
}

# The same rule in Python, on an incident's columns (as edited) and its facts.
CRITERION_MET = {
    "title": lambda i, f: bool(i.title),
    "description": lambda i, f: bool(i.summary),
    "submitter": lambda i, f: bool(i.submitter_type),
    "supporting_materials": lambda i, f: f.has_evidence,
    "first_occurrence_date": lambda i, f: i.occurred_on is not None,
    "countries": lambda i, f: bool(i.countries),
    "ai_relation": lambda i, f: bool(i.ai_relation) or bool(i.ai_relation_note),
    "severity": lambda i, f: bool(i.oecd_severity),
    "harm_types": lambda i, f: bool(i.harm_types),
    "harm_quantification": lambda i, f: bool(i.harm_quantification),
    "unintended_use": lambda i, f: i.unintended_use is not None,
    "affected_stakeholders": lambda i, f: bool(i.affected_stakeholders) or f.has_affected_org,
    "rights_impacts": lambda i, f: bool(i.rights_impacts),
    "ai_principles": lambda i, f: bool(i.ai_principles),
    "industries": lambda i, f: bool(i.industries),
    "business_functions": lambda i, f: bool(i.business_functions),
    "critical_infrastructure": lambda i, f: bool(i.critical_infrastructure),
    "deployment_breadth": lambda i, f: bool(i.deployment_breadth),
    "training_data": lambda i, f: bool(i.training_data),
    "usage_rights": lambda i, f: f.has_usage_rights,
    "ai_systems": lambda i, f: f.system_count > 0,
    "developers_deployers": lambda i, f: f.has_dev_or_deployer,
    "model": lambda i, f: f.has_model_info,
    "tasks": lambda i, f: bool(i.ai_tasks),
    "autonomy_level": lambda i, f: bool(i.autonomy_level),
    "systems_interacting": lambda i, f: i.systems_interacting is not None,
    "actions_taken": lambda i, f: bool(i.actions_taken) or f.has_response_evidence,
    "steps_to_reproduce": lambda i, f: f.has_harness,
    "additional_information": lambda i, f: bool(i.body),
}

assert set(CRITERION_Q) == set(CRITERIA_BY_KEY) == set(CRITERION_MET), "every criterion has its rule"


def criterion_met_q(key: str) -> Q:
    """Incidents that meet the criterion `key` (KeyError for an unknown key)."""
    return CRITERION_Q[CRITERIA_BY_KEY[key].key]()


def mandatory_complete_q() -> Q:
    """Incidents that meet all seven mandatory criteria."""
    condition = Q()
    for key in MANDATORY_KEYS:
        condition &= criterion_met_q(key)
    return condition


def missing_mandatory_count():
    """How many of the seven mandatory criteria an incident lacks (an annotation: the admin's queue and sort)."""
    total = Value(0, output_field=IntegerField())
    for key in MANDATORY_KEYS:
        total = total + Case(When(criterion_met_q(key), then=Value(0)), default=Value(1), output_field=IntegerField())
    return total


# ---------------------------------------------------------------------------
# Facts for one incident or a batch.


def facts_for(incident_ids) -> dict[int, Facts]:
    """The facts of each incident in `incident_ids`, in one query (lists, exports)."""
    ids = list(incident_ids)
    if not ids:
        return {}
    rows = (
        Incident.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            **{name: expression() for name, expression in FACT_EXPRESSIONS.items()},
            system_count=Coalesce(_system_count_subquery(), Value(0), output_field=IntegerField()),
        )
        .values("pk", "system_count", *FACT_EXPRESSIONS)
    )
    names = [f.name for f in fields(Facts)]
    return {row["pk"]: Facts(**{name: row[name] for name in names}) for row in rows}


def _system_count_subquery():
    return Subquery(
        IncidentSystem.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def _prefetched(incident, name):
    cache = getattr(incident, "_prefetched_objects_cache", {})
    return cache.get(name)


def facts_from_prefetches(incident) -> Facts:
    """The facts of one incident, from what its page prefetched
    (incidents.selectors.incident_page_data: system and organisation links,
    `all_evidence` with sources, the `has_harness` annotation); whatever was
    not prefetched is read in one query. An unsaved incident has none."""
    if incident.pk is None:
        return NO_FACTS
    systems = _prefetched(incident, "system_links")
    organisations = _prefetched(incident, "organisation_links")
    evidence = getattr(incident, "all_evidence", None)
    if evidence is None:
        evidence = _prefetched(incident, "evidence")
    has_harness = getattr(incident, "has_harness", None)
    if systems is None or organisations is None or evidence is None or has_harness is None:
        return facts_for([incident.pk]).get(incident.pk, NO_FACTS)
    linked = [link.system for link in systems]
    return Facts(
        has_evidence=bool(evidence),
        has_response_evidence=any(item.source.kind == Source.Kind.RESPONSE for item in evidence),
        has_harness=bool(has_harness),
        system_count=len(systems),
        has_dev_or_deployer=any(link.role in DEVELOPER_ROLES for link in organisations)
        or any(system.developer_id is not None for system in linked),
        has_affected_org=any(link.role == IncidentOrganisation.Role.AFFECTED for link in organisations),
        has_model_info=any(system.family or system.base_system_id is not None for system in linked),
        has_usage_rights=any(system.usage_rights for system in linked),
    )


def has_harness_annotation():
    """`has_harness` for a page's incident query (read by facts_from_prefetches)."""
    return FACT_EXPRESSIONS["has_harness"]()


def completeness_of(incident, facts: Facts | None = None) -> Completeness:
    """Which of the 29 criteria `incident` meets."""
    if facts is None:
        facts = facts_from_prefetches(incident)
    results = tuple(CriterionResult(c, bool(CRITERION_MET[c.key](incident, facts))) for c in CRITERIA)
    missing = tuple(r.criterion.key for r in results if r.criterion.mandatory and not r.met)
    return Completeness(
        results=results,
        mandatory_missing=missing,
        met_count=sum(r.met for r in results),
        mandatory_complete=not missing,
    )


# ---------------------------------------------------------------------------
# The publish rule's reading.

# Where each mandatory criterion is filled in: the form field an error goes
# to ("supporting_materials" is the evidence rows, not a field).
MANDATORY_FIELDS = {
    "title": "title",
    "description": "summary",
    "submitter": "submitter_type",
    "supporting_materials": "evidence",
    "ai_relation": "ai_relation",
    "severity": "oecd_severity",
    "harm_types": "harm_types",
}


def missing_message(criterion: Criterion) -> str:
    return f"{criterion.label} is required to publish (OECD mandatory criterion): fill in {criterion.fill_in}."


def missing_for_publication(incident, has_evidence: bool | None) -> list[Criterion]:
    """The mandatory criteria `incident` (as edited, perhaps unsaved) lacks;
    `has_evidence` None leaves supporting materials out (the admin's evidence
    rows are checked by their formset)."""
    facts = Facts(has_evidence=bool(has_evidence))
    return [
        criterion
        for criterion in MANDATORY
        if not (criterion.key == "supporting_materials" and has_evidence is None)
        and not CRITERION_MET[criterion.key](incident, facts)
    ]


def publish_problems(incident, has_evidence: bool | None) -> dict[str, str]:
    """`missing_for_publication` as {form field: message}."""
    return {MANDATORY_FIELDS[c.key]: missing_message(c) for c in missing_for_publication(incident, has_evidence)}


def missing_summary(criteria) -> str:
    """"Missing for publication (OECD mandatory): type of harm (fill in …), …"."""
    listed = "; ".join(f"{c.label.lower()} (fill in {c.fill_in})" for c in criteria)
    return f"Missing for publication (OECD mandatory): {listed}."


# ---------------------------------------------------------------------------
# The answers, in words (the incident page's section).


def _labels(values, choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values)


def _yes_no(value) -> str:
    return "" if value is None else ("Yes" if value else "No")


def answers(incident) -> dict[str, str]:
    """What the entry records for each criterion kept in its own columns, in
    words ("" when nothing is recorded); criteria read from relations (systems,
    organisations, evidence, harnesses) are shown by the page's other sections."""
    from . import oecd
    from .countries import COUNTRY_CHOICES

    relation = _labels(incident.ai_relation, oecd.AIRelation.choices)
    if incident.ai_relation_note:
        relation = f"{relation}. {incident.ai_relation_note}" if relation else incident.ai_relation_note
    submitter = incident.get_submitter_type_display() if incident.submitter_type else ""
    if submitter and incident.submitter_name:
        submitter = f"{submitter}: {incident.submitter_name}"
    return {
        "submitter": submitter,
        "first_occurrence_date": incident.occurred_display,
        "countries": _labels(incident.countries, COUNTRY_CHOICES),
        "ai_relation": relation,
        "severity": incident.get_oecd_severity_display() if incident.oecd_severity else "",
        "harm_types": _labels(incident.harm_types, oecd.HarmType.choices),
        "harm_quantification": incident.harm_quantification,
        "unintended_use": _yes_no(incident.unintended_use),
        "affected_stakeholders": _labels(incident.affected_stakeholders, oecd.Stakeholder.choices),
        "rights_impacts": incident.rights_impacts,
        "ai_principles": _labels(incident.ai_principles, oecd.AIPrinciple.choices),
        "industries": _labels(incident.industries, oecd.ISIC_CHOICES),
        "business_functions": _labels(incident.business_functions, oecd.BusinessFunction.choices),
        "critical_infrastructure": _labels(incident.critical_infrastructure, oecd.CriticalInfrastructure.choices),
        "deployment_breadth": incident.get_deployment_breadth_display() if incident.deployment_breadth else "",
        "training_data": incident.training_data,
        "tasks": _labels(incident.ai_tasks, oecd.AITask.choices),
        "autonomy_level": incident.get_autonomy_level_display() if incident.autonomy_level else "",
        "systems_interacting": _yes_no(incident.systems_interacting),
        "actions_taken": incident.actions_taken,
    }


@dataclass(frozen=True)
class CriterionRow:
    criterion: Criterion
    met: bool
    answer: str


def page_rows(incident, completeness: Completeness) -> list[tuple[str, list[CriterionRow]]]:
    """The section's rows: per dimension, each criterion, met or not, with its answer in words."""
    said = answers(incident)
    groups: dict[str, list[CriterionRow]] = {}
    for result in completeness.results:
        row = CriterionRow(result.criterion, result.met, said.get(result.criterion.key, ""))
        groups.setdefault(result.criterion.dimension_label, []).append(row)
    return list(groups.items())
