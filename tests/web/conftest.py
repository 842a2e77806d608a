"""Data for the web page tests, built with the shared factories."""



import pytest

from incidents.models import ClaimStatusChange, IncidentRelation, Metric, TaxonomyTerm
from incidents.search import refresh_search_vectors
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    MetricFactory,
    OrganisationFactory,
    SourceFactory,
    TaxonomyTermFactory,
)


def make_verdict(claim, outcome="consistent"):
    """A reproduction verdict on `claim` (with the harness and run it needs)."""
    from reproductions.models import Harness, ReproductionRun, Verdict

    harness = Harness.objects.create(name=f"Harness for claim {claim.pk}", slug=f"harness-{claim.pk}")
    run = ReproductionRun.objects.create(harness=harness, status="succeeded")
    return Verdict.objects.create(run=run, claim=claim, outcome=outcome, reason="Within tolerance of the published rate.")


def build_rich_incident(index=0, **overrides):
    """One published incident with everything its page shows: parties,
    taxonomy, claims with evidence, a chart's measurements, a related
    incident and a status change. Returns the incident."""
    org = OrganisationFactory()
    incident = IncidentFactory(**overrides)
    IncidentOrganisationFactory(incident=incident, organisation=org)
    system = AISystemFactory(developer=org)
    IncidentSystemFactory(incident=incident, system=system)
    term = TaxonomyTermFactory()
    incident.taxonomy.add(term, TaxonomyTermFactory(scheme=TaxonomyTerm.Scheme.MIT_DOMAIN))
    # One metric for all of them, so that its page lists several incidents'
    # measurements (a query per row would show in the query budgets).
    metric = Metric.objects.filter(slug="rich-incidents-metric").first() or MetricFactory(slug="rich-incidents-metric")
    for n in range(2):
        claim = ClaimFactory(incident=incident, position=n)
        evidence = EvidenceFactory(incident=incident, claim=claim, source=SourceFactory())
        MeasurementFactory(
            metric=metric, system=system, incident=incident, evidence=evidence, claim=claim, value=70.0 + n, lower=60.0,
            upper=80.0 + n,
        )
        ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="supported", reason="Checked.")
    EvidenceFactory(incident=incident, claim=None, stance="context")
    other = IncidentFactory()
    IncidentRelation.objects.create(from_incident=incident, to_incident=other, relation_type="related")
    return incident


@pytest.fixture
def rich_incident(db):
    incident = build_rich_incident()
    refresh_search_vectors()
    return incident


@pytest.fixture
def many_rich_incidents(db):
    def build(count):
        incidents = [build_rich_incident(i) for i in range(count)]
        refresh_search_vectors()
        return incidents

    return build



