"""Every resource has a stable address built on its public identifier, its
created/updated times, and links that lead to the related items."""

import pytest

from incidents.models import Claim, Evidence, Measurement

pytestmark = pytest.mark.django_db

RESOURCES = ["incidents", "claims", "evidence", "sources", "metrics", "measurements", "organisations", "systems", "taxonomy"]


def stable_address(resource, incident):
    """The address each resource's item must have: public id, slug or id."""
    claim = Claim.objects.get(incident=incident)
    evidence = Evidence.objects.get(incident=incident)
    measurement = Measurement.objects.get(incident=incident)
    org = incident.organisations.get()
    return {
        "incidents": f"/api/v1/incidents/{incident.public_id}/",
        "claims": f"/api/v1/claims/{claim.pk}/",
        "evidence": f"/api/v1/evidence/{evidence.pk}/",
        "sources": f"/api/v1/sources/{evidence.source_id}/",
        "metrics": f"/api/v1/metrics/{measurement.metric.slug}/",
        "measurements": f"/api/v1/measurements/{measurement.pk}/",
        "organisations": f"/api/v1/organisations/{org.slug}/",
        "systems": f"/api/v1/systems/{measurement.system.slug}/",
        "taxonomy": f"/api/v1/taxonomy/{incident.taxonomy.get().slug}/",
    }[resource]


def test_the_root_lists_every_resource(client):
    body = client.get("/api/v1/").json()
    for resource in RESOURCES:
        assert body[resource] == f"http://testserver/api/v1/{resource}/"


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_item_lives_at_its_stable_address_with_times(client, rich_incident, resource):
    incident = rich_incident()
    address = stable_address(resource, incident)

    response = client.get(address)

    assert response.status_code == 200, response.content
    item = response.json()
    assert item["url"] == f"http://testserver{address}"
    assert item["created"] and item["updated"]
    listed = client.get(f"/api/v1/{resource}/").json()["results"]
    assert f"http://testserver{address}" in [row["url"] for row in listed]


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_link_in_an_item_resolves(client, rich_incident, resource):
    incident = rich_incident()
    item = client.get(stable_address(resource, incident)).json()

    links = []

    def collect(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                collect(v, k)
        elif isinstance(value, list):
            for v in value:
                collect(v, key)
        elif isinstance(value, str) and value.startswith("http://testserver/api/") and key.endswith("url"):
            links.append(value)

    collect(item)
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_item_links_are_canonical_whatever_the_format_asked(client, rich_incident):
    incident = rich_incident()
    rows = client.get("/api/v1/incidents/?format=csv").content.decode()
    assert f"http://testserver/api/v1/incidents/{incident.public_id}/," in rows
    assert "?format" not in rows.splitlines()[1]


def test_claims_evidence_and_measurements_name_their_incident_by_public_id(client, rich_incident):
    incident = rich_incident()
    for resource in ("claims", "evidence", "measurements"):
        item = client.get(f"/api/v1/{resource}/").json()["results"][0]
        assert item["incident"] == incident.public_id


def test_source_detail_lists_the_incidents_that_quote_it(client, rich_incident):
    incident = rich_incident()
    source = Evidence.objects.get(incident=incident).source
    item = client.get(f"/api/v1/sources/{source.pk}/").json()
    assert [i["public_id"] for i in item["incidents"]] == [incident.public_id]


def test_a_slug_that_does_not_exist_is_404(client):
    for resource in ("metrics", "organisations", "systems", "taxonomy"):
        response = client.get(f"/api/v1/{resource}/no-such-thing/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_the_fast_list_items_equal_the_generic_serializer(rich_incident):
    """The list builds items by hand for speed; they must be exactly what the
    declared serializer (and so the schema) gives."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.serializers import IncidentListSerializer, IncidentSerializer
    from api.views import IncidentViewSet
    from tests.factories import IncidentFactory

    rich_incident()
    IncidentFactory(occurred_on=None, reported_on=None)
    request = Request(APIRequestFactory().get("/api/v1/incidents/"))
    view = IncidentViewSet(request=request, action="list", format_kwarg=None, kwargs={})
    items = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    context = {"request": request, "view": view}
    fast = IncidentListSerializer(items, many=True, context=context).data
    generic = IncidentSerializer(items, many=True, context=context).data
    assert len(fast) == 2
    assert [dict(item) for item in fast] == [dict(item) for item in generic]


def test_list_items_give_each_incidents_links_in_their_order(client):
    """A list page reads every item's organisations, systems, taxonomy and
    reproduction in one query (api.list_links): each item gets its own, in
    the order of the relations (role, then name; taxonomy by scheme, code
    and name), never another item's."""
    import datetime

    from reproductions.models import Verdict
    from tests.factories import (
        AISystemFactory,
        ClaimFactory,
        IncidentFactory,
        IncidentOrganisationFactory,
        IncidentSystemFactory,
        OrganisationFactory,
        TaxonomyTermFactory,
    )
    from tests.web.conftest import make_verdict

    linked = IncidentFactory(reported_on=datetime.date(2025, 3, 1))
    bare = IncidentFactory(reported_on=datetime.date(2025, 2, 1))
    for role, name in (("researcher", "Alpha Lab"), ("developer", "Zeta Corp"), ("developer", "Beta Inc")):
        IncidentOrganisationFactory(incident=linked, role=role, organisation=OrganisationFactory(name=name))
    for role, name in (("involved", "Aardvark"), ("actor", "Quokka")):
        IncidentSystemFactory(incident=linked, role=role, system=AISystemFactory(name=name))
    terms = [TaxonomyTermFactory(scheme=scheme, code=code, name=name) for scheme, code, name in
             (("mit-domain", "7.1", "Misalignment"), ("behaviour", "", "Sabotage"), ("mit-domain", "2.1", "Privacy"))]
    linked.taxonomy.add(*terms)
    make_verdict(ClaimFactory(incident=linked))
    make_verdict(ClaimFactory(incident=linked), outcome="inconsistent")
    assert Verdict.objects.filter(incident=linked).count() == 2

    items = {item["public_id"]: item for item in client.get("/api/v1/incidents/").json()["results"]}
    first = items[linked.public_id]
    assert [(o["role"], o["name"]) for o in first["organisations"]] == [
        ("developer", "Beta Inc"), ("developer", "Zeta Corp"), ("researcher", "Alpha Lab")]
    assert [(s["role"], s["name"]) for s in first["systems"]] == [("actor", "Quokka"), ("involved", "Aardvark")]
    assert first["taxonomy"] == [terms[1].slug, terms[2].slug, terms[0].slug]
    assert first["has_reproduction"] is True
    assert first["organisations"][0]["url"].endswith(f"/api/v1/organisations/{first['organisations'][0]['slug']}/")
    second = items[bare.public_id]
    assert (second["organisations"], second["systems"], second["taxonomy"], second["has_reproduction"]) == ([], [], [], False)

    # An item's own address reads its links the same way, in the schema's field order.
    from api.serializers import LINK_FIELDS, IncidentDetailSerializer

    detail = client.get(f"/api/v1/incidents/{linked.public_id}/").json()
    assert {name: detail[name] for name in LINK_FIELDS} == {name: first[name] for name in LINK_FIELDS}
    assert list(detail) == IncidentDetailSerializer.Meta.fields
