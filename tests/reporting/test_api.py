"""/api/v1/serious-incident-reports/: reads follow the incident's
visibility; writes need the reporting permissions, and a report of a public
incident is an editor's; refused writes are 400s that leave nothing."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.test import APIClient

from api.tokens import issue_token
from briefings.models import Briefing
from incidents.models import Incident
from reporting.models import ReportSubmission, SeriousIncidentReport
from tests.factories import IncidentFactory, IncidentSystemFactory

from .factories import ReportSubmissionFactory, SeriousIncidentFactory, SeriousIncidentReportFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/serious-incident-reports/"
REPORT_PERMS = [("reporting", "add_seriousincidentreport"), ("reporting", "change_seriousincidentreport"),
                ("reporting", "add_reportsubmission")]


@pytest.fixture(autouse=True)
def no_throttle(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "token": "10000/minute", "journalist": "10000/minute"},
    }
    yield
    cache.clear()


def client_with(django_user_model, name, perms):
    user = django_user_model.objects.create_user(username=name)
    for app, codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app))
    _, plain = issue_token(user, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@pytest.fixture
def editor(django_user_model):
    return client_with(django_user_model, "editor", REPORT_PERMS + [("incidents", "publish_incident"),
                                                                     ("incidents", "change_incident")])


@pytest.fixture
def contributor(django_user_model):
    return client_with(django_user_model, "contributor", REPORT_PERMS)


@pytest.fixture
def anonymous():
    return APIClient()


def body_for(incident, **overrides):
    system = IncidentSystemFactory(incident=incident).system
    body = {
        "incident": incident.public_id, "provider": system.developer.slug, "system": system.slug,
        "regime": "ai-act-art73", "category": "death", "aware_at": "2026-03-10T11:00:00Z",
        "member_states": ["FR"],
    }
    body.update(overrides)
    return body


def test_anonymous_reads_reports_of_public_incidents_only(anonymous, full_report):
    hidden = SeriousIncidentReportFactory()
    Incident.objects.filter(pk=hidden.incident_id).update(is_published=False)
    listing = anonymous.get(LIST)
    assert listing.status_code == 200
    ids = [item["id"] for item in listing.json()["results"]]
    assert ids == [full_report.pk]
    item = anonymous.get(f"{LIST}{full_report.pk}/").json()
    assert item["incident"] == full_report.incident.public_id
    assert item["provider"] == full_report.provider.slug
    assert [c["key"] for c in item["clocks"]][0] == "initial"
    assert item["clocks"][0]["status"] == "overdue"
    assert item["submissions"][0]["reference"] == "AIO-2026-17"
    assert item["page_url"].endswith(f"/serious-incident-reports/{full_report.pk}/")
    assert anonymous.get(f"{LIST}{hidden.pk}/").status_code == 404
    assert anonymous.get(f"{LIST}{hidden.pk}/article73/").status_code == 404


def test_editor_reads_drafts(editor):
    hidden = SeriousIncidentReportFactory()
    Incident.objects.filter(pk=hidden.incident_id).update(is_published=False)
    assert editor.get(f"{LIST}{hidden.pk}/").status_code == 200


def test_filters_and_unknown_parameters(anonymous, full_report):
    other = SeriousIncidentReportFactory(regime="ai-act-art73", category="death")
    by_incident = anonymous.get(LIST, {"incident": other.incident.public_id}).json()["results"]
    assert [r["id"] for r in by_incident] == [other.pk]
    assert [r["id"] for r in anonymous.get(LIST, {"regime": "gpai-cop"}).json()["results"]] == [full_report.pk]
    assert [r["id"] for r in anonymous.get(LIST, {"stage": "initial"}).json()["results"]] == [full_report.pk, other.pk]
    assert anonymous.get(LIST, {"regime": "nonsense"}).status_code == 400
    assert anonymous.get(LIST, {"colour": "red"}).status_code == 400


def test_documents_through_the_api(anonymous, full_report):
    article73 = anonymous.get(f"{LIST}{full_report.pk}/article73/").json()
    assert article73["sections"]["B"]["fields"]["provider_name"]["value"] == "Helix Health AI"
    cop = anonymous.get(f"{LIST}{full_report.pk}/code-of-practice/").json()
    assert len(cop["items"]) == 9
    schema = anonymous.get("/api/schema/serious-incident-report.json")
    assert schema.status_code == 200
    assert schema.json()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_pdf_request_answers_202_and_queues_once(anonymous, full_report, monkeypatch):
    sent = []
    monkeypatch.setattr("reporting.pdf.send_on_commit", lambda task, pk, on_sent=None: sent.append(pk))
    first = anonymous.post(f"{LIST}{full_report.pk}/pdf/")
    assert first.status_code == 202
    assert first.json()["kind"] == "report"
    assert first.json()["status"] == "queued"
    assert anonymous.post(f"{LIST}{full_report.pk}/pdf/").json()["id"] == first.json()["id"]
    assert Briefing.objects.filter(kind="report").count() == 1
    assert len(sent) == 2 and set(sent) == {first.json()["id"]}


def test_editor_creates_a_report(editor):
    incident = SeriousIncidentFactory()
    response = editor.post(LIST, body_for(incident), format="json")
    assert response.status_code == 201, response.json()
    report = SeriousIncidentReport.objects.get()
    assert report.time_zone == "Europe/Brussels"
    assert response.json()["clocks"][0]["due_at"] == "2026-03-20T23:59:59.999999+01:00"
    assert report.history.count() == 1


def test_anonymous_and_contributor_may_not_write_a_public_incident_report(anonymous, contributor):
    incident = SeriousIncidentFactory()
    assert anonymous.post(LIST, body_for(incident), format="json").status_code in (401, 403)
    refused = contributor.post(LIST, body_for(incident), format="json")
    assert refused.status_code == 403
    assert "only an editor" in refused.json()["detail"].lower()
    assert not SeriousIncidentReport.objects.exists()
    # A draft is any writer's.
    draft = SeriousIncidentFactory(is_published=False)
    assert contributor.post(LIST, body_for(draft), format="json").status_code == 201


@pytest.mark.parametrize(
    ("make_incident", "overrides", "field", "words"),
    [
        (lambda: IncidentFactory(kind="hazard", oecd_severity="serious-hazard"), {}, "incident",
         "is a hazard (harm that could happen, OECD)"),
        (lambda: SeriousIncidentFactory(oecd_severity="incident"), {}, "incident", "mark its OECD level serious"),
        (SeriousIncidentFactory, {"aware_at": "2026-03-01T10:00:00Z"}, "aware_at", "is before the incident occurred"),
        (SeriousIncidentFactory, {"detected_at": "2026-03-11T10:00:00Z"}, "detected_at", "is after awareness"),
        (SeriousIncidentFactory, {"time_zone": "Nowhere/Else"}, "time_zone", "Nowhere/Else"),
        (SeriousIncidentFactory, {"category": "cybersecurity"}, "category", "Code of Practice category"),
        (SeriousIncidentFactory, {"member_states": ["US"]}, "member_states.0", "is not a valid choice"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem_and_writes_nothing(editor, make_incident, overrides, field, words):
    incident = make_incident()
    response = editor.post(LIST, body_for(incident, **overrides), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert any(words in problem["message"] for problem in errors.get(field, [])), errors
    assert not SeriousIncidentReport.objects.exists()
    assert not SeriousIncidentReport.history.exists()


def test_system_of_another_incident_is_refused(editor):
    incident = SeriousIncidentFactory()
    stranger = IncidentSystemFactory(incident=SeriousIncidentFactory()).system
    body = body_for(incident, system=stranger.slug, provider=stranger.developer.slug)
    response = editor.post(LIST, body, format="json")
    assert response.status_code == 400
    assert "is not linked to" in response.json()["errors"]["system"][0]["message"]
    assert not SeriousIncidentReport.objects.exists()


def test_recording_submissions(editor, anonymous, full_report):
    url = f"{LIST}{full_report.pk}/submissions/"
    assert anonymous.post(url, {"stage": "follow-up", "submitted_at": "2026-04-10T09:00:00Z"}, format="json").status_code in (401, 403)
    created = editor.post(url, {"stage": "follow-up", "submitted_at": "2026-04-10T09:00:00Z", "reference": "AIO-2"}, format="json")
    assert created.status_code == 201, created.json()
    again = editor.post(url, {"stage": "initial", "submitted_at": "2026-04-10T09:00:00Z"}, format="json")
    assert again.status_code == 400
    early = editor.post(url, {"stage": "final", "submitted_at": "2026-03-01T09:00:00Z"}, format="json")
    assert early.status_code == 400
    assert "before the provider became aware" in early.json()["errors"]["submitted_at"][0]["message"]
    assert ReportSubmission.objects.filter(report=full_report).count() == 2
    clocks = anonymous.get(f"{LIST}{full_report.pk}/").json()["clocks"]
    assert [c["key"] for c in clocks] == ["initial", "intermediate-1", "intermediate-2", "final"]
    assert clocks[1]["submitted_at"] == "2026-04-10T11:00:00+02:00" or clocks[1]["submitted_at"].startswith("2026-04-10T09:00:00")


def test_patch_changes_and_revalidates(editor, full_report):
    url = f"{LIST}{full_report.pk}/"
    assert editor.patch(url, {"resolved_on": "2026-04-20"}, format="json").status_code == 200
    full_report.refresh_from_db()
    assert full_report.resolved_on == datetime.date(2026, 4, 20)
    bad = editor.patch(url, {"aware_at": "2026-02-01T00:00:00Z"}, format="json")
    assert bad.status_code == 400
    full_report.refresh_from_db()
    assert full_report.aware_at == datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.timezone.utc)


def test_list_query_count_does_not_grow_with_reports(anonymous):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SeriousIncidentReportFactory()
    with CaptureQueriesContext(connection) as one:
        assert anonymous.get(LIST).status_code == 200
    cache.clear()
    for _ in range(4):
        ReportSubmissionFactory()
    with CaptureQueriesContext(connection) as five:
        assert len(anonymous.get(LIST).json()["results"]) == 5
    assert len(five) == len(one)


def test_contributor_may_not_record_a_submission_on_a_public_incident(contributor, full_report):
    url = f"{LIST}{full_report.pk}/submissions/"
    refused = contributor.post(url, {"stage": "follow-up", "submitted_at": "2026-04-10T09:00:00Z"}, format="json")
    assert refused.status_code == 403
    assert ReportSubmission.objects.filter(report=full_report).count() == 1
    Incident.objects.filter(pk=full_report.incident_id).update(is_published=False)
    # Writers cannot read drafts through the API unless they may change incidents: 404, nothing written.
    assert contributor.post(url, {"stage": "follow-up", "submitted_at": "2026-04-10T09:00:00Z"}, format="json").status_code == 404
