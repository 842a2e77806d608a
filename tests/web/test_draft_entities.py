"""Organisations, AI systems and sources only a draft names are not public:
not on their pages, not in the API, not in the digest filter list. Once a
public entry names them, they are."""

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    AISystemFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_by_a_draft():
    draft = IncidentFactory(is_published=False)
    organisation = OrganisationFactory(name="Secret Labs", slug="secret-labs")
    system = AISystemFactory(name="Secret Model", slug="secret-model", developer=organisation)
    source = SourceFactory(title="A leaked memo")
    IncidentOrganisationFactory(incident=draft, organisation=organisation)
    IncidentSystemFactory(incident=draft, system=system)
    EvidenceFactory(incident=draft, source=source)
    return draft, organisation, system, source


def test_their_pages_are_404(client, named_by_a_draft):
    _, organisation, system, source = named_by_a_draft
    for url in [organisation.get_absolute_url(), system.get_absolute_url(), source.get_absolute_url()]:
        assert client.get(url).status_code == 404, url


def test_the_api_leaves_them_out(named_by_a_draft):
    _, organisation, system, source = named_by_a_draft
    api = APIClient()
    for listing, detail, name in [
        ("/api/v1/organisations/", f"/api/v1/organisations/{organisation.slug}/", "Secret Labs"),
        ("/api/v1/systems/", f"/api/v1/systems/{system.slug}/", "Secret Model"),
        ("/api/v1/sources/", f"/api/v1/sources/{source.pk}/", "A leaked memo"),
    ]:
        assert name not in api.get(listing).content.decode()
        assert name not in api.get(listing + "?format=csv").content.decode()
        assert api.get(detail).status_code == 404


def test_the_digest_filter_list_leaves_them_out(client, named_by_a_draft):
    page = client.get("/digests/").content.decode()
    assert "Secret Labs" not in page


def test_once_a_public_entry_names_them_they_are_public(client, named_by_a_draft):
    _, organisation, system, source = named_by_a_draft
    public = IncidentFactory(is_published=True)
    IncidentOrganisationFactory(incident=public, organisation=organisation)
    IncidentSystemFactory(incident=public, system=system)
    EvidenceFactory(incident=public, source=source)
    for url in [organisation.get_absolute_url(), system.get_absolute_url(), source.get_absolute_url()]:
        assert client.get(url).status_code == 200, url
    assert "Secret Labs" in client.get("/digests/").content.decode()


def test_an_editor_sees_them_in_the_api(user_with_role, named_by_a_draft):
    from api.tokens import issue_token

    _, organisation, _, _ = named_by_a_draft
    api = APIClient()
    _, plain = issue_token(user_with_role("editor"), "tests")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert api.get(f"/api/v1/organisations/{organisation.slug}/").status_code == 200
