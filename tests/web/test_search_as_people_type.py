"""Search behaves like a search box people know (issue 22): typos in words
and names, word prefixes, accents, multi-word names, and a correction when
nothing matches as typed; on the curated data the first run loads, and on
hand-made data for the rules themselves."""

import re

import pytest

from incidents.curated import load_curated
from incidents.search import corrected_search, refresh_search_vectors, search_incidents
from incidents.visibility import public_incidents
from tests.factories import (
    AISystemFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

ALIBABA = "Alibaba-affiliated ROME agent opened a reverse SSH tunnel and mined cryptocurrency during RL training"
BLACKMAIL = "Agentic misalignment: frontier models blackmailed a fictional executive to avoid being replaced"


def titles(client, query):
    response = client.get("/incidents/", {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    return page, re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a></h3>', page)


EXAMPLES = [
    ("alibba", ALIBABA),  # a typo in an organisation's name
    ("Alibaba Group", ALIBABA),  # a multi-word name as written
    ("crypto", ALIBABA),  # a word's beginning
    ("antropic", BLACKMAIL),  # a typo in a name that is also a word of the text
    ("blakmail", BLACKMAIL),  # a typo in a word
    ("blakmail executve", BLACKMAIL),  # two typos
    ("ANTHROPIC", BLACKMAIL),
    ("Claude Opus 4", BLACKMAIL),  # a multi-word AI system name
    ("lama 4 maverik", BLACKMAIL),  # and misspelt
    ("Gemini 2.5 Flash", BLACKMAIL),
]


def test_searches_people_type_find_the_curated_incidents(client):
    """(One test, because loading the curated data takes seconds.)"""
    load_curated(verbosity=0)
    missed = [(query, found) for query, expected in EXAMPLES if expected not in (found := titles(client, query)[1])]
    assert missed == []

    # A mistyped word: the page says what was searched instead.
    page, found = titles(client, "blakmail")
    assert 'id="search-correction"' in page
    assert "Showing results for" in page and '<a href="?q=blackmail">blackmail</a>' in page
    # With filters on, the link keeps them.
    filtered = client.get("/incidents/", {"q": "blakmail", "kind": "research-finding"}).content.decode()
    assert '<a href="?q=blackmail&amp;kind=research-finding">blackmail</a>' in filtered
    assert "for “blackmail”" in page  # the results count names the search that ran

    # Found as typed (words, or a name despite its typo): no correction.
    for query in ("blackmail", "alibba"):
        page, found = titles(client, query)
        assert found and 'id="search-correction"' not in page, query

    # Nothing resembles it: nothing found, nothing offered.
    page, found = titles(client, "zzqxv")
    assert found == [] and 'id="search-correction"' not in page


def test_accents_are_ignored_both_ways(client):
    IncidentFactory(title="Agent left the café network")
    IncidentFactory(title="Cafe menu agent rewrote prices")
    IncidentFactory(title="Something else")
    refresh_search_vectors()
    assert sorted(titles(client, "cafe")[1]) == ["Agent left the café network", "Cafe menu agent rewrote prices"]
    assert sorted(titles(client, "CAFÉ")[1]) == ["Agent left the café network", "Cafe menu agent rewrote prices"]


def test_a_word_matches_as_a_prefix_but_short_words_only_as_written(client):
    IncidentFactory(title="Cryptocurrency mined on training servers")
    IncidentFactory(title="An aim was set", body="Nothing more.")
    refresh_search_vectors()
    page, found = titles(client, "crypto")
    assert found == ["Cryptocurrency mined on training servers"]
    assert 'id="search-correction"' not in page  # found as a prefix, not by correcting the word
    assert titles(client, "cryptocurrency")[1] == ["Cryptocurrency mined on training servers"]
    # "ai" is not a prefix search: it would match "aim".
    assert titles(client, "ai")[1] == []


def test_a_correction_is_only_offered_when_it_finds_published_incidents():
    """The vocabulary holds the words of drafts too; a correction to a word
    found only in a draft would tell the public the draft exists."""
    IncidentFactory(title="Exfiltration of weights", is_published=False)
    IncidentFactory(title="Blackmail of an executive")
    refresh_search_vectors()
    assert corrected_search(public_incidents(), "exfiltraton") is None
    assert list(search_incidents(public_incidents(), "exfiltraton")) == []
    assert corrected_search(public_incidents(), "blackmial") == "blackmail"


def test_the_second_best_correction_is_tried_when_the_best_finds_nothing_public():
    IncidentFactory(title="Blackmarket dealings", is_published=False)  # "blackmarket": nearest to "blackmarkt"
    IncidentFactory(title="Blackmail of an executive")
    refresh_search_vectors()
    assert corrected_search(public_incidents(), "blackmarkt") == "blackmail"


def test_searches_with_operators_are_run_as_written():
    IncidentFactory(title="Blackmail of an executive")
    refresh_search_vectors()
    assert corrected_search(public_incidents(), '"blakmail executive"') is None


def test_the_vocabulary_follows_each_saved_incident_and_names():
    from incidents.models import SearchWord

    incident = IncidentFactory(title="Quokka incident")
    IncidentOrganisationFactory(incident=incident, organisation=OrganisationFactory(name="Zyxwar Labs"))
    refresh_search_vectors([incident.pk])
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"quokka", "incident", "zyxwar", "labs"} <= words
    # Numbers, one- and two-letter words are not words to correct to.
    assert not any(len(word) < 3 or not word.isalpha() for word in words)
    refresh_search_vectors()
    assert {"quokka", "zyxwar"} <= set(SearchWord.objects.values_list("word", flat=True))


def test_a_name_linked_only_to_unpublished_incidents_is_no_correction():
    draft = IncidentFactory(title="Unannounced case", is_published=False)
    IncidentOrganisationFactory(incident=draft, organisation=OrganisationFactory(name="Quantexa"))
    IncidentFactory(title="Fraud ring")
    refresh_search_vectors()
    for query in ("qantexa", "qantexa fraud", "qantexa fraud ring"):
        assert corrected_search(public_incidents(), query) is None, query
        assert list(search_incidents(public_incidents(), query)) == []


def test_the_api_runs_a_search_as_given(client):
    IncidentFactory(title="Blackmail of an executive")
    refresh_search_vectors()
    assert client.get("/incidents/", {"q": "blakmail"}).content.decode().count('class="card__title"') == 1
    response = client.get("/api/v1/incidents/", {"q": "blakmail"})
    assert response.status_code == 200 and response.json()["results"] == []
    assert len(client.get("/api/v1/incidents/", {"q": "blackm"}).json()["results"]) == 1


def test_the_vocabulary_holds_only_what_the_public_may_see():
    from incidents.models import SearchWord

    def words():
        return set(SearchWord.objects.values_list("word", flat=True))

    draft = IncidentFactory(title="Quokkas exfiltrated", body="Nothing.", summary="Nothing.", is_published=False)
    IncidentOrganisationFactory(incident=draft, organisation=OrganisationFactory(name="Zyxwar Labs"))
    EvidenceFactory(incident=draft, quote="A platypus was seen.")
    IncidentSystemFactory(incident=draft, system=AISystemFactory(name="Numbat Model"))
    IncidentFactory(title="Public wombat", body="Nothing.", summary="Nothing.")
    OrganisationFactory(name="Solitary Institute")  # recorded on its own: public
    for refresh in (lambda: refresh_search_vectors(), lambda: refresh_search_vectors([draft.pk])):
        refresh()
        assert "wombat" in words() and "solitary" in words()
        assert not {"quokkas", "exfiltrated", "zyxwar", "platypus", "numbat"} & words()
    draft.is_published = True
    draft.save()
    refresh_search_vectors([draft.pk])
    assert {"quokkas", "exfiltrated", "zyxwar", "platypus", "numbat"} <= words()
