"""Impossible data is refused by the model (clear message) and by the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.models import Evidence, Incident, Measurement
from tests.factories import EvidenceFactory, IncidentFactory, MeasurementFactory, MetricFactory

pytestmark = pytest.mark.django_db


def test_measurement_bounds_must_contain_value():
    measurement = MeasurementFactory.build(value=79.0, lower=80.0, upper=96.0)
    measurement.metric.save()
    evidence = EvidenceFactory()
    measurement.evidence = evidence
    measurement.incident = evidence.incident
    with pytest.raises(ValidationError) as info:
        measurement.full_clean()
    assert "lower bound (80.0) is above the value (79.0)" in str(info.value)


def test_database_refuses_bounds_that_exclude_value():
    measurement = MeasurementFactory()
    measurement.upper = measurement.value - 1
    with pytest.raises(IntegrityError, match="measurement_upper_ge_value"), transaction.atomic():
        measurement.save()


def test_measurement_needs_exactly_one_provenance():
    measurement = MeasurementFactory()
    measurement.evidence = None
    with pytest.raises(ValidationError, match="exactly one provenance"):
        measurement.full_clean()
    with pytest.raises(IntegrityError, match="measurement_has_one_provenance"), transaction.atomic():
        measurement.save()


def test_percentage_outside_0_100_is_refused():
    measurement = MeasurementFactory(metric=MetricFactory(unit="percent"))
    measurement.value = 140
    with pytest.raises(ValidationError, match="between 0 and 100"):
        measurement.full_clean()


def test_month_precision_with_a_day_is_refused():
    incident = IncidentFactory.build(occurred_on=datetime.date(2025, 6, 17), occurred_precision="month")
    with pytest.raises(ValidationError) as info:
        incident.full_clean(exclude=["public_id"])
    assert "first day of the month" in str(info.value.message_dict["occurred_on"])


def test_database_refuses_year_precision_that_is_not_january_first():
    with pytest.raises(IntegrityError, match="incident_reported_precision"), transaction.atomic():
        IncidentFactory(reported_on=datetime.date(2025, 3, 1), reported_precision="year")


def test_reported_before_occurred_is_refused():
    incident = IncidentFactory.build(
        occurred_on=datetime.date(2025, 6, 1), reported_on=datetime.date(2025, 5, 1), reported_precision="day"
    )
    with pytest.raises(ValidationError, match="reported before it happened"):
        incident.full_clean(exclude=["public_id"])


def test_duplicate_public_id_is_refused():
    first = IncidentFactory()
    second = IncidentFactory.build()
    second.public_id = first.public_id
    with pytest.raises(ValidationError, match="already exists"):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_public_id_cannot_be_changed():
    incident = IncidentFactory()
    incident.public_id = "AIKB-2025-9999"
    with pytest.raises(ValidationError, match="permanent"):
        incident.save()
    assert Incident.objects.filter(public_id="AIKB-2025-9999").count() == 0


def test_evidence_quote_without_locator_is_refused():
    evidence = EvidenceFactory.build(locator="")
    evidence.incident = IncidentFactory()
    evidence.source.save()
    evidence.source_id = evidence.source.pk
    with pytest.raises(ValidationError) as info:
        evidence.full_clean()
    assert "needs a locator" in " ".join(info.value.message_dict["locator"])
    with pytest.raises(IntegrityError, match="evidence_locator_not_empty"), transaction.atomic():
        evidence.save()


def test_timestamp_locator_must_look_like_a_timestamp():
    evidence = EvidenceFactory(locator_type=Evidence.LocatorType.TIMESTAMP, locator="00:04:04")
    evidence.locator = "four minutes in"
    with pytest.raises(ValidationError, match="HH:MM:SS"):
        evidence.full_clean()
    with pytest.raises(IntegrityError, match="evidence_timestamp_format"), transaction.atomic():
        evidence.save()


def test_sample_size_must_be_positive():
    measurement = MeasurementFactory()
    Measurement.objects.filter(pk=measurement.pk)
    measurement.sample_size = 0
    with pytest.raises(IntegrityError, match="measurement_sample_size_positive"), transaction.atomic():
        measurement.save()
