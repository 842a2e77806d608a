"""Incidents similar by text (incidents.similar), listed on an incident's
page apart from the related incidents editors linked by hand."""

import pytest
from django.db import connection
from django.db.models import Q

from incidents import generations, visibility
from incidents.models import IncidentRelation
from incidents.search import refresh_search_vectors
from incidents.similar import similar_incidents
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def make(title, summary, **fields):
    return IncidentFactory(title=title, summary=summary, body="", **fields)


@pytest.fixture
def corpus(db):
    entries = {
        "seed": make("Agent mined cryptocurrency through a reverse tunnel",
                     "The agent opened a reverse tunnel and mined cryptocurrency on training GPUs."),
        "close": make("Another agent mined cryptocurrency via a tunnel",
                      "A second agent mined cryptocurrency after opening a tunnel."),
        "loose": make("Cryptocurrency prices fell", "Markets moved; no agent was involved."),
        "unrelated": make("Model wrote insecure code after fine-tuning", "Emergent misalignment in a chat model."),
        "draft": make("Draft: agent mined cryptocurrency through a tunnel", "Mined cryptocurrency, tunnel.",
                      is_published=False),
        "linked": make("Linked by hand: agent mined cryptocurrency through a tunnel", "Mined cryptocurrency, tunnel."),
    }
    entries["merged"] = make("Merged: agent mined cryptocurrency through a tunnel", "Mined cryptocurrency, tunnel.",
                             merged_into=entries["unrelated"])
    refresh_search_vectors()
    with connection.cursor() as cursor:  # the word statistics the query reads, as autovacuum keeps them
        cursor.execute("ANALYZE incidents_incident")
    return entries


def ids(found):
    return [entry["public_id"] for entry in found]


def test_the_closest_comes_first_and_the_incident_itself_never(corpus):
    found = ids(similar_incidents(corpus["seed"]))
    assert found[0] in (corpus["close"].public_id, corpus["linked"].public_id)
    assert corpus["seed"].public_id not in found
    assert corpus["close"].public_id in found
    assert corpus["unrelated"].public_id not in found
    assert found.index(corpus["close"].public_id) < found.index(corpus["loose"].public_id)


def test_drafts_merged_entries_and_hand_picked_ones_are_left_out(corpus):
    found = ids(similar_incidents(corpus["seed"], exclude=[corpus["linked"].pk]))
    assert corpus["draft"].public_id not in found
    assert corpus["merged"].public_id not in found
    assert corpus["linked"].public_id not in found
    assert corpus["linked"].public_id in ids(similar_incidents(corpus["seed"]))


def test_no_more_than_five(db):
    seed = make("Sabotage of the grader by an agent", "The agent sabotaged the grader.")
    for n in range(8):
        make(f"Sabotage of the grader {n}", "An agent sabotaged a grader again.")
    refresh_search_vectors()
    assert len(similar_incidents(seed)) == 5


@pytest.mark.parametrize("words", [r"""'o''brien':1A 'd''arcy':2A""", r"""'back\\slash':1A 'fore\\slash':2A"""])
def test_words_with_quotes_and_backslashes_are_quoted(db, words):
    """The English parser splits words at such characters, but a vector
    stored by other means may hold them: the query must still parse, and
    find them."""
    seed, other = make("Seed", "Seed."), make("Other", "Other.")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_incident SET search_vector = %s::tsvector WHERE id IN (%s, %s)",
                       [words, seed.pk, other.pk])
    assert ids(similar_incidents(seed)) == [other.public_id]


def test_the_page_labels_them_apart_from_the_related_ones(client, corpus):
    IncidentRelation.objects.create(from_incident=corpus["seed"], to_incident=corpus["linked"], relation_type="related")
    page = client.get(corpus["seed"].get_absolute_url()).content.decode()
    related = page.split('id="related-heading"')[1].split("</section>")[0]
    similar = page.split('id="similar-heading">Similar by text</h2>')[1].split("</section>")[0]
    assert corpus["linked"].title in related and corpus["linked"].title not in similar
    assert corpus["close"].title in similar
    assert corpus["draft"].title not in page and corpus["merged"].title not in page
    assert '<a href="#similar">Similar by text</a>' in page


def test_an_answer_is_kept_until_the_data_changes(client, corpus, django_assert_num_queries):
    similar_incidents(corpus["seed"])
    with django_assert_num_queries(0):
        similar_incidents(corpus["seed"])
    corpus["draft"].is_published = True
    corpus["draft"].save()
    refresh_search_vectors([corpus["draft"].pk])  # as after the commit (the instance held no vector)
    assert corpus["draft"].public_id in ids(similar_incidents(corpus["seed"]))


def test_the_public_rule_is_the_visibility_modules(corpus, monkeypatch):
    """Which incidents are hidden is read from incidents.visibility, not written again here."""
    assert corpus["close"].public_id in ids(similar_incidents(corpus["seed"]))
    monkeypatch.setattr(visibility, "HIDDEN", visibility.hidden_q() | Q(pk=corpus["close"].pk))
    generations.invalidate()
    found = ids(similar_incidents(corpus["seed"]))
    assert found and corpus["close"].public_id not in found
    assert corpus["draft"].public_id not in found and corpus["merged"].public_id not in found


def test_an_answer_is_remembered_through_the_generations_module(corpus, monkeypatch):
    remembered, calls = generations.remembered, []

    def recording(namespace, parts, compute):
        calls.append((namespace, *parts))
        return remembered(namespace, parts, compute)

    monkeypatch.setattr(generations, "remembered", recording)
    similar_incidents(corpus["seed"], exclude=[corpus["linked"].pk])
    assert calls == [("similar-by-text", corpus["seed"].pk, sorted([corpus["seed"].pk, corpus["linked"].pk]))]
