"""OECD completeness is one rule read two ways: in Python over an entry and its
facts, and as a condition on incidents. They agree on every criterion, and
reading the facts of a batch costs one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.completeness import (
    completeness_of,
    criterion_met_q,
    facts_for,
    facts_from_prefetches,
    has_harness_annotation,
    mandatory_complete_q,
    missing_mandatory_count,
    publish_problems,
)
from incidents.models import Incident, IncidentOrganisation, Source
from incidents.oecd import CRITERIA, MANDATORY_KEYS
from incidents.selectors import incident_page_data
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
    SourceFactory,
)
from tests.reproductions.factories import HarnessMetricFactory

pytestmark = pytest.mark.django_db

ALL_COLUMNS = dict(
    submitter_type="editor",
    countries=["US"],
    ai_relation=["use"],
    oecd_severity="incident",
    harm_types=["psychological"],
    harm_quantification="One person.",
    unintended_use=False,
    affected_stakeholders=["consumers"],
    rights_impacts="Privacy.",
    ai_principles=["safety"],
    industries=["J"],
    business_functions=["citizen-customer-service"],
    critical_infrastructure=["none"],
    deployment_breadth="broad",
    training_data="Web text.",
    ai_tasks=["content-generation"],
    autonomy_level="human-in-the-loop",
    systems_interacting=False,
    actions_taken="The model was withdrawn.",
)


def bare(**columns):
    """An entry that meets no criterion, but those given."""
    return IncidentFactory(title="", summary="", body="", occurred_on=None, **columns)


def full():
    incident = IncidentFactory(**ALL_COLUMNS)
    system = AISystemFactory(usage_rights="open-weights")
    IncidentSystemFactory(incident=incident, system=system)
    IncidentOrganisationFactory(incident=incident, role=IncidentOrganisation.Role.AFFECTED)
    claim = ClaimFactory(incident=incident)
    EvidenceFactory(incident=incident, claim=claim)
    HarnessMetricFactory(claim=claim)
    return incident


@pytest.fixture
def incidents():
    """Entries that meet each criterion, or not, by every branch of its rule."""
    made = [full(), bare()]
    # One branch of each "or" at a time.
    made.append(bare(ai_relation_note="It followed a user's instruction."))
    with_affected = bare()
    IncidentOrganisationFactory(incident=with_affected, role=IncidentOrganisation.Role.AFFECTED)
    made.append(with_affected)
    with_deployer = bare()
    IncidentOrganisationFactory(incident=with_deployer, role=IncidentOrganisation.Role.DEPLOYER)
    made.append(with_deployer)
    researcher_only = bare()
    IncidentOrganisationFactory(incident=researcher_only, role=IncidentOrganisation.Role.RESEARCHER)
    made.append(researcher_only)
    # A system with nothing but a developer; one with a base system only; one with nothing.
    system_developer = bare()
    IncidentSystemFactory(incident=system_developer, system=AISystemFactory(family=""))
    made.append(system_developer)
    base_only = bare()
    IncidentSystemFactory(
        incident=base_only, system=AISystemFactory(family="", developer=None, base_system=AISystemFactory())
    )
    made.append(base_only)
    plain_system = bare()
    IncidentSystemFactory(incident=plain_system, system=AISystemFactory(family="", developer=None))
    made.append(plain_system)
    # Actions shown only by a right-of-reply quote; evidence that is not a response.
    response = bare()
    EvidenceFactory(incident=response, source=SourceFactory(kind=Source.Kind.RESPONSE, responding_organisation=OrganisationFactory()))
    made.append(response)
    article = bare()
    EvidenceFactory(incident=article, source=SourceFactory(kind=Source.Kind.ARTICLE))
    made.append(article)
    # A claim without a harness.
    claimed = bare()
    ClaimFactory(incident=claimed)
    made.append(claimed)
    # Unknown (None) is not an answer; False is.
    made.append(bare(unintended_use=True, systems_interacting=True))
    return made


def test_python_rule_and_query_agree_on_every_criterion(incidents):
    facts = facts_for([i.pk for i in incidents])
    ids = [i.pk for i in incidents]
    for criterion in CRITERIA:
        by_query = set(Incident.objects.filter(pk__in=ids).filter(criterion_met_q(criterion.key)).values_list("pk", flat=True))
        by_python = {i.pk for i in incidents if completeness_of(i, facts[i.pk]).results[CRITERIA.index(criterion)].met}
        assert by_query == by_python, criterion.key
        # Each criterion is met by some entry and missed by another, so the comparison shows something.
        assert incidents[0].pk in by_query and incidents[1].pk not in by_query, criterion.key


def test_full_entry_meets_all_and_bare_entry_none(incidents):
    facts = facts_for([incidents[0].pk, incidents[1].pk])
    complete = completeness_of(incidents[0], facts[incidents[0].pk])
    empty = completeness_of(incidents[1], facts[incidents[1].pk])
    assert complete.met_count == 29 and complete.mandatory_complete and complete.mandatory_missing == ()
    assert empty.met_count == 0 and not empty.mandatory_complete
    assert empty.mandatory_missing == MANDATORY_KEYS


def test_branches(incidents):
    facts = facts_for([i.pk for i in incidents])

    def met(incident, key):
        return key not in completeness_of(incident, facts[incident.pk]).missing

    _, _, note, affected, deployer, researcher, system_dev, base_only, plain, response, article, claimed, unknown = incidents
    assert met(note, "ai_relation")
    assert met(affected, "affected_stakeholders") and not met(affected, "developers_deployers")
    assert met(deployer, "developers_deployers") and not met(deployer, "affected_stakeholders")
    assert not met(researcher, "developers_deployers") and not met(researcher, "affected_stakeholders")
    assert met(system_dev, "developers_deployers") and not met(system_dev, "model") and met(system_dev, "ai_systems")
    assert met(base_only, "model") and not met(base_only, "developers_deployers")
    assert met(plain, "ai_systems") and not met(plain, "model") and not met(plain, "usage_rights")
    assert met(response, "actions_taken") and met(response, "supporting_materials")
    assert not met(article, "actions_taken") and met(article, "supporting_materials")
    assert not met(claimed, "steps_to_reproduce")
    assert met(unknown, "unintended_use") and met(unknown, "systems_interacting")
    assert not met(incidents[1], "unintended_use")


def test_mandatory_complete_q_and_missing_count(incidents):
    complete_ids = set(Incident.objects.filter(mandatory_complete_q()).values_list("pk", flat=True))
    assert complete_ids == {incidents[0].pk}
    counts = dict(Incident.objects.annotate(n=missing_mandatory_count()).values_list("pk", "n"))
    assert counts[incidents[0].pk] == 0
    assert counts[incidents[1].pk] == 7
    # An article quote gives supporting materials, and nothing else of the seven.
    assert counts[incidents[10].pk] == 6


def test_facts_for_costs_one_query(incidents):
    with CaptureQueriesContext(connection) as queries:
        facts = facts_for([i.pk for i in incidents])
    assert len(queries) == 1
    assert len(facts) == len(incidents)
    assert facts[incidents[0].pk].system_count == 1 and facts[incidents[1].pk].system_count == 0
    assert facts_for([]) == {}


def test_page_reads_facts_from_its_prefetches(incidents):
    incident = incidents[0]
    page = incident_page_data(incident.public_id)
    assert hasattr(page, "has_harness")
    with CaptureQueriesContext(connection) as queries:
        facts = facts_from_prefetches(page)
    assert len(queries) == 0
    assert facts == facts_for([incident.pk])[incident.pk]
    # Without prefetches the same facts come from one query.
    plain = Incident.objects.annotate(has_harness=has_harness_annotation()).get(pk=incident.pk)
    assert facts_from_prefetches(plain) == facts


def test_publish_problems_name_the_fields():
    incident = Incident(kind="incident", title="A title", summary="A summary")
    assert set(publish_problems(incident, has_evidence=None)) == {"submitter_type", "ai_relation", "oecd_severity",
                                                                   "harm_types"}
    assert "evidence" in publish_problems(incident, has_evidence=False)
    assert "evidence" not in publish_problems(incident, has_evidence=True)
    incident.submitter_type, incident.ai_relation, incident.oecd_severity = "editor", ["use"], "incident"
    incident.harm_types = ["physical"]
    assert publish_problems(incident, has_evidence=True) == {}
    assert "Type of harm" in publish_problems(Incident(kind="incident"), has_evidence=True)["harm_types"]


# What each curated entry meets (fixtures/curated.yaml fills only what its sources state).
CURATED = {
    "AIKB-2022-0001": (8, ("ai_relation", "harm_types")),
    "AIKB-2023-0001": (6, ("ai_relation", "harm_types")),
    "AIKB-2024-0001": (10, ("harm_types",)),
    "AIKB-2025-0001": (11, ("harm_types",)),
    "AIKB-2025-0002": (8, ("harm_types",)),
    "AIKB-2025-0003": (11, ("harm_types",)),
    "AIKB-2025-0004": (11, ("harm_types",)),
    "AIKB-2025-0005": (15, ()),
    "AIKB-2026-0001": (6, ("ai_relation", "harm_types")),
}


def test_curated_entries_completeness():
    from incidents.curated import load_curated

    load_curated(verbosity=0)
    incidents = list(Incident.objects.order_by("public_id"))
    facts = facts_for([i.pk for i in incidents])
    table = {}
    for incident in incidents:
        result = completeness_of(incident, facts[incident.pk])
        table[incident.public_id] = (result.met_count, result.mandatory_missing)
        assert incident.is_published  # loaded although most lack a mandatory criterion
    assert table == CURATED
    # The query reading agrees with the table.
    complete = set(Incident.objects.filter(mandatory_complete_q()).values_list("public_id", flat=True))
    assert complete == {public_id for public_id, (_, missing) in CURATED.items() if not missing}
