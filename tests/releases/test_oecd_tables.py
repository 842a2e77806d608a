"""External ids and causal attributions travel in releases and the
editorial export only with a public incident; an attribution keeps the
evidence it cites."""

import json

import pytest

from editorial.dataset import export_dataset
from releases import building
from tests.factories import CausalAttributionFactory, EvidenceFactory, ExternalIdentifierFactory, IncidentFactory

from .conftest import FIRST

pytestmark = pytest.mark.django_db


def records(document, label):
    return {r["pk"]: r["fields"] for r in document["records"] if r["model"] == label}


@pytest.fixture
def rows():
    public, draft = IncidentFactory(), IncidentFactory(is_published=False)
    evidence = EvidenceFactory(incident=public)
    return {
        "public_id": ExternalIdentifierFactory(incident=public, scheme="aiid", identifier="634"),
        "draft_id": ExternalIdentifierFactory(incident=draft, scheme="aiid", identifier="635"),
        "public_cause": CausalAttributionFactory(incident=public, grounding="evidenced", evidence=[evidence]),
        "draft_cause": CausalAttributionFactory(incident=draft),
        "evidence": evidence,
    }


def test_a_release_holds_the_public_incidents_ids_and_causes_only(rows):
    document = json.loads(building.build_release(FIRST, None).file("dataset.json").content)
    ids = records(document, "incidents.externalidentifier")
    causes = records(document, "incidents.causalattribution")
    assert set(ids) == {rows["public_id"].pk}
    assert ids[rows["public_id"].pk]["identifier"] == "634"
    assert set(causes) == {rows["public_cause"].pk}
    assert causes[rows["public_cause"].pk]["evidence"] == [rows["evidence"].pk]


def test_the_editorial_export_holds_them_with_their_incidents(rows):
    document = export_dataset()
    assert set(records(document, "incidents.externalidentifier")) == {rows["public_id"].pk}
    causes = records(document, "incidents.causalattribution")
    assert set(causes) == {rows["public_cause"].pk}
    assert causes[rows["public_cause"].pk]["evidence"] == [rows["evidence"].pk]
