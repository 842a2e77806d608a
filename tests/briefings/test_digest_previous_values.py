"""A digest's metric changes give the previous value of the same metric and
system: only a value the public sees, never a draft's or a merged entry's
figure (incidents.visibility.published_measurements)."""

import datetime

import pytest

from briefings.digests import DigestFilter
from briefings.selectors import digest_content
from incidents.models import Measurement
from tests.factories import IncidentFactory, MeasurementFactory

from .conftest import BEFORE, END, START, at


def period():
    return [datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.timezone.utc) for day in (START, END)]


@pytest.mark.parametrize("hidden", [{"is_published": False}, "merged"])
def test_a_hidden_incidents_earlier_figure_is_never_the_previous_value(digest_data, hidden):
    fresh = Measurement.objects.get(incident=digest_data["new"], value=96.0)
    fields = {"merged_into": digest_data["updated"]} if hidden == "merged" else hidden
    # Later than the public 79% and of the same metric and system: the previous value if it were counted.
    figure = MeasurementFactory(metric=fresh.metric, system=fresh.system, evidence__incident=IncidentFactory(**fields),
                                value=12.0, as_of=datetime.date(2026, 1, 1))
    at(Measurement, figure, created=BEFORE)
    [change] = digest_content(*period(), DigestFilter())["metric_changes"]
    assert change["measurement"] == fresh
    assert change["previous"] == "79%" and change["value"] == "96%"
