import datetime

import pytest

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_new_incidents_get_sequential_ids_for_their_report_year():
    first = IncidentFactory(reported_on=datetime.date(2024, 3, 2))
    second = IncidentFactory(reported_on=datetime.date(2024, 7, 9))
    other_year = IncidentFactory(reported_on=datetime.date(2025, 1, 5))
    assert first.public_id == "AIKB-2024-0001"
    assert second.public_id == "AIKB-2024-0002"
    assert other_year.public_id == "AIKB-2025-0001"


def test_ids_given_by_fixtures_are_skipped_not_reused():
    fixed = IncidentFactory.build(reported_on=datetime.date(2024, 3, 2))
    fixed.public_id = "AIKB-2024-0001"
    fixed.save()
    new = IncidentFactory(reported_on=datetime.date(2024, 5, 1))
    assert new.public_id == "AIKB-2024-0002"


def test_deleted_incident_id_is_never_handed_out_again():
    gone = IncidentFactory(reported_on=datetime.date(2024, 3, 2))
    gone_id = gone.public_id
    gone.delete()
    new = IncidentFactory(reported_on=datetime.date(2024, 3, 3))
    assert new.public_id != gone_id
    assert not Incident.objects.filter(public_id=gone_id).exists()
