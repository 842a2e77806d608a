"""Hostile input at every door: control characters, NUL, deep nesting, odd
times and relative links. Nothing gives a 500, nothing unescaped reaches a
format that cannot carry it, and one bad stored row never takes a feed,
an export or a PDF down."""

import datetime
import xml.dom.minidom

import pytest
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import issue_token
from briefings.pdf import absolute_links
from briefings.selectors import published_incident
from briefings.services import incident_briefing
from incidents.models import Claim, ClaimStatusChange, Incident
from tests.briefings.conftest import open_pdf, pdf_text
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

BELL = "\x07"


@pytest.fixture
def editor_api(user_with_role):
    api = APIClient()
    _, plain = issue_token(user_with_role("editor"), "tests")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return api


@pytest.mark.parametrize(
    ("url", "field", "body"),
    [
        ("/api/v1/incidents/", "summary", lambda i, c, s: {
            "title": "T", "slug": "t", "kind": "incident", "summary": f"Ring{BELL}", "severity": 2, "setting": "training"}),
        ("/api/v1/incidents/", "title", lambda i, c, s: {
            "title": f"T{BELL}", "slug": "t", "kind": "incident", "summary": "S", "severity": 2, "setting": "training"}),
        ("/api/v1/claims/", "statement", lambda i, c, s: {"incident": i.public_id, "statement": f"It did{BELL}."}),
        ("/api/v1/evidence/", "quote", lambda i, c, s: {
            "incident": i.public_id, "claim": c.pk, "source": s.pk, "quote": f"words{BELL}", "locator_type": "page",
            "locator": "1"}),
    ],
)
def test_a_control_character_is_refused_with_a_field_error(editor_api, url, field, body):
    incident = IncidentFactory()
    response = editor_api.post(url, body(incident, ClaimFactory(incident=incident), SourceFactory()), format="json")
    assert response.status_code == 400, response.content
    assert "U+0007" in str(response.json()["errors"][field])


def test_a_status_reason_with_a_control_character_is_refused(editor_api):
    claim = ClaimFactory()
    response = editor_api.patch(f"/api/v1/claims/{claim.pk}/", {"status": "contested", "status_note": f"No{BELL}"},
                                format="json")
    assert response.status_code == 400 and "status_note" in response.json()["errors"]
    assert not ClaimStatusChange.objects.exists()


def test_carriage_returns_become_new_lines_and_tabs_stay(editor_api):
    claim = ClaimFactory()
    response = editor_api.patch(f"/api/v1/claims/{claim.pk}/", {"statement": "One\r\ntwo\rthree\tfour"}, format="json")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.statement == "One\ntwo\nthree\tfour"


def test_the_admin_refuses_a_control_character_in_words(user_with_role):
    client = Client()
    client.force_login(user_with_role("editor"))
    claim = ClaimFactory()
    form = {"incident": claim.incident.pk, "statement": f"Rang{BELL}", "status": claim.status, "status_note": "",
            "position": 0}
    for prefix in ("evidence", "status_changes"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    page = client.post(f"/admin/incidents/claim/{claim.pk}/change/", form).content.decode()
    assert "Remove the control character U+0007" in page


def test_a_submission_with_a_control_character_is_refused_in_words(client):
    form = {"kind": "new-incident", "title": "A case", "url": "https://example.org/a", "description": f"It{BELL} rang."}
    page = client.post("/submit/", form)
    assert page.status_code == 400 and "Remove the control character U+0007" in page.content.decode()
    api = APIClient().post("/api/v1/submissions/", form, format="json")
    assert api.status_code == 400 and "description" in api.json()["errors"]


def test_stored_control_characters_never_take_a_feed_csv_page_or_pdf_down(client):
    # Written before the door was checked, or by raw SQL: the exits still hold.
    incident = IncidentFactory(title="A case", summary="It rang.")
    claim = ClaimFactory(incident=incident, status="supported")
    EvidenceFactory(incident=incident, claim=claim)
    # (PostgreSQL stores no NUL at all: the door refuses it and the database would too.)
    Incident.objects.filter(pk=incident.pk).update(title=f"A{BELL} case", summary=f"It{BELL} rang\x0c.")
    Claim.objects.filter(pk=claim.pk).update(statement=f"It did{BELL}.")
    ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="supported",
                                     reason=f"Read{BELL} it.")
    for url in ["/feeds/incidents.atom", "/api/v1/feeds/incidents.atom", "/api/v1/feeds/claim-status.atom"]:
        response = client.get(url)
        assert response.status_code == 200, url
        xml.dom.minidom.parseString(response.content)  # well-formed XML
        assert BELL not in response.content.decode()
    csv = APIClient().get("/api/v1/incidents/?format=csv").content.decode()
    assert "A case" in csv and BELL not in csv and "\x00" not in csv
    assert client.get(incident.get_absolute_url()).status_code == 200
    text = pdf_text(incident_briefing(published_incident(incident.public_id)).file.read())
    assert "case" in text


