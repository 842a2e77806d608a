"""The admin pages an editor uses run under the site's Content-Security-
Policy without a single violation (checked in Chromium): the history page
of an object with two revisions had an inline style the policy blocked."""

import pytest
from django.contrib.auth import get_user_model

from editorial.models import Submission
from editorial.roles import give_role
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, MeasurementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long editor password"


def test_an_editors_admin_pages_break_no_policy(browser, live_server):
    editor = get_user_model().objects.create_user(username="editor", password=PASSWORD)
    give_role(editor, "editor")
    incident = IncidentFactory(title="First title")
    incident.title = "Second title"
    incident.save()  # two revisions
    claim = ClaimFactory(incident=incident)
    evidence = EvidenceFactory(incident=incident, claim=claim)
    measurement = MeasurementFactory(incident=incident, evidence=evidence, claim=claim)
    Submission.objects.create(kind="new-incident", title="A case", url="https://example.org/x", description="d")
    pages = [
        "/admin/",
        "/admin/incidents/incident/",
        f"/admin/incidents/incident/{incident.pk}/change/",
        f"/admin/incidents/incident/{incident.pk}/history/",
        "/admin/incidents/incident/add/",
        f"/admin/incidents/claim/{claim.pk}/change/",
        f"/admin/incidents/claim/{claim.pk}/history/",
        "/admin/incidents/evidence/add/",
        f"/admin/incidents/measurement/{measurement.pk}/change/",
        "/admin/incidents/source/",
        "/admin/editorial/submission/",
    ]
    page = browser.new_page()
    violations = []
    page.on("console", lambda message: violations.append((page.url, message.text))
            if "Content Security Policy" in message.text else None)
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        for path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
    finally:
        page.close()
    assert violations == []
