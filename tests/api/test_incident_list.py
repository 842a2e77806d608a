"""The incident list: web facets as filters, search ranked as on the web, visibility."""

import datetime

import pytest

from incidents.models import Incident
from incidents.search import refresh_search_vectors, search_incidents
from incidents.visibility import public_incidents
from reproductions.models import Harness, ReproductionRun, Verdict
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    TaxonomyTermFactory,
)

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [item["public_id"] for item in response.json()["results"]]


def test_each_facet_filters_like_the_web(client):
    hazard = IncidentFactory(kind="hazard", severity=5, setting="deployment", status="confirmed",
                             occurred_on=datetime.date(2024, 3, 1))
    plain = IncidentFactory(kind="incident", severity=2, setting="training", occurred_on=datetime.date(2025, 6, 1))
    term = TaxonomyTermFactory()
    hazard.taxonomy.add(term)
    org_link = IncidentOrganisationFactory(incident=plain)
    system_link = IncidentSystemFactory(incident=hazard)

    assert ids(client.get("/api/v1/incidents/?kind=hazard")) == [hazard.public_id]
    assert set(ids(client.get("/api/v1/incidents/?kind=hazard&kind=incident"))) == {hazard.public_id, plain.public_id}
    assert ids(client.get("/api/v1/incidents/?severity=5")) == [hazard.public_id]
    assert ids(client.get("/api/v1/incidents/?setting=training")) == [plain.public_id]
    assert ids(client.get("/api/v1/incidents/?status=confirmed")) == [hazard.public_id]
    assert ids(client.get("/api/v1/incidents/?year=2024")) == [hazard.public_id]
    assert ids(client.get(f"/api/v1/incidents/?taxonomy={term.slug}")) == [hazard.public_id]
    assert ids(client.get(f"/api/v1/incidents/?organisation={org_link.organisation.slug}")) == [plain.public_id]
    assert ids(client.get(f"/api/v1/incidents/?system={system_link.system.slug}")) == [hazard.public_id]
    assert ids(client.get("/api/v1/incidents/?kind=hazard&setting=training")) == []


def test_a_taxonomy_term_matches_the_incidents_under_its_narrower_terms_as_on_the_web(client):
    parent = TaxonomyTermFactory()
    child = TaxonomyTermFactory(parent=parent)
    grandchild = TaxonomyTermFactory(parent=child)
    deep, direct, elsewhere = IncidentFactory(), IncidentFactory(), IncidentFactory()
    deep.taxonomy.add(grandchild)
    direct.taxonomy.add(parent)
    elsewhere.taxonomy.add(TaxonomyTermFactory())
    assert set(ids(client.get(f"/api/v1/incidents/?taxonomy={parent.slug}"))) == {deep.public_id, direct.public_id}
    assert ids(client.get(f"/api/v1/incidents/?taxonomy={child.slug}")) == [deep.public_id]


def test_has_reproduction_means_a_verdict_on_one_of_its_claims(client):
    reproduced = IncidentFactory()
    other = IncidentFactory()
    ClaimFactory(incident=other)
    run = ReproductionRun.objects.create(harness=Harness.objects.create(name="h", slug="h"))
    Verdict.objects.create(run=run, claim=ClaimFactory(incident=reproduced), outcome="consistent", reason="matched")

    assert ids(client.get("/api/v1/incidents/?has_reproduction=true")) == [reproduced.public_id]
    assert ids(client.get("/api/v1/incidents/?has_reproduction=false")) == [other.public_id]
    item = client.get(f"/api/v1/incidents/{reproduced.public_id}/").json()
    assert item["has_reproduction"] is True
    assert client.get(f"/api/v1/incidents/{other.public_id}/").json()["has_reproduction"] is False


def test_search_ranks_like_the_shared_search_function(client):
    IncidentFactory(title="Reverse SSH tunnel opened by an agent", summary="tunnel tunnel tunnel")
    IncidentFactory(title="Blackmail in a simulated company", summary="The model mentioned a tunnel once.")
    IncidentFactory(title="Unrelated hazard", summary="Nothing here.", body="")
    refresh_search_vectors()
    expected = list(
        search_incidents(public_incidents(), "tunnel").order_by("-rank", "-reported_on", "-id").values_list("public_id", flat=True)
    )
    assert len(expected) == 2
    assert ids(client.get("/api/v1/incidents/?q=tunnel")) == expected


