"""The incident page's "OECD reporting criteria" section says what an entry
meets and lacks; the editors' queue in the admin sorts and filters by the
mandatory criteria missing."""

import re

import pytest
from django.test import Client

from incidents.models import IncidentOrganisation
from tests.factories import EvidenceFactory, IncidentFactory, IncidentOrganisationFactory

pytestmark = pytest.mark.django_db

COMPLETE = {"submitter_type": "editor", "ai_relation": ["malfunction"], "oecd_severity": "serious-incident",
            "harm_types": ["physical", "economic-property"], "countries": ["DE"]}


def criterion_state(page: str, key: str) -> str:
    found = re.search(rf'oecd-criterion--(met|missing)" data-criterion="{key}"', page)
    assert found, key
    return found.group(1)


def test_page_shows_what_is_met_and_what_is_missing(client):
    incident = IncidentFactory(**COMPLETE)
    evidence = EvidenceFactory(incident=incident)
    page = client.get(incident.get_absolute_url()).content.decode()
    # Its supporting material is shown, and can be linked to (#evidence-<pk>), though it has no claim.
    assert f'id="evidence-{evidence.pk}"' in page
    assert 'id="oecd"' in page and "OECD reporting criteria" in page
    for key in ("title", "description", "submitter", "supporting_materials", "ai_relation", "severity", "harm_types",
                "countries", "first_occurrence_date", "additional_information"):
        assert criterion_state(page, key) == "met", key
    for key in ("training_data", "tasks", "affected_stakeholders", "unintended_use", "steps_to_reproduce"):
        assert criterion_state(page, key) == "missing", key
    # Answers in words, and the OECD level in the header.
    assert "Physical harm, Economic or property harm" in page and "Germany" in page
    assert "<dt>OECD level</dt><dd>Serious AI incident" in page
    assert "Curated or imported before the publication rule" not in page


def test_an_entry_public_before_the_rule_says_what_it_lacks(client):
    incident = IncidentFactory()  # public, no OECD answers, no evidence
    IncidentOrganisationFactory(incident=incident, role=IncidentOrganisation.Role.AFFECTED)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Curated or imported before the publication rule" in page
    lacks = re.search(r"this entry lacks ([^<]*), which", page).group(1)
    assert lacks == "submitter, supporting materials, how the ai system relates to the incident, severity, type of harm"
    assert criterion_state(page, "affected_stakeholders") == "met"
    assert "<dt>OECD level</dt>" not in page


@pytest.fixture
def editor_admin(user_with_role):
    client = Client()
    client.force_login(user_with_role("editor"))
    return client


def test_admin_queue_lists_missing_sorts_drafts_by_most_missing_and_filters(editor_admin):
    complete = IncidentFactory(is_published=False, title="Complete draft", **COMPLETE)
    EvidenceFactory(incident=complete)
    bare = IncidentFactory(is_published=False, title="Bare draft")
    half = IncidentFactory(is_published=False, title="Half draft", submitter_type="editor", harm_types=["physical"])
    public = IncidentFactory(is_published=True, title="Public entry")
    page = editor_admin.get("/admin/incidents/incident/").content.decode()
    order = [page.index(t) for t in ("Bare draft", "Half draft", "Complete draft", "Public entry")]
    assert order == sorted(order)
    row = page[page.index("Bare draft"):]
    assert "submitter, supporting_materials, ai_relation, severity, harm_types" in row[: row.index("</tr>")]
    # Sorted by the column, fewest missing first.
    ascending = editor_admin.get("/admin/incidents/incident/", {"o": "9"}).content.decode()
    assert ascending.index("Complete draft") < ascending.index("Half draft") < ascending.index("Bare draft")

    def listed(value):
        body = editor_admin.get("/admin/incidents/incident/", {"oecd": value}).content.decode()
        return {i.title for i in (complete, bare, half, public) if i.title in body}

    assert listed("complete") == {"Complete draft"}
    assert listed("incomplete") == {"Bare draft", "Half draft", "Public entry"}
    assert listed("lacking:harm_types") == {"Bare draft", "Public entry"}
    assert listed("lacking:supporting_materials") == {"Bare draft", "Half draft", "Public entry"}
