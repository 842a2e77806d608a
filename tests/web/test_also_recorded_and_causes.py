"""The incident page's "Also recorded in" (other databases' ids, linked)
and "What caused it" (speculative labelled in words, evidence linked)."""

import pytest

from tests.factories import (
    CausalAttributionFactory,
    ClaimFactory,
    EvidenceFactory,
    ExternalIdentifierFactory,
    IncidentFactory,
)

pytestmark = pytest.mark.django_db


def test_the_page_links_other_databases_and_labels_causes(client):
    incident = IncidentFactory()
    evidence = EvidenceFactory(incident=incident, claim=ClaimFactory(incident=incident))
    ExternalIdentifierFactory(incident=incident, scheme="aiid", identifier="634")
    ExternalIdentifierFactory(incident=incident, scheme="aiaaic", identifier="AIAAIC1234")
    CausalAttributionFactory(incident=incident, factor="misuse", grounding="evidenced", evidence=[evidence])
    CausalAttributionFactory(incident=incident, factor="model-behaviour", grounding="speculative")

    page = client.get(incident.get_absolute_url()).content.decode()

    assert "Also recorded in" in page
    assert 'href="https://incidentdatabase.ai/cite/634/"' in page
    assert "AIAAIC1234</span> <span class=\"muted\">(no public address)" in page
    assert "What caused it" in page
    assert "Speculative: not established" in page
    assert f'href="#evidence-{evidence.pk}"' in page and f'id="evidence-{evidence.pk}"' in page


def test_a_page_without_them_has_neither_section(client):
    page = client.get(IncidentFactory().get_absolute_url()).content.decode()
    assert "Also recorded in" not in page and "What caused it" not in page


def test_methodology_explains_attribution(client):
    page = client.get("/methodology/").content.decode()
    assert 'id="attribution"' in page and "Speculative" in page and "evidenced" in page
