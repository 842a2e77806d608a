"""How a figure reads: a rate published with its sample size but no
interval shows its 95% Wilson interval, said to be computed; a date keeps
its precision; the same on the page, in the API and in the briefing."""

import datetime

import pytest
from rest_framework.test import APIClient

from briefings.selectors import incident_briefing_context, published_incident
from incidents.figures import as_of_display, interval_of
from incidents.models import Measurement, Metric
from tests.factories import MeasurementFactory, MetricFactory

pytestmark = pytest.mark.django_db


def test_a_rate_with_its_sample_size_gets_its_wilson_interval():
    figure = Measurement(value=96.0, sample_size=100, metric=Metric(unit=Metric.Unit.PERCENT))
    interval = interval_of(figure)
    # Wilson(96, 100) by hand: 90.16 to 98.43.
    assert (round(interval.lower, 2), round(interval.upper, 2), interval.kind) == (90.16, 98.43, "wilson")


def test_a_given_interval_is_kept_and_a_count_gets_none():
    given = Measurement(value=96.0, lower=91.0, upper=99.0, sample_size=100, metric=Metric(unit=Metric.Unit.PERCENT))
    assert (interval_of(given).lower, interval_of(given).kind) == (91.0, "given")
    count = Measurement(value=13000, sample_size=10, metric=Metric(unit=Metric.Unit.COUNT))
    assert interval_of(count) is None
    no_n = Measurement(value=20.0, sample_size=None, metric=Metric(unit=Metric.Unit.PERCENT))
    assert interval_of(no_n) is None


@pytest.mark.parametrize(
    ("precision", "shown"), [("year", "2026"), ("month", "January 2026"), ("day", "1 January 2026")]
)
def test_a_date_prints_at_its_precision(precision, shown):
    assert as_of_display(Measurement(as_of=datetime.date(2026, 1, 1), as_of_precision=precision)) == shown


def test_page_api_and_briefing_show_the_same_wilson_interval(client):
    figure = MeasurementFactory(metric=MetricFactory(unit=Metric.Unit.PERCENT), value=96.0, sample_size=100,
                                lower=None, upper=None, as_of=datetime.date(2025, 1, 1), as_of_precision="year")
    page = client.get(figure.metric.get_absolute_url()).content.decode()
    assert "90.2%–98.4% (Wilson, from n)" in page and "<td>2025</td>" in page
    api = APIClient().get(f"/api/v1/measurements/{figure.pk}/").json()
    assert api["interval"]["kind"] == "wilson" and round(api["interval"]["lower"], 2) == 90.16
    assert api["as_of_precision"] == "year"
    incident = figure.incident
    incident.is_published = True
    incident.save()
    rows = incident_briefing_context(published_incident(incident.public_id))["metric_panels"][0]["rows"]
    # The same words as the page: one formatting module for both.
    assert rows[0]["interval"] == "90.2%–98.4% (Wilson, from n)" and rows[0]["as_of_display"] == "2025"
