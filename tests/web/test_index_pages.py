"""The index pages of organisations, AI systems, the taxonomy, metrics and
sources (incidents.indexes): public entries only, public incidents counted
once each, every order offered, pages, links to each entry, and a fixed
number of queries whatever the data size.

(tests/web/test_indexes.py is about database indexes.)"""

import html
import re

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentSystem, Measurement, TaxonomyTerm
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    MetricFactory,
    OrganisationFactory,
    SourceFactory,
    TaxonomyTermFactory,
)

pytestmark = pytest.mark.django_db

INDEXES = ["organisation-index", "system-index", "taxonomy-index", "metric-index", "source-index"]
# With nothing cached (counts and orders are cached per data generation).
BUDGETS = {
    "organisation-index": 3,  # public entries, their counts, the page's rows
    "system-index": 3,
    "taxonomy-index": 2,  # the terms, their rolled-up counts
    "metric-index": 2,  # the counts, the metrics
    "source-index": 4,  # count, the page's ids, its rows, their counts
}


def table_rows(page: str) -> list[dict]:
    """The rows of the index table: the entry's link and name, and its cells' text."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        link = re.search(r'<th scope="row"><a href="([^"]+)">(.*?)</a>', row, re.S)
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append({"url": link.group(1), "name": html.unescape(link.group(2)), "cells": cells})
    return rows


def get(client, name, query=""):
    response = client.get(reverse(name) + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def world(db):
    """Two public incidents and a draft and a merged one, sharing parties,
    sources, terms and a metric, so that a count that includes a hidden
    incident, or one incident twice, shows."""
    first = IncidentFactory(title="First public incident")
    second = IncidentFactory(title="Second public incident")
    draft = IncidentFactory(title="Draft incident", is_published=False)
    merged = IncidentFactory(title="Merged incident", merged_into=first)

    shared = OrganisationFactory(name="Shared Lab", slug="shared-lab")
    solo = OrganisationFactory(name="Zeta Solo Lab", slug="zeta-solo-lab")
    hidden_org = OrganisationFactory(name="Hidden Lab", slug="hidden-lab")
    for incident in (first, second, draft, merged):
        IncidentOrganisationFactory(incident=incident, organisation=shared)
    # Two roles in one incident: still one incident.
    IncidentOrganisationFactory(incident=first, organisation=solo, role="developer")
    IncidentOrganisationFactory(incident=first, organisation=solo, role="deployer")
    IncidentOrganisationFactory(incident=draft, organisation=hidden_org)
    IncidentOrganisationFactory(incident=merged, organisation=hidden_org)

    shared_system = AISystemFactory(name="Shared Model", slug="shared-model", developer=shared)
    hidden_system = AISystemFactory(name="Hidden Model", slug="hidden-model", developer=hidden_org)
    for incident in (first, second, draft):
        IncidentSystemFactory(incident=incident, system=shared_system)
    IncidentSystemFactory(incident=first, system=shared_system, role=IncidentSystem.Role.EVALUATED)
    IncidentSystemFactory(incident=draft, system=hidden_system)

    cited = SourceFactory(title="Cited source", publisher="Nature")
    hidden_source = SourceFactory(title="Hidden source")
    uncited = SourceFactory(title="Source recorded on its own", published_on=None)
    for incident in (first, second, draft):
        EvidenceFactory(incident=incident, source=cited)
    EvidenceFactory(incident=first, source=cited, locator="4.2")  # quoted twice by one incident
    EvidenceFactory(incident=draft, source=hidden_source)

    parent = TaxonomyTermFactory(name="Parent term", slug="parent-term", code="P")
    child_a = TaxonomyTermFactory(name="Child A", slug="child-a", code="P.1", parent=parent)
    child_b = TaxonomyTermFactory(name="Child B", slug="child-b", code="P.2", parent=parent)
    grandchild = TaxonomyTermFactory(name="Grandchild", slug="grandchild", code="P.2.1", parent=child_b)
    first.taxonomy.add(child_a, grandchild)  # twice under the parent: once in its count
    second.taxonomy.add(child_a)
    draft.taxonomy.add(child_b, parent)

    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    MetricFactory(name="Unmeasured rate", slug="unmeasured-rate")
    for incident, system in ((first, shared_system), (second, shared_system), (second, None), (draft, hidden_system)):
        claim = ClaimFactory(incident=incident)
        MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=incident, claim=claim), claim=claim,
                           system=system)
    return {
        "first": first, "second": second, "draft": draft, "shared": shared, "solo": solo, "hidden_org": hidden_org,
        "shared_system": shared_system, "hidden_system": hidden_system, "cited": cited, "uncited": uncited,
        "hidden_source": hidden_source, "parent": parent, "child_a": child_a, "child_b": child_b,
        "grandchild": grandchild, "metric": metric, "lonely": OrganisationFactory(name="Lonely Lab", slug="lonely-lab"),
    }


def test_organisations_are_public_ones_with_their_public_incidents_once_each(client, world):
    rows = {row["name"]: row for row in table_rows(get(client, "organisation-index"))}
    assert "Hidden Lab" not in rows  # named by a draft and a merged entry alone
    assert rows["Shared Lab"]["cells"][-1] == "2"  # not the draft's, not the merged entry's
    assert rows["Zeta Solo Lab"]["cells"][-1] == "1"  # two roles in one incident
    assert rows["Shared Lab"]["url"] == world["shared"].get_absolute_url()
    assert rows["Shared Lab"]["cells"][0] == "Research lab"
    # An organisation recorded on its own (named by no incident) is public, with none.
    assert rows["Lonely Lab"]["cells"][-1] == "0"


def test_systems_show_their_developer_and_public_incidents(client, world):
    page = get(client, "system-index")
    rows = {row["name"]: row for row in table_rows(page)}
    assert "Hidden Model" not in rows
    assert rows["Shared Model"]["cells"] == ["Shared Lab", "2"]  # two roles in the first: counted once
    assert rows["Shared Model"]["url"] == world["shared_system"].get_absolute_url()
    assert f'href="{world["shared"].get_absolute_url()}"' in page


def test_a_developer_named_by_drafts_alone_is_neither_named_nor_linked(client, world):
    """A public system's developer shows on the index and the system's page
    only when it is a public organisation (its page would be a 404)."""
    system = AISystemFactory(name="Public Model", slug="public-model", developer=world["hidden_org"])
    IncidentSystemFactory(incident=world["first"], system=system)
    index = get(client, "system-index")
    assert {row["name"]: row for row in table_rows(index)}["Public Model"]["cells"] == ["Not recorded", "1"]
    detail = client.get(system.get_absolute_url()).content.decode()
    assert "Public Model" in detail
    for page in (index, detail):
        assert "Hidden Lab" not in page and world["hidden_org"].get_absolute_url() not in page
    # The API too, in JSON and CSV.
    assert client.get("/api/v1/systems/public-model/").json()["developer"] is None
    assert "Hidden Lab" not in client.get("/api/v1/systems/?format=csv").content.decode()
    # Named by a public incident, it is public: both pages name and link it.
    IncidentOrganisationFactory(incident=world["second"], organisation=world["hidden_org"])
    index = get(client, "system-index")
    assert {row["name"]: row for row in table_rows(index)}["Public Model"]["cells"] == ["Hidden Lab", "1"]
    detail = client.get(system.get_absolute_url()).content.decode()
    for page in (index, detail):
        assert f'<a href="{world["hidden_org"].get_absolute_url()}">Hidden Lab</a>' in page
    assert client.get("/api/v1/systems/public-model/").json()["developer"]["name"] == "Hidden Lab"


def test_the_descriptions_do_not_claim_every_entry_is_named_by_an_incident(client, world):
    """Entries recorded on their own are listed too, with 0."""
    descriptions = {
        "organisation-index": "Organisations in the knowledge base, with how many published incidents name each.",
        "system-index": "AI systems in the knowledge base, with their developer and how many published incidents involve each.",
    }
    AISystemFactory(name="Lonely Model", slug="lonely-model")
    for name, description in descriptions.items():
        page = get(client, name)
        assert f'<meta name="description" content="{description}">' in page
        assert "0" in [row["cells"][-1] for row in table_rows(page)]  # Lonely Lab, Lonely Model


def test_sources_count_the_public_incidents_that_cite_them(client, world):
    rows = {row["name"]: row for row in table_rows(get(client, "source-index"))}
    assert "Hidden source" not in rows
    assert rows["Cited source"]["cells"] == ["Nature", "Paper", "30 Dec 2025", "Primary", "2"]
    assert rows["Cited source"]["url"] == world["cited"].get_absolute_url()
    assert rows["Source recorded on its own"]["cells"][-1] == "0"


def test_metrics_count_published_measurements_and_systems(client, world):
    rows = {row["name"]: row for row in table_rows(get(client, "metric-index"))}
    # Three of four measurements are of public incidents; two name a system, the same one.
    assert rows["Blackmail rate"]["cells"] == ["Percent", "3", "1"]
    assert rows["Unmeasured rate"]["cells"] == ["Percent", "0", "0"]
    assert rows["Blackmail rate"]["url"] == world["metric"].get_absolute_url()


def test_metrics_never_count_pipeline_checks(client, world):
    from reproductions.models import Harness, ReproductionRun

    run = ReproductionRun.objects.create(harness=Harness.objects.create(name="H", slug="h"), status="succeeded")
    Measurement.objects.create(metric=world["metric"], incident=world["first"], reproduction_run=run, value=5.0,
                               as_of="2025-06-01", purpose=Measurement.Purpose.PIPELINE_CHECK)
    rows = {row["name"]: row for row in table_rows(get(client, "metric-index"))}
    assert rows["Blackmail rate"]["cells"][1] == "3"


def test_a_metric_with_no_published_measurement_is_listed_as_its_page_shows_it(client, world):
    """Metrics are a public vocabulary (indexes.metric_index): one measured
    only in a draft and by a pipeline check is listed with nothing counted,
    and its page opens showing none of those measurements."""
    from reproductions.models import Harness, ReproductionRun

    metric = MetricFactory(name="Draft-only rate", slug="draft-only-rate")
    claim = ClaimFactory(incident=world["draft"])
    MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=world["draft"], claim=claim), claim=claim,
                       system=world["hidden_system"], value=41.5)
    run = ReproductionRun.objects.create(harness=Harness.objects.create(name="H", slug="h"), status="succeeded")
    Measurement.objects.create(metric=metric, incident=world["first"], reproduction_run=run, value=5.0,
                               as_of="2025-06-01", purpose=Measurement.Purpose.PIPELINE_CHECK,
                               system=world["shared_system"])
    row = {row["name"]: row for row in table_rows(get(client, "metric-index"))}["Draft-only rate"]
    assert row["cells"] == ["Percent", "0", "0"]
    response = client.get(row["url"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "No published measurements yet." in page
    assert "41.5" not in page and "Hidden Model" not in page and "Shared Model" not in page


def test_index_counts_are_remembered_through_the_generations_module(client, world, monkeypatch):
    """One way to remember a read of the public data (generations.remembered)."""
    from incidents import generations

    remembered, namespaces = generations.remembered, []

    def recording(namespace, parts, compute):
        namespaces.append((namespace, *parts))
        return remembered(namespace, parts, compute)

    monkeypatch.setattr(generations, "remembered", recording)
    for name in INDEXES:
        get(client, name)
    get(client, "source-index", "?sort=incidents")
    assert set(namespaces) == {
        ("indexes", "organisations", "name"), ("indexes", "systems", "name"), ("indexes", "taxonomy"),
        ("indexes", "metrics"), ("indexes", "sources", "count"), ("indexes", "sources", "incidents"),
    }


def tree_counts(page: str) -> dict[str, int]:
    return {
        html.unescape(name): int(n)
        for name, n in re.findall(r'<a href="/taxonomy/[^"]+/">([^<]+)</a> <span class="taxonomy-tree__count">(\d+) incident', page)
    }


def test_taxonomy_counts_roll_up_to_broader_terms(client, world):
    page = get(client, "taxonomy-index")
    counts = tree_counts(page)
    # The first incident is under Child A and the Grandchild: once under the parent.
    # The draft, under Child B and the parent itself, counts nowhere.
    assert counts == {"P Parent term": 2, "P.1 Child A": 2, "P.2 Child B": 1, "P.2.1 Grandchild": 1}
    # Narrower terms are nested inside their parent's item: a list for the
    # scheme, one for the parent's children, one for Child B's.
    assert page.count('<ul class="taxonomy-tree">') == 3
    positions = [page.index(name) for name in ("P Parent term", "P.1 Child A", "P.2 Child B", "P.2.1 Grandchild")]
    assert positions == sorted(positions)


def test_a_term_page_lists_the_incidents_of_the_terms_below_it(client, world):
    page = client.get(world["parent"].get_absolute_url()).content.decode()
    assert "First public incident" in page and "Second public incident" in page
    assert "Draft incident" not in page
    assert page.count("First public incident") == 1  # under two narrower terms, listed once
    assert client.get(world["child_b"].get_absolute_url()).content.decode().count("First public incident") == 1
    narrower = page.split('id="children-heading"')[1].split("</section>")[0]
    assert "Child A" in narrower and "Child B" in narrower and "Grandchild" not in narrower  # direct children only


def test_a_broader_term_filter_matches_incidents_under_narrower_terms(client, world):
    page = client.get(reverse("incident-list") + "?taxonomy=parent-term").content.decode()
    assert "First public incident" in page and "Second public incident" in page
    page = client.get(reverse("incident-list") + "?taxonomy=child-b").content.decode()
    assert "First public incident" in page and "Second public incident" not in page


def names_in_order(client, name, query):
    return [row["name"] for row in table_rows(get(client, name, query))]


def test_each_index_sorts_by_name_and_by_incidents(client, world):
    by_name = names_in_order(client, "organisation-index", "?sort=name")
    assert by_name == sorted(by_name, key=str.casefold)
    by_count = names_in_order(client, "organisation-index", "?sort=incidents")
    assert by_count[:2] == ["Shared Lab", "Zeta Solo Lab"]  # 2, then 1 (before the names with 0)
    assert by_name != by_count
    assert names_in_order(client, "organisation-index", "?sort=newest")[0] == "Lonely Lab"  # made last

    assert names_in_order(client, "source-index", "?sort=incidents")[0] == "Cited source"
    newest_sources = names_in_order(client, "source-index", "")
    assert newest_sources[-1] == "Source recorded on its own"  # no date: last
    assert names_in_order(client, "metric-index", "?sort=measurements") == ["Blackmail rate", "Unmeasured rate"]
    assert names_in_order(client, "metric-index", "?sort=name")[0] == "Blackmail rate"


def test_the_sorted_column_says_so_and_bad_sorts_fall_back_to_the_default(client, world):
    page = get(client, "organisation-index", "?sort=incidents")
    assert re.search(r'<th scope="col" class="num" aria-sort="descending"><a class="sort-link" href="\?sort=incidents">Incidents', page)
    assert page.count("aria-sort=") == 1
    assert "sorted by most incidents" in page
    assert '<strong aria-current="true">Most incidents</strong>' in page
    for name in INDEXES:
        for bad in ("?sort=bogus", "?sort=", "?sort=name&sort=%00", "?sort=" + "x" * 5000, "?page=abc", "?page=-3"):
            response = client.get(reverse(name) + bad)
            assert response.status_code == 200, (name, bad)
    assert names_in_order(client, "organisation-index", "?sort=bogus") == names_in_order(client, "organisation-index", "")


def test_long_indexes_are_paged(client, world, monkeypatch):
    monkeypatch.setattr("incidents.indexes.INDEX_PAGE_SIZE", 2)
    first_page = names_in_order(client, "organisation-index", "?sort=name")
    second_page = names_in_order(client, "organisation-index", "?sort=name&page=2")
    assert len(first_page) == 2 and not set(first_page) & set(second_page)
    page = get(client, "organisation-index", "?sort=incidents")
    assert 'href="?sort=incidents&amp;page=2" rel="next"' in page
    # The sort links start again from the first page.
    assert 'href="?sort=name">' in get(client, "organisation-index", "?sort=incidents&page=2")
    assert len(second_page) == 1  # three public organisations
    # Five public sources: the cited one, the one on its own, and one per public measurement.
    assert len(names_in_order(client, "source-index", "?page=3")) == 1
    assert len(names_in_order(client, "source-index", "?sort=incidents&page=3")) == 1


def test_counts_follow_a_publication(client, world):
    """Counts are cached per data generation: publishing the draft changes them at once."""
    assert {r["name"]: r["cells"][-1] for r in table_rows(get(client, "organisation-index"))}["Shared Lab"] == "2"
    draft = world["draft"]
    draft.is_published = True
    draft.save()
    rows = {r["name"]: r["cells"][-1] for r in table_rows(get(client, "organisation-index"))}
    assert rows["Shared Lab"] == "3" and rows["Hidden Lab"] == "1"
    assert tree_counts(get(client, "taxonomy-index"))["P Parent term"] == 3


def add_entities(count):
    for n in range(count):
        incident = IncidentFactory()
        organisation = OrganisationFactory()
        IncidentOrganisationFactory(incident=incident, organisation=organisation)
        system = AISystemFactory(developer=organisation)
        IncidentSystemFactory(incident=incident, system=system)
        term = TaxonomyTermFactory(parent=TaxonomyTermFactory())
        incident.taxonomy.add(term)
        claim = ClaimFactory(incident=incident)
        MeasurementFactory(metric=MetricFactory(), evidence=EvidenceFactory(incident=incident, claim=claim), claim=claim,
                           system=system)


@pytest.mark.parametrize("count", [1, 8])
@pytest.mark.parametrize("name", INDEXES)
def test_index_stays_within_its_query_budget(client, world, django_assert_max_num_queries, name, count):
    add_entities(count)
    for query in ("", "?sort=incidents", "?page=2"):
        from django.core.cache import cache

        cache.clear()  # counted afresh: the cold case
        with django_assert_max_num_queries(BUDGETS[name]):
            response = client.get(reverse(name) + query)
        assert response.status_code == 200


def test_counts_are_read_once_per_generation(client, world, django_assert_num_queries, settings):
    """A repeated read of an index reads its page's rows (and a sources page
    their counts) and nothing it counted over a whole table (when the page
    is rendered again, not answered from the response cache)."""
    settings.RESPONSE_CACHE_SECONDS = 0
    warm = {"organisation-index": 1, "system-index": 1, "taxonomy-index": 1, "metric-index": 1, "source-index": 2}
    for name in INDEXES:
        client.get(reverse(name))
        with django_assert_num_queries(warm[name]):
            client.get(reverse(name))


def test_unpublishing_every_incident_empties_the_counts(client, world):
    Incident.objects.update(is_published=False)
    from incidents import generations

    generations.invalidate()
    assert [row["name"] for row in table_rows(get(client, "organisation-index"))] == ["Lonely Lab"]
    assert "<tbody>" not in get(client, "system-index")
    assert tree_counts(get(client, "taxonomy-index")) == {
        "P Parent term": 0, "P.1 Child A": 0, "P.2 Child B": 0, "P.2.1 Grandchild": 0,
    }


def test_taxonomy_index_lists_every_scheme_in_order(client, world):
    TaxonomyTermFactory(name="Domain term", scheme=TaxonomyTerm.Scheme.MIT_DOMAIN)
    page = get(client, "taxonomy-index")
    assert page.index("MIT AI Risk Repository domain") < page.index("Observed behaviour")


def test_taxonomy_sorted_by_incidents_puts_the_most_used_siblings_first(client, world):
    TaxonomyTermFactory(name="Child zero", slug="child-zero", code="P.0", parent=world["parent"])
    in_order = list(tree_counts(get(client, "taxonomy-index")))
    assert in_order.index("P.0 Child zero") < in_order.index("P.1 Child A")  # scheme order: by code
    by_count = list(tree_counts(get(client, "taxonomy-index", "?sort=incidents")))
    assert by_count.index("P.1 Child A") < by_count.index("P.2 Child B") < by_count.index("P.0 Child zero")
