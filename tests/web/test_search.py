"""The incident list: full-text search, typo-tolerant names, facets with
counts, sorting, pagination and shareable URLs."""

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import TaxonomyTerm
from incidents.search import refresh_search_vectors
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

pytestmark = pytest.mark.django_db


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def result_titles(page):
    return re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a></h3>', page)


def facet(page, param):
    """{value: (count, checked)} of one facet's checkboxes."""
    block = page.split(f'id="facet-{param}"')[1].split("</fieldset>")[0]
    found = {}
    for match in re.finditer(
        r'<input type="checkbox" name="[^"]+" value="([^"]+)"( checked)?>.*?\((\d+)\)</span>', block, re.S
    ):
        found[match.group(1)] = (int(match.group(3)), bool(match.group(2)))
    return found


def indexed(fn):
    result = fn()
    refresh_search_vectors()
    return result


# Full-text search


def test_search_finds_words_in_title_summary_body_and_evidence_quotes(client):
    def build():
        return {
            "title": IncidentFactory(title="Kangaroo in the title"),
            "summary": IncidentFactory(summary="A kangaroo in the summary."),
            "body": IncidentFactory(body="A kangaroo in the body."),
            "quote": EvidenceFactory(quote="a kangaroo in a quote").incident,
        }

    found = indexed(build)
    IncidentFactory(title="Nothing to see")
    refresh_search_vectors()
    titles = result_titles(get(client, "/incidents/?q=kangaroo"))
    assert titles == [found[k].title for k in ["title", "summary", "body", "quote"]]


def test_search_ranks_title_matches_above_body_matches_and_highlights_snippets(client):
    indexed(lambda: (
        IncidentFactory(title="Unrelated heading", summary="The model resorted to blackmail.", reported_on=datetime.date(2025, 12, 30)),
        IncidentFactory(title="Blackmail in a simulated company", summary="Other words.", reported_on=datetime.date(2020, 1, 1)),
    ))
    page = get(client, "/incidents/?q=blackmail")
    assert result_titles(page) == ["Blackmail in a simulated company", "Unrelated heading"]
    assert "resorted to <mark>blackmail</mark>" in page


def test_snippets_escape_editor_html_but_keep_highlights(client):
    indexed(lambda: IncidentFactory(summary="When 1 < 2 & x > 3 <b onclick=x>bold</b> a tunnel opened."))
    page = get(client, "/incidents/?q=tunnel")
    assert "1 &lt; 2 &amp; x &gt; 3" in page
    assert "<b onclick" not in page
    assert "<mark>tunnel</mark>" in page


def test_search_uses_the_stored_vector_not_a_per_request_computation(client):
    indexed(lambda: IncidentFactory(title="Reverse SSH tunnel"))
    with CaptureQueriesContext(connection) as queries:
        get(client, "/incidents/?q=tunnel")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"search_vector" @@' in sql
    assert "to_tsvector" not in sql


def test_web_search_syntax_phrases_or_and_exclusion(client):
    indexed(lambda: (
        IncidentFactory(title="Reverse tunnel opened", body=""),
        IncidentFactory(title="Tunnel reverse order", body=""),
        IncidentFactory(title="Crypto mining found", body=""),
    ))
    assert result_titles(get(client, '/incidents/?q="reverse+tunnel"')) == ["Reverse tunnel opened"]
    assert sorted(result_titles(get(client, "/incidents/?q=crypto+OR+opened"))) == ["Crypto mining found", "Reverse tunnel opened"]
    assert result_titles(get(client, "/incidents/?q=tunnel+-order")) == ["Reverse tunnel opened"]


# Trigram matching of names


def test_the_extensions_search_needs_are_installed():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        assert {"pg_trgm", "unaccent"} <= {name for (name,) in cursor.fetchall()}


def test_a_typo_in_an_organisation_name_finds_its_incidents(client):
    def build():
        incident = IncidentFactory(title="Agent mined cryptocurrency on training GPUs")
        IncidentOrganisationFactory(incident=incident, organisation=OrganisationFactory(name="Alibaba"))
        IncidentFactory(title="Something else entirely")

    indexed(build)
    page = get(client, "/incidents/?q=alibba")
    assert result_titles(page) == ["Agent mined cryptocurrency on training GPUs"]


def test_a_typo_in_a_system_name_or_title_still_matches(client):
    def build():
        incident = IncidentFactory(title="Self-exfiltration attempt")
        IncidentSystemFactory(incident=incident, system=AISystemFactory(name="Claude Opus"))
        IncidentFactory(title="Blackmail in a simulated company")

    indexed(build)
    assert result_titles(get(client, "/incidents/?q=claud+opsu")) == ["Self-exfiltration attempt"]
    assert result_titles(get(client, "/incidents/?q=blackmial")) == ["Blackmail in a simulated company"]


