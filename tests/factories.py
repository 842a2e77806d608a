"""factory_boy factories for the incident domain, shared by every suite."""

import datetime

import factory
from factory.django import DjangoModelFactory

from incidents.models import (
    AISystem,
    CausalAttribution,
    Claim,
    Evidence,
    ExternalIdentifier,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Measurement,
    Metric,
    Organisation,
    Source,
    TaxonomyTerm,
)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = Organisation.Kind.LAB


class AISystemFactory(DjangoModelFactory):
    class Meta:
        model = AISystem

    name = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")
    developer = factory.SubFactory(OrganisationFactory)
    family = "Test family"


class TaxonomyTermFactory(DjangoModelFactory):
    class Meta:
        model = TaxonomyTerm

    scheme = TaxonomyTerm.Scheme.BEHAVIOUR
    name = factory.Sequence(lambda n: f"Behaviour {n}")
    slug = factory.Sequence(lambda n: f"behaviour-{n}")


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Agent opened an unexpected tunnel {n}")
    slug = factory.Sequence(lambda n: f"incident-{n}")
    kind = Incident.Kind.INCIDENT
    summary = "An agent acted outside its instructions during training."
    body = "It opened a reverse SSH tunnel and mined cryptocurrency."
    occurred_on = datetime.date(2025, 6, 1)
    occurred_precision = "month"
    reported_on = datetime.date(2025, 12, 30)
    reported_precision = "day"
    status = Incident.Status.REPORTED
    severity = Incident.Severity.SIGNIFICANT
    setting = Incident.Setting.TRAINING
    is_published = True


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    kind = Source.Kind.PAPER
    title = factory.Sequence(lambda n: f"A study of agent behaviour, part {n}")
    url = factory.Sequence(lambda n: f"https://example.org/papers/{n}")
    publisher = "arXiv"
    authors = factory.LazyFunction(lambda: ["A. Researcher", "B. Scientist"])
    published_on = datetime.date(2025, 12, 30)
    reliability = Source.Reliability.PRIMARY


class ClaimFactory(DjangoModelFactory):
    class Meta:
        model = Claim

    incident = factory.SubFactory(IncidentFactory)
    statement = factory.Sequence(lambda n: f"The agent did something notable ({n}).")
    status = Claim.Status.SUPPORTED


class EvidenceFactory(DjangoModelFactory):
    class Meta:
        model = Evidence

    incident = factory.SubFactory(IncidentFactory)
    source = factory.SubFactory(SourceFactory)
    quote = "we observed the unauthorized repurposing of provisioned GPU capacity"
    locator_type = Evidence.LocatorType.SECTION
    locator = "3.1"


class MetricFactory(DjangoModelFactory):
    class Meta:
        model = Metric

    name = factory.Sequence(lambda n: f"Blackmail rate {n}")
    slug = factory.Sequence(lambda n: f"blackmail-rate-{n}")
    unit = Metric.Unit.PERCENT
    higher_is = Metric.Direction.WORSE


class MeasurementFactory(DjangoModelFactory):
    class Meta:
        model = Measurement

    metric = factory.SubFactory(MetricFactory)
    incident = factory.SelfAttribute("evidence.incident")
    evidence = factory.SubFactory(EvidenceFactory)
    system = factory.SubFactory(AISystemFactory)
    value = 79.0
    sample_size = 100
    as_of = datetime.date(2025, 6, 20)


class IncidentOrganisationFactory(DjangoModelFactory):
    class Meta:
        model = IncidentOrganisation

    incident = factory.SubFactory(IncidentFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = IncidentOrganisation.Role.DEVELOPER


class IncidentSystemFactory(DjangoModelFactory):
    class Meta:
        model = IncidentSystem

    incident = factory.SubFactory(IncidentFactory)
    system = factory.SubFactory(AISystemFactory)
    role = IncidentSystem.Role.ACTOR


class ExternalIdentifierFactory(DjangoModelFactory):
    class Meta:
        model = ExternalIdentifier

    incident = factory.SubFactory(IncidentFactory)
    scheme = ExternalIdentifier.Scheme.AIID
    identifier = factory.Sequence(lambda n: str(1000 + n))
    origin = ExternalIdentifier.Origin.EDITOR


class CausalAttributionFactory(DjangoModelFactory):
    """Speculative by default (it needs no evidence); pass `evidence=[...]`
    with grounding evidenced."""

    class Meta:
        model = CausalAttribution

    incident = factory.SubFactory(IncidentFactory)
    factor = CausalAttribution.Factor.MODEL_BEHAVIOUR
    grounding = CausalAttribution.Grounding.SPECULATIVE
    explanation = "The model chose the action itself; no instruction asked for it."

    @factory.post_generation
    def evidence(self, create, extracted, **kwargs):
        if create and extracted:
            self.evidence.set(extracted)
