"""What starts a new data generation (incidents.generations): every change
to what cached counts, rankings and pages are read from."""

import pytest

from incidents import generations
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
    TaxonomyTermFactory,
)
from tests.web.conftest import make_verdict

FOLLOWED = {
    "incident": IncidentFactory,
    "organisation link": IncidentOrganisationFactory,
    "system link": IncidentSystemFactory,
    "organisation": OrganisationFactory,
    "AI system": AISystemFactory,
    "taxonomy term": TaxonomyTermFactory,
    "claim": ClaimFactory,
    "evidence": EvidenceFactory,
}


def changes_generation(act) -> bool:
    before = generations.current()
    act()
    return generations.current() != before


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FOLLOWED)
def test_saving_or_deleting_a_followed_row_starts_a_new_generation(kind):
    row = FOLLOWED[kind]()
    assert changes_generation(row.save), f"saving a {kind}"
    if kind in {"organisation", "AI system", "taxonomy term"}:
        return  # protected while linked; deleting an unlinked one is the same signal
    assert changes_generation(row.delete), f"deleting a {kind}"


@pytest.mark.django_db
def test_a_verdict_and_a_taxonomy_change_start_a_new_generation():
    incident = IncidentFactory()
    assert changes_generation(lambda: incident.taxonomy.add(TaxonomyTermFactory()))
    claim = ClaimFactory(incident=incident)
    assert changes_generation(lambda: make_verdict(claim))


@pytest.mark.django_db
def test_a_generation_is_kept_while_nothing_changes():
    IncidentFactory()
    assert not changes_generation(lambda: IncidentFactory.build())
