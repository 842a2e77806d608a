"""A saved change starts its new data generation once, after everything it
wrote (the search vector included): a second generation milliseconds later
made every page read in between be rendered twice."""

import pytest
from django.db import transaction

from incidents import generations, search
from tests.factories import EvidenceFactory, IncidentFactory


@pytest.fixture
def events(monkeypatch):
    seen = []
    new, refresh = generations._new, search.refresh_search_vectors

    def counted_new():
        seen.append("generation")
        new()

    def counted_refresh(*args, **kwargs):
        seen.append("search vector")
        refresh(*args, **kwargs)

    monkeypatch.setattr(generations, "_new", counted_new)
    monkeypatch.setattr("incidents.signals.refresh_search_vectors", counted_refresh)
    return seen


@pytest.mark.django_db(transaction=True)
def test_a_save_outside_a_transaction_starts_one_generation_after_its_search_vector(events):
    incident = IncidentFactory()
    events.clear()
    incident.summary = "It mined Monero."
    incident.save()
    assert events == ["search vector", "generation"]


@pytest.mark.django_db(transaction=True)
def test_evidence_saved_outside_a_transaction_ends_with_a_generation_after_its_search_vector(events):
    incident = IncidentFactory()
    events.clear()
    EvidenceFactory(incident=incident)  # its source and claim first, each a change of its own
    assert events[-2:] == ["search vector", "generation"]
    assert events.count("search vector") == 1


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_the_last_generation_comes_after_the_search_vector(events):
    incident = IncidentFactory()
    events.clear()
    with transaction.atomic():
        incident.summary = "It mined Monero."
        incident.save()
        assert events == ["generation"]  # readers in this transaction see the change at once
    assert events == ["generation", "search vector", "generation"]


def test_refreshing_search_vectors_by_itself_starts_a_generation(db):
    before = generations.current()
    search.refresh_search_vectors([])
    assert generations.current() != before
