"""CSV cells and spreadsheet formulas: the API's lists and the insights
charts write cells by one rule (incidents.text.for_csv), under which a
number is written as it is, never turned into text by an apostrophe."""

import csv
import io

import pytest

from tests.factories import IncidentFactory, MeasurementFactory, MetricFactory

pytestmark = pytest.mark.django_db


def test_a_negative_number_is_written_as_a_number(client):
    MeasurementFactory(metric=MetricFactory(unit="count"), value=-3.5, evidence__incident=IncidentFactory())
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/measurements/?format=csv").content.decode())))
    row = dict(zip(*rows[:2]))
    assert row["value"] == "-3.5"


def test_a_text_that_starts_like_a_number_but_is_a_formula_is_written_as_text(client):
    IncidentFactory(summary="-1+cmd|' /C calc'!A0")
    row = dict(zip(*list(csv.reader(io.StringIO(client.get("/api/v1/incidents/?format=csv").content.decode())))[:2]))
    assert row["summary"] == "'-1+cmd|' /C calc'!A0"
