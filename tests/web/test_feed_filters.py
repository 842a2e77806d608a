"""The incident feeds filtered by organisation, system and role (monitoring,
GPAI Code of Practice measure 9.1): only matching entries, unknown slugs a
400 naming them (never cached), each filter its own cache entry."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import (
    AISystemFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/feeds/incidents.atom", "/api/v1/feeds/incidents.atom"]


@pytest.fixture
def world():
    lab, other = OrganisationFactory(name="Frontier Lab", slug="frontier-lab"), OrganisationFactory(slug="other-co")
    model = AISystemFactory(name="Model X", slug="model-x")
    developed = IncidentFactory(title="Developed by the lab")
    IncidentOrganisationFactory(incident=developed, organisation=lab, role="developer")
    deployed = IncidentFactory(title="Deployed by the lab")
    IncidentOrganisationFactory(incident=deployed, organisation=lab, role="deployer")
    IncidentSystemFactory(incident=deployed, system=model)
    elsewhere = IncidentFactory(title="Someone else's")
    IncidentOrganisationFactory(incident=elsewhere, organisation=other, role="developer")
    draft = IncidentFactory(title="Draft by the lab", is_published=False)
    IncidentOrganisationFactory(incident=draft, organisation=lab, role="developer")
    return {"developed": developed, "deployed": deployed, "elsewhere": elsewhere}


def titles(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    feed = ET.fromstring(response.content)
    return feed, {e.find(f"{ATOM}title").text.split(": ", 1)[1] for e in feed.findall(f"{ATOM}entry")}


@pytest.mark.parametrize("feed", FEEDS)
def test_a_filtered_feed_holds_only_matching_public_entries(client, world, feed):
    _, everything = titles(client, feed)
    assert everything == {"Developed by the lab", "Deployed by the lab", "Someone else's"}
    document, lab = titles(client, f"{feed}?organisation=frontier-lab")
    assert lab == {"Developed by the lab", "Deployed by the lab"}
    assert "Frontier Lab" in document.find(f"{ATOM}title").text
    assert document.find(f"{ATOM}link[@rel='self']").get("href").endswith(f"{feed}?organisation=frontier-lab")
    assert titles(client, f"{feed}?organisation=frontier-lab&role=deployer")[1] == {"Deployed by the lab"}
    assert titles(client, f"{feed}?role=developer")[1] == {"Developed by the lab", "Someone else's"}
    assert titles(client, f"{feed}?system=model-x")[1] == {"Deployed by the lab"}
    assert titles(client, f"{feed}?organisation=frontier-lab&system=model-x&role=developer")[1] == set()
    assert titles(client, f"{feed}?organisation=frontier-lab&organisation=other-co&role=developer")[1] == {
        "Developed by the lab", "Someone else's"}


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("query, named", [
    ("organisation=no-such-lab", "'no-such-lab'"),
    ("organisation=frontier-lab&organisation=nobody", "'nobody'"),
    ("system=no-such-model", "'no-such-model'"),
    ("role=owner", "'owner'"),
    ("organisation=", "organisation="),
])
def test_an_unknown_slug_or_role_is_a_400_naming_it_and_is_not_cached(client, world, feed, query, named):
    for _ in range(2):
        response = client.get(f"{feed}?{query}")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert named in response.content.decode()
        assert "X-Cache" not in response or response["X-Cache"] != "HIT"


def test_two_filters_are_two_cache_entries(client, world):
    feed = "/feeds/incidents.atom"
    lab = client.get(f"{feed}?organisation=frontier-lab")
    other = client.get(f"{feed}?organisation=other-co")
    assert (lab["X-Cache"], other["X-Cache"]) == ("MISS", "MISS")
    assert lab.content != other.content
    again = client.get(f"{feed}?organisation=frontier-lab")
    assert again["X-Cache"] == "HIT" and again.content == lab.content


def test_the_feeds_page_documents_the_monitoring_filters(client):
    page = client.get("/feeds/").content.decode()
    assert "measure 9.1" in page and "organisation=" in page and "role=developer" in page