def test_a_search_matching_names_only_lists_their_incidents_newest_first_without_searching_the_page_again(client):
    def build():
        claude = AISystemFactory(name="Claude Opus")
        for title, year in [("Older sabotage", 2023), ("Newer sabotage", 2025), ("Middle sabotage", 2024)]:
            incident = IncidentFactory(title=title, reported_on=datetime.date(year, 3, 1))
            IncidentSystemFactory(incident=incident, system=claude)
        IncidentFactory(title="Unrelated blackmail", reported_on=datetime.date(2026, 1, 1))

    indexed(build)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        page = get(client, "/incidents/?q=claude")
    # No incident has the word: every rank would be 0, so the list's own order.
    assert result_titles(page) == ["Newer sabotage", "Middle sabotage", "Older sabotage"]
    rows = [q["sql"] for q in queries if q["sql"].startswith('SELECT "incidents_incident"."id", ')]
    assert rows and not [sql for sql in rows if "@@" in sql or "incidents_incidentsystem" in sql]
    assert not [q for q in queries if "ts_rank" in q["sql"]]  # nothing to rank


# Facets


@pytest.fixture
def catalogue(db):
    """Six incidents across kinds, severities, years, parties and taxonomy."""
    acme, globex = OrganisationFactory(name="Acme", slug="acme"), OrganisationFactory(name="Globex", slug="globex")
    bot = AISystemFactory(name="Bot", slug="bot")
    harm = TaxonomyTermFactory(name="Harm", slug="harm", scheme=TaxonomyTerm.Scheme.MIT_DOMAIN)
    deception = TaxonomyTermFactory(name="Deception", slug="deception")
    rows = [
        ("A", "incident", 5, 2025, acme, True),
        ("B", "incident", 3, 2024, acme, False),
        ("C", "research-finding", 5, 2025, globex, False),
        ("D", "research-finding", 2, 2025, acme, False),
        ("E", "hazard", 1, 2023, globex, False),
        ("F", "incident", 4, 2025, globex, False),
    ]
    made = {}
    for title, kind, severity, year, org, reproduced in rows:
        incident = IncidentFactory(
            title=f"Entry {title}", kind=kind, severity=severity, occurred_on=datetime.date(year, 1, 1),
            reported_on=datetime.date(year, 6, 1),
        )
        IncidentOrganisationFactory(incident=incident, organisation=org)
        if title in "ABC":
            IncidentSystemFactory(incident=incident, system=bot)
            incident.taxonomy.add(harm)
        if title in "AD":
            incident.taxonomy.add(deception)
        if reproduced:
            make_verdict(ClaimFactory(incident=incident))
        made[title] = incident
    refresh_search_vectors()
    return made


def test_facets_show_counts_for_every_offered_dimension(client, catalogue):
    page = get(client, "/incidents/")
    assert facet(page, "kind") == {"incident": (3, False), "research-finding": (2, False), "hazard": (1, False)}
    assert facet(page, "severity")["5"] == (2, False)
    assert facet(page, "year") == {"2025": (4, False), "2024": (1, False), "2023": (1, False)}
    assert facet(page, "organisation") == {"acme": (3, False), "globex": (3, False)}
    assert facet(page, "system") == {"bot": (3, False)}
    assert facet(page, "taxonomy") == {"harm": (3, False), "deception": (2, False)}
    assert facet(page, "reproduction") == {"yes": (1, False), "no": (5, False)}
    assert facet(page, "setting")["training"] == (6, False)
    assert facet(page, "status")["reported"] == (6, False)


def test_taxonomy_facet_groups_values_by_scheme(client, catalogue):
    page = get(client, "/incidents/")
    block = page.split('id="facet-taxonomy"')[1].split("</fieldset>")[0]
    groups = re.findall(r'<p class="facet__group">([^<]+)</p>', block)
    assert len(groups) == 2


def test_two_facets_combine_with_and_values_within_one_with_or(client, catalogue):
    page = get(client, "/incidents/?kind=incident&organisation=acme")
    assert sorted(result_titles(page)) == ["Entry A", "Entry B"]
    page = get(client, "/incidents/?kind=incident&kind=hazard&organisation=globex")
    assert sorted(result_titles(page)) == ["Entry E", "Entry F"]


def test_facet_counts_are_disjunctive(client, catalogue):
    """A facet's counts ignore its own selection and respect the others."""
    page = get(client, "/incidents/?kind=incident&organisation=acme")
    assert facet(page, "kind") == {"incident": (2, True), "research-finding": (1, False), "hazard": (0, False)}
    assert facet(page, "organisation") == {"acme": (2, True), "globex": (1, False)}
    assert "2 results" in page


