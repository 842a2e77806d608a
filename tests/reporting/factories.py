"""Factories for serious-incident reports (tests/factories.py is helper a's)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from reporting.models import ReportSubmission, SeriousIncidentReport
from tests.factories import IncidentFactory, IncidentSystemFactory

BRUSSELS_NOON = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.timezone.utc)  # 12:00 CET


class SeriousIncidentFactory(IncidentFactory):
    """A published incident at the OECD level serious incident, occurred on 5 March 2026."""

    title = factory.Sequence(lambda n: f"Triage assistant advised a patient to stop medication {n}")
    summary = "A deployed assistant told a patient to stop a prescribed medication; the patient was hospitalised."
    occurred_on = datetime.date(2026, 3, 5)
    occurred_precision = "day"
    reported_on = datetime.date(2026, 3, 12)
    oecd_severity = "serious-incident"
    harm_types = factory.LazyFunction(lambda: ["physical"])
    affected_stakeholders = factory.LazyFunction(lambda: ["consumers"])
    countries = factory.LazyFunction(lambda: ["DE", "US"])
    actions_taken = "The deployer withdrew the medication advice feature."


class SeriousIncidentReportFactory(DjangoModelFactory):
    """A Code of Practice report on a serious incident, by the developer of
    a system linked to it; the provider became aware at noon on 10 March 2026 (Brussels)."""

    class Meta:
        model = SeriousIncidentReport

    incident = factory.SubFactory(SeriousIncidentFactory)
    system = factory.LazyAttribute(lambda o: IncidentSystemFactory(incident=o.incident).system)
    provider = factory.LazyAttribute(lambda o: o.system.developer)
    regime = SeriousIncidentReport.Regime.GPAI_COP
    category = SeriousIncidentReport.Category.HEALTH
    detected_at = datetime.datetime(2026, 3, 9, 8, 0, tzinfo=datetime.timezone.utc)
    aware_at = BRUSSELS_NOON
    time_zone = "Europe/Brussels"
    member_states = factory.LazyFunction(lambda: ["DE"])


class ReportSubmissionFactory(DjangoModelFactory):
    class Meta:
        model = ReportSubmission

    report = factory.SubFactory(SeriousIncidentReportFactory)
    stage = "initial"
    submitted_at = datetime.datetime(2026, 3, 20, 9, 0, tzinfo=datetime.timezone.utc)
