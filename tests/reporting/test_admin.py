"""The admin: the list with each report's initial deadline, the page with
its timeline, and the same refusals as the API, as form errors."""

import pytest

from incidents.models import Incident
from reporting.models import SeriousIncidentReport
from tests.factories import IncidentFactory, IncidentSystemFactory

pytestmark = pytest.mark.django_db
ADD = "/admin/reporting/seriousincidentreport/add/"


def form_for(incident, **overrides):
    system = IncidentSystemFactory(incident=incident).system
    data = {
        "incident": incident.pk, "regime": "ai-act-art73", "provider": system.developer.pk, "system": system.pk,
        "category": "death", "stage": "initial", "time_zone": "Europe/Brussels",
        "aware_at_0": "2026-03-10", "aware_at_1": "12:00:00", "member_states": "DE",
        "submissions-TOTAL_FORMS": "0", "submissions-INITIAL_FORMS": "0",
        "submissions-MIN_NUM_FORMS": "0", "submissions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_list_and_page_show_the_deadlines(admin_client, full_report):
    listing = admin_client.get("/admin/reporting/seriousincidentreport/")
    assert listing.status_code == 200
    assert "overdue" in listing.content.decode()
    page = admin_client.get(f"/admin/reporting/seriousincidentreport/{full_report.pk}/change/")
    assert page.status_code == 200
    assert "Intermediate report 1" in page.content.decode()


def test_admin_refuses_a_hazard_with_the_message(admin_client):
    hazard = IncidentFactory(kind=Incident.Kind.HAZARD, oecd_severity="hazard")
    response = admin_client.post(ADD, form_for(hazard))
    assert response.status_code == 200
    assert "an Article 73 report is for a serious incident that happened" in response.content.decode()
    assert not SeriousIncidentReport.objects.exists()


def test_admin_adds_a_report_on_a_serious_incident(admin_client):
    from .factories import SeriousIncidentFactory

    response = admin_client.post(ADD, form_for(SeriousIncidentFactory()))
    assert response.status_code == 302, response.content.decode()[:3000]
    report = SeriousIncidentReport.objects.get()
    assert report.aware_at.isoformat() == "2026-03-10T12:00:00+00:00"  # the admin enters UTC (TIME_ZONE)