def test_year_reproduction_taxonomy_and_system_facets_filter(client, catalogue):
    assert sorted(result_titles(get(client, "/incidents/?year=2025&severity=5"))) == ["Entry A", "Entry C"]
    assert result_titles(get(client, "/incidents/?reproduction=yes")) == ["Entry A"]
    assert len(result_titles(get(client, "/incidents/?reproduction=no"))) == 5
    assert sorted(result_titles(get(client, "/incidents/?taxonomy=deception&system=bot"))) == ["Entry A"]


def test_facets_apply_to_search_results(client, catalogue):
    page = get(client, "/incidents/?q=entry&kind=research-finding")
    assert sorted(result_titles(page)) == ["Entry C", "Entry D"]


def test_active_filters_can_be_removed_one_at_a_time(client, catalogue):
    page = get(client, "/incidents/?q=entry&kind=incident&organisation=acme&page=1")
    chips = re.findall(r'<a href="(\?[^"]+)" class="chip">([^<]+)', page)
    labels = [label.strip() for _, label in chips]
    assert labels == ["Kind: Incident", "Organisation: Acme"]
    remove_kind = parse_qs(urlparse(chips[0][0].replace("&amp;", "&")).query)
    assert remove_kind == {"q": ["entry"], "organisation": ["acme"]}


# Sorting, pagination, bookmarkable state


def test_sorting_by_date_and_severity(client, catalogue):
    by_date = result_titles(get(client, "/incidents/?sort=date"))
    assert by_date[-1] == "Entry E" and by_date[-2] == "Entry B"
    by_severity = result_titles(get(client, "/incidents/?sort=severity"))
    assert by_severity[:2] in (["Entry A", "Entry C"], ["Entry C", "Entry A"])
    assert by_severity[-1] == "Entry E"


def test_pagination_keeps_the_search_state_in_the_url(client):
    indexed(lambda: [IncidentFactory(title=f"Tunnel case {n}", reported_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n)) for n in range(45)])
    first = get(client, "/incidents/?q=tunnel&kind=incident&sort=date")
    assert len(result_titles(first)) == 20
    assert "Page 1 of 3" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(next_link).query) == {"q": ["tunnel"], "kind": ["incident"], "sort": ["date"], "page": ["2"]}
    second = get(client, "/incidents/" + next_link)
    assert "Page 2 of 3" in second
    assert not set(result_titles(first)) & set(result_titles(second))
    last = get(client, "/incidents/?q=tunnel&kind=incident&sort=date&page=3")
    assert len(result_titles(last)) == 5


def test_pages_reach_a_bounded_number_of_results_and_say_where_the_rest_are(client, monkeypatch):
    monkeypatch.setattr("incidents.selectors.MAX_LISTED_RESULTS", 30)
    indexed(lambda: [IncidentFactory(title=f"Tunnel case {n}") for n in range(45)])
    first = get(client, "/incidents/?q=tunnel")
    assert "More than 30 results" in first  # counted no further than the pages reach
    assert "Page 1 of 2" in first
    assert "The pages reach the first" in first and "/api/docs/getting-started/" in first
    deep = get(client, "/incidents/?q=tunnel&page=3")  # past the reach: the last reachable page
    assert "Page 2 of 2" in deep
    assert len(result_titles(deep)) == 10
    few = get(client, "/incidents/?q=tunnel&page=1&kind=hazard")
    assert "The pages reach the first" not in few
    counted = get(client, "/incidents/?q=tunnel&counts=all")
    assert "45 results" in counted  # with the facets counted, the total is exact


