import datetime

import pytest

from tests.factories import (
    CausalAttributionFactory,
    EvidenceFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    SourceFactory,
)

from .factories import ReportSubmissionFactory, SeriousIncidentFactory, SeriousIncidentReportFactory

UTC = datetime.timezone.utc


@pytest.fixture
def full_report(db):
    """A Code of Practice report with evidence, a deployer, a causal
    attribution and its initial report sent two days late."""
    incident = SeriousIncidentFactory()
    system = IncidentSystemFactory(
        incident=incident, system__name="MedAssist", system__version="2.1", system__family="MedLM",
        system__developer__name="Helix Health AI",
    ).system
    report = SeriousIncidentReportFactory(
        incident=incident, system=system, provider=system.developer,
        chain_of_events="The assistant read a dosage question as a request to stop treatment.",
        affected_persons=1, affected_persons_description="One patient, hospitalised for three days.",
    )
    IncidentOrganisationFactory(incident=report.incident, organisation__name="City Clinic", role="deployer")
    EvidenceFactory(incident=report.incident, source=SourceFactory(title="Clinic incident note", url="https://example.org/note"))
    CausalAttributionFactory(incident=report.incident, explanation="The model ignored the dosage context.")
    # Health: 15 days from 10 March -> due end of 25 March (CET); sent 27 March.
    ReportSubmissionFactory(report=report, stage="initial", submitted_at=datetime.datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
                            reference="AIO-2026-17")
    return report


@pytest.fixture
def loaded(full_report):
    from reporting.documents import with_document_data
    from reporting.models import SeriousIncidentReport

    return with_document_data(SeriousIncidentReport.objects.filter(pk=full_report.pk)).get()