def test_json_nested_too_deep_is_a_400_for_anonymous_writers_too():
    deep = "[" * 100_000 + "]" * 100_000
    for url in ["/api/v1/submissions/", "/api/v1/briefings/", "/api/v1/incidents/"]:
        response = APIClient().post(url, deep, content_type="application/json")
        assert response.status_code in (400, 401), (url, response.status_code)
        if response.status_code == 400:
            assert "nested more than" in response.json()["detail"]
    shallow_but_deeper_than_allowed = "[" * 40 + "]" * 40
    response = APIClient().post("/api/v1/submissions/", shallow_but_deeper_than_allowed, content_type="application/json")
    assert response.status_code == 400 and "nested more than 32 levels" in response.json()["detail"]


@pytest.mark.parametrize("value", ["2025-01-01T00:00:00+99:00", "", " ", "yesterday", "9999-99-99",
                                   "0001-01-01T00:00:00+01:00"])
def test_an_odd_updated_since_is_a_400_naming_the_parameter(value):
    for url in ["/api/v1/incidents/", "/api/v1/claims/", "/api/v1/measurements/"]:
        response = APIClient().get(url, {"updated_since": value})
        assert response.status_code == 400, (url, value)
        assert "updated_since" in response.json()["errors"]


@pytest.mark.parametrize("offset", ["-15:59", "-16:00", "+23:59", "Z"])
def test_any_rfc3339_offset_is_taken_in_utc(offset):
    # PostgreSQL refuses offsets past 15:59 (-16:00 was a server error): the time goes in as UTC.
    incident = IncidentFactory()
    Incident.objects.filter(pk=incident.pk).update(updated=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC))
    response = APIClient().get("/api/v1/incidents/", {"updated_since": f"2025-01-01T00:00:00{offset}"})
    assert response.status_code == 200 and response.json()["count"] == 1


@pytest.mark.parametrize("path", ["/submit/track/%00/", "/submit/track/a%00b/", "/incidents/AIKB-2025-0001%00/",
                                  "/organisations/x%00/", "/incidents/?q=%00&organisation=%00&year=%00",
                                  "/digests/confirm/a%00b/", "/digests/unsubscribe/a%00b/",
                                  "/incidents/AIKB-2025-0001%00/briefing.pdf", "/incidents/AIKB-2025-0001%00/history/",
                                  "/incidents/AIKB-2025-0001%00/cite.bib", "/sources/1%00/", "/runs/1%00/"])
def test_a_nul_byte_in_an_address_is_never_a_server_error(client, path):
    assert client.get(path).status_code in (200, 400, 404)


def test_relative_links_in_a_briefing_point_at_the_site_not_the_disk(settings):
    settings.SITE_URL = "https://aikb.example.org"
    html = absolute_links('<a href="/incidents/AIKB-2025-0001/">x</a> <a href="notes">y</a> '
                          '<a href="https://other.example/">z</a> <a href="#fn1">1</a> <a href="mailto:a@b">m</a>')
    assert 'href="https://aikb.example.org/incidents/AIKB-2025-0001/"' in html
    assert 'href="https://aikb.example.org/notes"' in html
    assert 'href="https://other.example/"' in html and 'href="#fn1"' in html and 'href="mailto:a@b"' in html


def test_a_briefings_links_are_never_file_links(settings):
    incident = IncidentFactory(summary="See [the other entry](/incidents/AIKB-2024-0001/) and [notes](notes.html).")
    pdf = open_pdf(incident_briefing(published_incident(incident.public_id)).file.read())
    links = [annotation.get_object()["/A"]["/URI"] for page in pdf.pages for annotation in page.get("/Annots", [])
             if "/URI" in annotation.get_object().get("/A", {})]
    assert f"{settings.SITE_URL}/incidents/AIKB-2024-0001/" in links and f"{settings.SITE_URL}/notes.html" in links
    assert not [link for link in links if link.startswith("file:")]


@pytest.mark.parametrize("query", ["format=", "ordering=", "pagination=", "page_size=", "incident=", "kind=%20"])
def test_an_empty_parameter_is_refused_not_ignored(query):
    # An empty value used to be dropped: a script with an empty variable read everything.
    response = APIClient().get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400 and query.split("=")[0] in response.json()["errors"]
    assert APIClient().get("/api/v1/incidents/?q=").status_code == 200  # an empty search is no search