def test_a_search_too_broad_to_count_first_sends_its_page_and_counts_its_filters_apart(client, monkeypatch, settings):
    settings.RESPONSE_CACHE_SECONDS = 0  # each request renders: the selectors' own caching is under test
    monkeypatch.setattr("incidents.selectors.MAX_LISTED_RESULTS", 30)
    indexed(lambda: [IncidentFactory(title=f"Tunnel case {n}", kind="incident") for n in range(35)]
            + [IncidentFactory(title=f"Tunnel hazard {n}", kind="hazard") for n in range(5)])
    page = get(client, "/incidents/?q=tunnel&kind=incident&sort=date&page=2")
    assert 'id="facet-kind"' not in page
    src = re.search(r'data-facets-src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert urlparse(src).path == "/incidents/filters/"
    assert parse_qs(urlparse(src).query) == {"q": ["tunnel"], "kind": ["incident"], "sort": ["date"]}
    link = re.search(r'<a href="(\?[^"]+)">Show the filters with their counts</a>', page).group(1)
    assert parse_qs(urlparse(link.replace("&amp;", "&")).query)["counts"] == ["all"]

    fragment = get(client, src)
    assert "<html" not in fragment
    assert facet(fragment, "kind")["incident"] == (35, True)
    assert facet(fragment, "kind")["hazard"] == (5, False)
    # Counted once, the filters come with the page from then on.
    again = get(client, "/incidents/?q=tunnel&kind=incident&sort=date&page=2")
    assert facet(again, "kind")["hazard"] == (5, False)
    assert "35 results" in again
    # Without JavaScript, the link counts them with the page.
    cache.clear()
    counted = get(client, "/incidents/?q=tunnel&kind=incident&counts=all")
    assert facet(counted, "kind")["incident"] == (35, True)


def test_a_search_with_more_matches_than_are_quick_to_count_sends_its_page_first_with_its_exact_total(
    client, monkeypatch
):
    monkeypatch.setattr("incidents.selectors.FACETS_WITH_PAGE_LIMIT", 3)
    indexed(lambda: [IncidentFactory(title=f"Tunnel case {n}") for n in range(5)])
    page = get(client, "/incidents/?q=tunnel")
    assert 'id="facet-kind"' not in page and "data-facets-src=" in page
    assert "5 results" in page and "More than" not in page
    narrow = get(client, "/incidents/?q=tunnel+case+1")
    assert 'id="facet-kind"' in narrow


def test_the_filters_fragment_takes_bad_input_like_the_list(client):
    fragment = get(client, "/incidents/filters/?q=" + "x" * 10_000 + "&kind=nonsense&year=abc&severity=9")
    assert 'id="facet-kind"' in fragment


def test_the_search_form_reflects_the_url_so_a_bookmark_restores_it(client, catalogue):
    page = get(client, "/incidents/?q=entry&kind=hazard&sort=severity")
    assert 'name="q" value="entry"' in page
    assert '<option value="severity" selected>' in page
    assert facet(page, "kind")["hazard"][1] is True


def test_relevance_sort_is_offered_only_for_a_search(client, catalogue):
    assert '<option value="relevance"' not in get(client, "/incidents/")
    assert '<option value="relevance" selected>' in get(client, "/incidents/?q=entry")


# Cached facet counts


def test_facet_counts_are_cached_across_pages_and_sorts_until_the_data_changes(client, catalogue):
    with CaptureQueriesContext(connection) as first:
        get(client, "/incidents/?kind=incident")
    with CaptureQueriesContext(connection) as again:
        page = get(client, "/incidents/?kind=incident&sort=severity&page=1")
    assert len(again) == len(first) - 2  # neither the bounded count of matches nor the counting query
    assert facet(page, "kind")["hazard"] == (1, False)

    IncidentFactory(title="Entry G", kind="hazard")  # a save starts a new generation
    page = get(client, "/incidents/?kind=incident")
    assert facet(page, "kind")["hazard"] == (2, False)
    assert facet(page, "taxonomy")["deception"] == (1, False)
    catalogue["A"].taxonomy.clear()  # so does a change of links
    assert "deception" not in facet(get(client, "/incidents/?kind=incident"), "taxonomy")


def test_each_search_has_its_own_cached_counts(client, catalogue):
    assert facet(get(client, "/incidents/?q=entry"), "kind")["incident"] == (3, False)
    get(client, "/incidents/?q=nothing+matches+this")
    assert "0 results" in get(client, "/incidents/?q=nothing+matches+this")
    assert facet(get(client, "/incidents/?q=entry"), "kind")["incident"] == (3, False)


def test_a_repeated_search_reads_its_page_by_cached_ids_until_the_data_changes(client, catalogue, settings):
    settings.RESPONSE_CACHE_SECONDS = 0  # each request renders: the selectors' own caching is under test
    first_page = result_titles(get(client, "/incidents/?q=entry&sort=severity"))
    with CaptureQueriesContext(connection) as again:
        assert result_titles(get(client, "/incidents/?q=entry&sort=severity")) == first_page
    paging = [q["sql"] for q in again if "LIMIT 20" in q["sql"]]
    assert paging == []  # no query ranked and cut the page: its ids came from the cache
    assert any('"incidents_incident"."id" IN (' in q["sql"] for q in again)
    assert set(first_page[:2]) == {"Entry A", "Entry C"}  # severity 5 first

    new = indexed(lambda: IncidentFactory(title="Entry Z", severity=5, reported_on=datetime.date(2026, 1, 1)))
    assert result_titles(get(client, "/incidents/?q=entry&sort=severity"))[0] == new.title  # a new generation
