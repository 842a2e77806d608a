"""A taxonomy term covers its narrower terms (incidents.taxonomy): its page,
its filter and every count beside it include the incidents under the terms
below it, each incident once; and the year facet files an incident under
the year it occurred or, where that is not known, the year it was reported."""

import datetime
import random

import pytest
from django.http import QueryDict
from django.urls import reverse

from incidents.curated import load_curated
from incidents.facets import facet_counts, parse_facets
from incidents.models import TaxonomyTerm
from incidents.taxonomy import below, subtrees
from incidents.visibility import public_incidents
from tests.factories import IncidentFactory, TaxonomyTermFactory

pytestmark = pytest.mark.django_db

SAFETY = "mit-7-ai-system-safety-failures-limitations"


def facet(results, param):
    return {value.value: value.count for value in next(r for r in results if r.param == param).values}


@pytest.fixture
def tree(db):
    """root > (a > a1 > a11, b); six incidents, one a draft, spread over them."""
    root = TaxonomyTermFactory(slug="root", code="R")
    a = TaxonomyTermFactory(slug="a", code="R.1", parent=root)
    a1 = TaxonomyTermFactory(slug="a1", code="R.1.1", parent=a)
    a11 = TaxonomyTermFactory(slug="a11", code="R.1.1.1", parent=a1)
    b = TaxonomyTermFactory(slug="b", code="R.2", parent=root)
    other = TaxonomyTermFactory(slug="other", scheme=TaxonomyTerm.Scheme.MIT_DOMAIN)
    rng = random.Random(3)
    terms = [root, a, a1, a11, b, other]
    for n in range(30):
        incident = IncidentFactory(is_published=n % 7 != 0)
        incident.taxonomy.add(*rng.sample(terms, rng.randint(0, 3)))
    return {term.slug: term for term in terms}


def test_subtrees_reach_every_depth(tree):
    found = subtrees(["a", "b", "missing"])
    assert set(found) == {"a", "b"}
    assert sorted(found["a"]["ids"]) == sorted(t.pk for t in (tree["a"], tree["a1"], tree["a11"]))
    assert found["b"]["ids"] == [tree["b"].pk]
    assert {t.slug for t in below(tree["root"])} == {"a", "a1", "a11", "b"}
    assert below(tree["a11"]) == []


def test_a_term_counts_the_distinct_public_incidents_at_or_below_it(tree):
    _, results = facet_counts(public_incidents(), parse_facets(QueryDict("")))
    counts = facet(results, "taxonomy")
    for slug, term in tree.items():
        ids = [term.pk] + [t.pk for t in below(term)]
        expected = public_incidents().filter(taxonomy__in=ids).distinct().count()
        assert counts.get(slug, 0) == expected, slug
    assert counts["root"] > counts["a"] > 0


def test_counts_match_filtering_under_every_selection(tree):
    """As tests/incidents/test_facets.py, with terms nested: the count beside
    a term is what ticking it (with the other filters) would list."""
    rng = random.Random(11)
    for _ in range(20):
        query = QueryDict(mutable=True)
        query.setlist("taxonomy", rng.sample(sorted(tree), rng.randint(0, 2)))
        if rng.random() < 0.5:
            query.setlist("severity", ["3"])
        selection = parse_facets(query)
        total, results = facet_counts(public_incidents(), selection)
        assert total == public_incidents().filter(selection.q()).count(), query.urlencode()
        taxonomy_facet = next(f for f in selection.facets if f.param == "taxonomy")
        under_others = public_incidents().filter(selection.q(except_param="taxonomy"))
        for slug, count in facet(results, "taxonomy").items():
            assert count == under_others.filter(taxonomy_facet.q([slug])).count(), (query.urlencode(), slug)


def test_a_term_filter_matches_the_terms_below_it(tree):
    child_only = IncidentFactory(title="Only under the deepest term")
    child_only.taxonomy.add(tree["a11"])
    for slug in ("root", "a", "a1", "a11"):
        assert child_only in public_incidents().filter(parse_facets(QueryDict(f"taxonomy={slug}")).q()), slug
    assert child_only not in public_incidents().filter(parse_facets(QueryDict("taxonomy=b")).q())


def test_year_is_when_it_occurred_else_when_it_was_reported(db):
    IncidentFactory(occurred_on=datetime.date(2023, 5, 1), reported_on=datetime.date(2025, 1, 2))
    IncidentFactory(occurred_on=None, reported_on=datetime.date(2024, 3, 1))
    IncidentFactory(occurred_on=None, reported_on=datetime.date(2024, 9, 1))
    IncidentFactory(occurred_on=None, reported_on=None)  # no year at all
    IncidentFactory(occurred_on=None, reported_on=datetime.date(2022, 1, 1), is_published=False)
    _, results = facet_counts(public_incidents(), parse_facets(QueryDict("")))
    assert facet(results, "year") == {"2024": 2, "2023": 1}
    assert public_incidents().filter(parse_facets(QueryDict("year=2024")).q()).count() == 2
    assert public_incidents().filter(parse_facets(QueryDict("year=2025")).q()).count() == 0


def test_curated_safety_domain_counts_the_incidents_of_its_subdomains(client):
    """The curated top-level "7 AI System Safety" has no incident of its
    own; eight of the nine sit under its subdomains. (One load of the
    curated fixtures for all the checks: it takes seconds.)"""
    load_curated(verbosity=0)
    client.raise_request_exception = True
    safety = TaxonomyTerm.objects.get(slug=SAFETY)
    assert not safety.incidents.exists()
    assert public_incidents().count() == 9

    page = client.get(safety.get_absolute_url())
    assert page.context["page"].paginator.count == 8
    assert {i.public_id for i in page.context["page"].object_list} == set(
        public_incidents().filter(taxonomy__parent=safety).values_list("public_id", flat=True)
    )

    _, results = facet_counts(public_incidents(), parse_facets(QueryDict("")))
    assert facet(results, "taxonomy")[SAFETY] == 8
    listed = client.get(reverse("incident-list") + f"?taxonomy={SAFETY}")
    assert listed.context["search"].total == 8

    index = client.get(reverse("taxonomy-index")).content.decode()
    assert f'<a href="/taxonomy/{SAFETY}/">7 AI System Safety, Failures, &amp; Limitations</a> ' \
           '<span class="taxonomy-tree__count">8 incidents</span>' in index

    # Nine entries from 2022 to 2026, eight with no date of occurrence: each
    # is filed under the year it was reported.
    assert facet(results, "year") == {"2026": 1, "2025": 5, "2024": 1, "2023": 1, "2022": 1}
    listed = client.get(reverse("incident-list") + "?year=2024")
    assert listed.context["search"].total == 1
