"""What may be reported, and in what order the dates come: each refusal
names the problem, and nothing is written (model, admin and API)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident
from reporting.models import ReportSubmission, SeriousIncidentReport
from tests.factories import (
    AISystemFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
)

from .factories import ReportSubmissionFactory, SeriousIncidentFactory, SeriousIncidentReportFactory

pytestmark = pytest.mark.django_db
UTC = datetime.timezone.utc


def errors_of(report) -> dict:
    with pytest.raises(ValidationError) as caught:
        report.full_clean()
    return caught.value.message_dict


def test_a_valid_report_passes():
    report = SeriousIncidentReportFactory()
    report.full_clean()


def test_a_hazard_is_refused_with_the_reason():
    hazard = IncidentFactory(kind=Incident.Kind.HAZARD, oecd_severity="serious-hazard", public_id="AIKB-2023-0001")
    report = SeriousIncidentReportFactory.build(incident=hazard, system=IncidentSystemFactory(incident=hazard).system)
    report.provider = report.system.developer
    message = errors_of(report)["incident"][0]
    assert message == (
        "AIKB-2023-0001 is a hazard (harm that could happen, OECD): an Article 73 report is for a serious incident "
        "that happened."
    )


def test_a_research_finding_is_refused_as_a_hazard():
    finding = IncidentFactory(kind=Incident.Kind.RESEARCH_FINDING, oecd_severity="hazard")
    report = SeriousIncidentReportFactory.build(incident=finding, system=IncidentSystemFactory(incident=finding).system)
    report.provider = report.system.developer
    assert "an OECD hazard" in errors_of(report)["incident"][0]


@pytest.mark.parametrize("level", ["", "incident"])
def test_an_incident_that_is_not_serious_is_refused(level):
    incident = SeriousIncidentFactory(oecd_severity=level)
    report = SeriousIncidentReportFactory.build(incident=incident, system=IncidentSystemFactory(incident=incident).system)
    report.provider = report.system.developer
    message = errors_of(report)["incident"][0]
    assert "mark its OECD level serious incident or disaster first" in message
    assert ("not set" if not level else "'incident'") in message


@pytest.mark.parametrize("level", ["serious-incident", "disaster"])
def test_serious_levels_are_reportable(level):
    incident = SeriousIncidentFactory(oecd_severity=level)
    report = SeriousIncidentReportFactory.build(incident=incident, system=IncidentSystemFactory(incident=incident).system)
    report.provider = report.system.developer
    report.full_clean()


def test_awareness_before_occurrence_names_both_dates():
    report = SeriousIncidentReportFactory.build(
        incident=SeriousIncidentFactory(), detected_at=None, aware_at=datetime.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    )
    report.system = IncidentSystemFactory(incident=report.incident).system
    report.provider = report.system.developer
    assert errors_of(report)["aware_at"] == [
        "Awareness (3 March 2026, 10:00 CET) is before the incident occurred (5 March 2026)."
    ]


def test_awareness_is_compared_in_the_report_time_zone():
    # 23:30 UTC on 4 March is already 5 March in Brussels: not before the occurrence there.
    incident = SeriousIncidentFactory()
    system = IncidentSystemFactory(incident=incident).system
    late_evening = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    report = SeriousIncidentReportFactory.build(incident=incident, system=system, provider=system.developer,
                                                detected_at=None, aware_at=late_evening)
    report.full_clean()
    report.time_zone = "UTC"
    assert "aware_at" in errors_of(report)


def test_month_precision_occurrence_compares_by_month():
    incident = SeriousIncidentFactory(occurred_on=datetime.date(2026, 3, 1), occurred_precision="month")
    system = IncidentSystemFactory(incident=incident).system
    report = SeriousIncidentReportFactory.build(incident=incident, system=system, provider=system.developer,
                                                detected_at=None, aware_at=datetime.datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    report.full_clean()  # 1 March 01:00 CET: in the month of occurrence
    report.aware_at = datetime.datetime(2026, 2, 27, 12, 0, tzinfo=UTC)
    assert errors_of(report)["aware_at"] == ["Awareness (27 February 2026, 13:00 CET) is before the incident occurred (March 2026)."]


def test_detection_after_awareness_is_refused():
    report = SeriousIncidentReportFactory.build(incident=SeriousIncidentFactory(),
                                                detected_at=datetime.datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    report.system = IncidentSystemFactory(incident=report.incident).system
    report.provider = report.system.developer
    message = errors_of(report)["detected_at"][0]
    assert message.startswith("Detection (11 March 2026, 10:00 CET) is after awareness (10 March 2026, 12:00 CET)")


def test_end_before_start_and_unknown_zone_are_refused():
    report = SeriousIncidentReportFactory()
    report.started_on, report.ended_on = datetime.date(2026, 3, 8), datetime.date(2026, 3, 6)
    assert errors_of(report)["ended_on"] == ["The end (6 March 2026) is before the start (8 March 2026)."]
    report.ended_on = None
    report.time_zone = "Europe/Atlantis"
    assert "Europe/Atlantis" in errors_of(report)["time_zone"][0]


def test_system_not_linked_to_the_incident_is_refused():
    report = SeriousIncidentReportFactory()
    stranger = AISystemFactory()
    report.system, report.provider = stranger, stranger.developer
    errors = errors_of(report)
    assert errors["system"] == [f"{stranger} is not linked to {report.incident.public_id}; link it on the incident first."]


def test_provider_must_be_developer_or_linked_developer_or_deployer():
    report = SeriousIncidentReportFactory()
    outsider = OrganisationFactory(name="Unrelated Ltd")
    report.provider = outsider
    assert "Unrelated Ltd is neither the developer" in errors_of(report)["provider"][0]
    # Linked as affected: still not a provider.
    IncidentOrganisationFactory(incident=report.incident, organisation=outsider, role="affected")
    assert "provider" in errors_of(report)
    # Linked as deployer (Art. 26(5)): accepted.
    IncidentOrganisationFactory(incident=report.incident, organisation=outsider, role="deployer")
    report.full_clean()


def test_cybersecurity_is_not_an_article_73_category():
    report = SeriousIncidentReportFactory(regime="ai-act-art73", category="health")
    report.category = "cybersecurity"
    assert "Code of Practice category" in errors_of(report)["category"][0]
    report.regime = "gpai-cop"
    report.full_clean()


def test_member_states_must_be_eu_codes():
    report = SeriousIncidentReportFactory()
    report.member_states = ["DE", "US"]
    assert "member_states" in errors_of(report)


def test_submission_before_awareness_is_refused_and_each_stage_once():
    report = SeriousIncidentReportFactory()
    early = ReportSubmission(report=report, stage="initial", submitted_at=datetime.datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    with pytest.raises(ValidationError) as caught:
        early.full_clean()
    assert caught.value.message_dict["submitted_at"] == [
        "Submitted (10 March 2026, 11:00 CET) before the provider became aware (10 March 2026, 12:00 CET)."
    ]
    ReportSubmissionFactory(report=report, stage="initial")
    twice = ReportSubmission(report=report, stage="initial", submitted_at=datetime.datetime(2026, 3, 21, tzinfo=UTC))
    with pytest.raises(ValidationError):
        twice.full_clean()
    ReportSubmission(report=report, stage="follow-up", submitted_at=datetime.datetime(2026, 4, 1, tzinfo=UTC)).full_clean()


def test_database_constraints_hold_without_clean():
    from django.db import IntegrityError, transaction

    report = SeriousIncidentReportFactory()
    for change in ({"member_states": ["XX"]}, {"detected_at": datetime.datetime(2026, 3, 12, tzinfo=UTC)},
                   {"regime": "ai-act-art73", "category": "cybersecurity"},
                   {"started_on": datetime.date(2026, 3, 9), "ended_on": datetime.date(2026, 3, 8)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            SeriousIncidentReport.objects.filter(pk=report.pk).update(**change)