def test_explicit_ordering_overrides_rank(client):
    low = IncidentFactory(severity=1, title="tunnel one")
    high = IncidentFactory(severity=5, title="tunnel two")
    refresh_search_vectors()
    assert ids(client.get("/api/v1/incidents/?q=tunnel&ordering=-severity")) == [high.public_id, low.public_id]
    assert ids(client.get("/api/v1/incidents/?ordering=severity")) == [low.public_id, high.public_id]


def test_updated_since_returns_only_later_changes(client):
    old = IncidentFactory()
    new = IncidentFactory()
    Incident.objects.filter(pk=old.pk).update(updated=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert ids(client.get("/api/v1/incidents/?updated_since=2024-01-01T00:00:00Z")) == [new.public_id]


def test_unpublished_and_merged_incidents_are_hidden_from_anonymous_readers(client):
    visible = IncidentFactory()
    IncidentFactory(is_published=False)
    IncidentFactory(merged_into=visible)
    assert ids(client.get("/api/v1/incidents/")) == [visible.public_id]


def test_a_repeated_public_search_reads_its_count_and_page_ids_from_the_cache(editor_token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client, editor = APIClient(), APIClient()
    editor.credentials(HTTP_AUTHORIZATION=f"Bearer {editor_token}")

    first = IncidentFactory(title="Reverse SSH tunnel opened by an agent", reported_on=datetime.date(2025, 1, 1))
    refresh_search_vectors()
    assert ids(client.get("/api/v1/incidents/?q=tunnel&page_size=10")) == [first.public_id]
    with CaptureQueriesContext(connection) as again:
        response = client.get("/api/v1/incidents/?q=tunnel&page_size=10")
    assert ids(response) == [first.public_id] and response.json()["count"] == 1
    assert not [q for q in again if "COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"]]  # no recount
    assert not [q for q in again if q["sql"].endswith("LIMIT 10")]  # no ranking of the page

    # Another page size or filter is another search; a draft stays an editor's.
    assert ids(client.get("/api/v1/incidents/?q=tunnel&page_size=10&kind=hazard")) == []
    draft = IncidentFactory(title="Tunnel draft", is_published=False)
    refresh_search_vectors()
    assert draft.public_id in ids(editor.get("/api/v1/incidents/?q=tunnel&page_size=10"))
    assert draft.public_id not in ids(client.get("/api/v1/incidents/?q=tunnel&page_size=10"))

    # A change to the data starts a new generation: the new match shows.
    second = IncidentFactory(title="Another tunnel", reported_on=datetime.date(2026, 1, 1))
    refresh_search_vectors()
    body = client.get("/api/v1/incidents/?q=tunnel&page_size=10").json()
    assert body["count"] == 2 and second.public_id in [item["public_id"] for item in body["results"]]


def test_a_repeated_public_list_is_not_counted_again_until_the_data_changes(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IncidentFactory.create_batch(3, severity=4)
    url = "/api/v1/incidents/?severity=4&ordering=-updated&page_size=2"
    assert client.get(url).json()["count"] == 3
    with CaptureQueriesContext(connection) as again:
        body = client.get(url).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert not [q for q in again if "COUNT(*)" in q["sql"]]
    assert not [q for q in again if q["sql"].startswith('SELECT "incidents_incident"."id" AS "pk"')]  # page ids cached

    newest = IncidentFactory(severity=4)
    body = client.get(url).json()
    assert body["count"] == 4 and body["results"][0]["public_id"] == newest.public_id


def test_editors_see_drafts(editor):
    draft = IncidentFactory(is_published=False)
    assert draft.public_id in ids(editor.get("/api/v1/incidents/"))
    assert editor.get(f"/api/v1/incidents/{draft.public_id}/").status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ("kind=accident", "kind"),
        ("severity=9", "severity"),
        ("severity=99999999999999999999999", "severity"),
        ("year=1066", "year"),
        ("year=soon", "year"),
        ("taxonomy=no-such-term", "taxonomy"),
        ("organisation=nobody", "organisation"),
        ("system=ghost", "system"),
        ("has_reproduction=maybe", "has_reproduction"),
        ("updated_since=yesterday", "updated_since"),
        ("ordering=password", "ordering"),
        ("severty=5", "severty"),
        ("q=%00", "q"),
    ],
)
def test_unknown_filter_values_are_400_naming_the_parameter(client, query, field):
    IncidentFactory()
    response = client.get(f"/api/v1/incidents/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0]["message"]
