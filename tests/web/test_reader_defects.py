"""Defects a new reader found, each checked where it was seen: a name twice
in a card, "paragraph paragraph 3", a version printed twice, a label
pluralised with a bare "s"."""

import pytest

from incidents.models import Evidence, IncidentOrganisation
from incidents.search import refresh_search_vectors
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_an_organisation_in_two_roles_is_named_once_on_list_cards(client):
    alibaba = OrganisationFactory(name="Alibaba Group")
    other = OrganisationFactory(name="Anthropic")
    incident = IncidentFactory(title="Agent mined cryptocurrency")
    IncidentOrganisationFactory(incident=incident, organisation=alibaba, role=IncidentOrganisation.Role.DEVELOPER)
    IncidentOrganisationFactory(incident=incident, organisation=alibaba, role=IncidentOrganisation.Role.DEPLOYER)
    IncidentOrganisationFactory(incident=incident, organisation=other, role=IncidentOrganisation.Role.AFFECTED)
    refresh_search_vectors()
    for url in ("/incidents/", "/"):
        page = html(client.get(url))
        parties = page.split('class="card__parties">')[1].split("</p>")[0]
        assert parties.count("Alibaba Group") == 1, (url, parties)
        assert "Anthropic" in parties
    # The incident page names each role, so the organisation appears there in both.
    detail = html(client.get(incident.get_absolute_url()))
    assert "(developer)" in detail and "(deployer)" in detail


def test_an_evidence_locator_that_names_its_kind_is_not_prefixed_again(client):
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    EvidenceFactory(incident=incident, claim=claim, locator_type=Evidence.LocatorType.PARAGRAPH, locator="paragraph 3")
    EvidenceFactory(incident=incident, claim=claim, locator_type=Evidence.LocatorType.PAGE, locator="12")
    page = html(client.get(incident.get_absolute_url()))
    assert "paragraph paragraph" not in page.lower()
    assert "paragraph 3." in page and "page 12." in page
    source_page = html(client.get(incident.evidence.get(locator="paragraph 3").source.get_absolute_url()))
    assert "paragraph paragraph" not in source_page.lower() and "Paragraph 3 ·" in source_page


def test_a_system_whose_name_holds_its_version_is_labelled_once(client):
    incident = IncidentFactory()
    system = AISystemFactory(name="Llama3.1-70B-Instruct", version="3.1")
    IncidentSystemFactory(incident=incident, system=system)
    claim = ClaimFactory(incident=incident)
    MeasurementFactory(metric__name="Blackmail rate", system=system, claim=claim,
                       evidence=EvidenceFactory(incident=incident, claim=claim), incident=incident, value=40.0)
    page = html(client.get(incident.get_absolute_url()))
    assert "Llama3.1-70B-Instruct" in page
    assert "Llama3.1-70B-Instruct 3.1" not in page


def test_the_methodology_page_pluralises_labels_as_english(client):
    page = html(client.get("/methodology/"))
    assert "involveds" not in page
    assert "responses from the organisation involved" in page
    assert "papers" in page


def test_the_methodology_page_says_what_the_site_is_and_its_licence(client):
    page = html(client.get("/methodology/"))
    about = page.split('id="about"')[1].split("</section>")[0]
    assert "Who it is for" in about
    assert "CC BY 4.0" in about and "https://creativecommons.org/licenses/by/4.0/" in about
    assert 'href="#about"' in page  # listed in the page's contents
