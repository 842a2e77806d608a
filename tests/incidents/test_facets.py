"""Facet counts computed in one query agree with counting each value
separately through the ORM, for random data and random selections."""

import datetime
import random

import pytest
from django.http import QueryDict

from incidents.facets import facet_counts, parse_facets
from incidents.generations import generation_key
from incidents.models import Incident, IncidentOrganisation, IncidentSystem, TaxonomyTerm
from incidents.search import refresh_search_vectors, search_incidents
from incidents.visibility import public_incidents
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def random_catalogue(db):
    """Forty incidents with random kinds, statuses, severities, settings,
    years (some unknown), parties in several roles, taxonomy terms and
    verdicts; a few unpublished or merged, which no count may include."""
    rng = random.Random(7)
    organisations = [OrganisationFactory(name=f"Org {i}", slug=f"org-{i}") for i in range(4)]
    systems = [AISystemFactory(name=f"System {i}", slug=f"system-{i}") for i in range(3)]
    terms = [
        TaxonomyTermFactory(name=f"Term {i}", slug=f"term-{i}", scheme=rng.choice(TaxonomyTerm.Scheme.values))
        for i in range(4)
    ]
    incidents = []
    for i in range(40):
        year = rng.choice([None, 2023, 2024, 2025])
        incident = IncidentFactory(
            title=f"Entry {i}",
            summary=rng.choice(["A model lied.", "A model copied its weights.", "An agent mined coins."]),
            kind=rng.choice(Incident.Kind.values),
            status=rng.choice(Incident.Status.values),
            severity=rng.randint(1, 5),
            setting=rng.choice(Incident.Setting.values),
            occurred_on=datetime.date(year, 1, 1) if year else None,
            is_published=rng.random() > 0.1,
        )
        for organisation in rng.sample(organisations, rng.randint(0, 2)):
            for role in rng.sample(IncidentOrganisation.Role.values, rng.randint(1, 2)):
                IncidentOrganisationFactory(incident=incident, organisation=organisation, role=role)
        for system in rng.sample(systems, rng.randint(0, 2)):
            for role in rng.sample(IncidentSystem.Role.values, rng.randint(1, 2)):
                IncidentSystemFactory(incident=incident, system=system, role=role)
        incident.taxonomy.add(*rng.sample(terms, rng.randint(0, 3)))
        if rng.random() < 0.3:
            make_verdict(ClaimFactory(incident=incident))
        incidents.append(incident)
    for merged in incidents[:2]:
        merged.merged_into = incidents[-1]
        merged.save()
    refresh_search_vectors()
    return rng


def random_query(rng) -> QueryDict:
    choices = {
        "kind": Incident.Kind.values,
        "status": Incident.Status.values,
        "severity": ["1", "2", "3", "4", "5"],
        "setting": Incident.Setting.values,
        "year": ["2023", "2024", "2025"],
        "reproduction": ["yes", "no"],
        "taxonomy": [f"term-{i}" for i in range(4)],
        "organisation": [f"org-{i}" for i in range(4)],
        "system": [f"system-{i}" for i in range(3)],
    }
    query = QueryDict(mutable=True)
    for param in rng.sample(sorted(choices), rng.randint(0, 4)):
        query.setlist(param, rng.sample(choices[param], rng.randint(1, 2)))
    return query


def test_counts_match_counting_each_value_alone(random_catalogue):
    rng = random_catalogue
    for _ in range(25):
        query = random_query(rng)
        text = rng.choice(["", "model", "weights OR coins"])
        base = search_incidents(public_incidents(), text) if text else public_incidents()
        selection = parse_facets(query)
        total, results = facet_counts(base, selection)

        assert total == base.filter(selection.q()).distinct().count(), (text, query)
        for result, facet in zip(results, selection.facets):
            under_others = base.filter(selection.q(except_param=facet.param))
            for shown in result.values:
                value = int(shown.value) if facet.param in ("severity", "year") else shown.value
                expected = under_others.filter(facet.q([value])).distinct().count()
                assert shown.count == expected, (text, query.urlencode(), facet.param, shown.value)
            # Every value with a result is shown (the catalogue has fewer
            # related values than the facet shows at most).
            shown_values = {v.value for v in result.values if v.count}
            if facet.param in ("taxonomy", "organisation", "system"):
                slugs = facet.target_model.objects.values_list("slug", flat=True)
                expected_values = {slug for slug in slugs if under_others.filter(facet.q([slug])).exists()}
                assert shown_values == expected_values, (text, query.urlencode(), facet.param)


def test_a_change_starts_another_generation_when_its_transaction_commits(db, django_capture_on_commit_callbacks):
    # Between a save and its commit other processes still read the old data;
    # what they count then must not be taken for the new data's counts. (An
    # organisation link: an incident's own save also refreshes its search
    # vector after commit, which starts a generation too.)
    incident, organisation = IncidentFactory(), OrganisationFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        IncidentOrganisationFactory(incident=incident, organisation=organisation)
        key_before_commit = generation_key("counts")
    assert callbacks
    for callback in callbacks:
        callback()
    assert generation_key("counts") != key_before_commit
