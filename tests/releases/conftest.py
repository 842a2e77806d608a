"""A small public record with drafts beside it, and release helpers."""

import datetime
import json
from types import SimpleNamespace

import pytest

from incidents.models import Measurement
from incidents.search import refresh_search_vectors
from releases import files
from releases.services import publish_release
from reproductions.models import ReproductionRun, Verdict
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    OrganisationFactory,
    SourceFactory,
    TaxonomyTermFactory,
)
from tests.reproductions.factories import HarnessMetricFactory, RunFactory

FIRST = datetime.date(2025, 1, 6)
SECOND = datetime.date(2025, 1, 13)
THIRD = datetime.date(2025, 1, 20)


def build_public_incident(title="Agent opened a reverse SSH tunnel", **fields):
    """A published incident with a party, a system, a taxonomy term, a claim
    with evidence from a source, and a figure."""
    incident = IncidentFactory(title=title, **fields)
    organisation = OrganisationFactory()
    IncidentOrganisationFactory(incident=incident, organisation=organisation)
    system = AISystemFactory(developer=organisation)
    IncidentSystemFactory(incident=incident, system=system)
    incident.taxonomy.add(TaxonomyTermFactory(), TaxonomyTermFactory())
    claim = ClaimFactory(incident=incident, statement="The agent mined cryptocurrency on training GPUs.")
    evidence = EvidenceFactory(incident=incident, claim=claim, source=SourceFactory(notes="Editor: check page 3."))
    MeasurementFactory(incident=incident, evidence=evidence, claim=claim, system=system)
    return incident


@pytest.fixture
def record(db):
    """One public incident, and a draft with its own organisation, system,
    source, claim, evidence and figure, which no release may hold."""
    public = build_public_incident()
    draft = IncidentFactory(title="A draft nobody may read", is_published=False)
    secret_org = OrganisationFactory(name="Only named by a draft", slug="only-draft")
    IncidentOrganisationFactory(incident=draft, organisation=secret_org)
    secret_system = AISystemFactory(name="Draft-only system", slug="draft-only-system", developer=secret_org)
    IncidentSystemFactory(incident=draft, system=secret_system)
    draft_claim = ClaimFactory(incident=draft, statement="A draft claim nobody may read.")
    draft_evidence = EvidenceFactory(incident=draft, claim=draft_claim,
                                     source=SourceFactory(title="A source quoted by a draft only"))
    MeasurementFactory(incident=draft, evidence=draft_evidence, claim=draft_claim, system=secret_system)
    refresh_search_vectors()
    return SimpleNamespace(public=public, draft=draft, secret_org=secret_org, secret_system=secret_system,
                           draft_claim=draft_claim, draft_evidence=draft_evidence)


@pytest.fixture
def pipeline_check(record):
    """A pipeline check (a run on the mock model) with its figure on the
    public incident's claim: never shown as data."""
    run = RunFactory(status="succeeded", purpose=ReproductionRun.Purpose.PIPELINE_CHECK)
    claim = record.public.claims.first()
    return MeasurementFactory(incident=record.public, claim=claim, evidence=None, reproduction_run=run, value=12.5,
                              purpose=Measurement.Purpose.PIPELINE_CHECK)


def add_reproduction(claim):
    """A reproduction run of `claim`, its figure and its verdict."""
    link = HarnessMetricFactory(claim=claim)
    run = RunFactory(harness=link.harness, status="succeeded", purpose=ReproductionRun.Purpose.REPRODUCTION)
    figure = MeasurementFactory(incident=claim.incident, claim=claim, evidence=None, reproduction_run=run,
                                metric=link.metric, value=55.0, purpose=Measurement.Purpose.REPRODUCTION)
    verdict = Verdict.objects.create(run=run, claim=claim, outcome="consistent", reason="Within tolerance.",
                                     harness_metric=link, measurement=figure)
    return SimpleNamespace(run=run, figure=figure, verdict=verdict, link=link)


@pytest.fixture
def reproduction(record):
    return add_reproduction(record.public.claims.first())


def stored_bytes(release, name):
    return files.read(release.version_name, name)


def stored_dataset(release) -> dict:
    return json.loads(stored_bytes(release, "dataset.json"))


@pytest.fixture
def published(record):
    """The first release of `record`."""
    return publish_release(FIRST)
