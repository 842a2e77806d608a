"""The incident list's "Download these results" links: the page's search
(as run, corrected included), sort and cleaned filters, passed to the API's
export, which then gives exactly the page's results in the page's order."""

import csv
import datetime
import html
import io
import json
import re
from urllib.parse import parse_qsl, urlparse

import pytest
from django.http import QueryDict

from incidents.facets import parse_facets
from incidents.forms import results_query
from incidents.search import refresh_search_vectors
from tests.factories import (
    IncidentFactory,
    IncidentOrganisationFactory,
    OrganisationFactory,
    TaxonomyTermFactory,
)

pytestmark = pytest.mark.django_db


def test_results_query_passes_the_cleaned_search_sort_and_facets_only():
    organisation = OrganisationFactory(slug="openai")
    raw = QueryDict("q=ignored&kind=incident&kind=nonsense&severity=5&severity=9&year=2025&year=abc"
                    f"&organisation={organisation.slug}&organisation=ghost&reproduction=no&page=3&counts=all")
    selection = parse_facets(raw)
    assert results_query("tunnel", "severity", selection) == [
        ("q", "tunnel"), ("sort", "severity"), ("kind", "incident"), ("severity", "5"), ("year", "2025"),
        ("organisation", "openai"), ("reproduction", "no"),
    ]
    assert results_query("", "", parse_facets(QueryDict(""))) == []


def _links(page: str) -> dict[str, str]:
    return {fmt: html.unescape(url) for url, fmt in
            re.findall(r'<a href="([^"]+)" download data-download="(csv|jsonl)">', page)}


def _page_results(client, address: str) -> list[str]:
    """The public ids of every result the page lists, page by page, in order."""
    ids, number = [], 1
    while True:
        response = client.get(f"{address}&page={number}")
        page = response.context["page"]
        ids += [incident.public_id for incident in page.object_list]
        if not page.has_next():
            return ids
        number += 1


@pytest.fixture
def incidents():
    """30 public incidents about a tunnel (and a draft, and others), over
    several years and severities, some with an organisation and a term."""
    organisation = OrganisationFactory(slug="alibaba", name="Alibaba")
    term = TaxonomyTermFactory(slug="resource-acquisition")
    made = []
    for n in range(30):
        incident = IncidentFactory(
            title=f"Agent opened a tunnel {n}", severity=1 + (2 * n) % 5,  # not in the dates' order
            reported_on=None if n == 7 else datetime.date(2024, 1, 1) + datetime.timedelta(days=n * 11),
            occurred_on=datetime.date(2024 + n % 2, 3, 1), kind="incident" if n % 3 else "research-finding",
        )
        if n % 2 == 0:
            IncidentOrganisationFactory(incident=incident, organisation=organisation)
        if n % 3 == 0:
            incident.taxonomy.add(term)
        made.append(incident)
    IncidentFactory(title="Agent opened a tunnel, draft", is_published=False)
    IncidentFactory(title="Unrelated finding about spending", severity=5)
    refresh_search_vectors()
    return made


@pytest.mark.parametrize("query", [
    "q=tunnel&severity=4&severity=5&severity=3&kind=incident",
    "q=tunnel&organisation=alibaba&sort=date",
    "q=tunnel&year=2024&sort=severity&taxonomy=resource-acquisition&kind=nonsense",
    "kind=incident&reproduction=no&sort=severity",
    "q=tunel&organisation=alibaba",  # a typo: the page shows the corrected search's results
])
def test_the_download_gives_the_pages_results_in_its_order(client, incidents, query):
    address = f"/incidents/?{query}"
    page = client.get(address).content.decode()
    links = _links(page)
    assert set(links) == {"csv", "jsonl"}
    listed = _page_results(client, address)
    assert len(listed) > 1

    jsonl = client.get(links["jsonl"])
    assert jsonl.status_code == 200, jsonl.content
    exported = [json.loads(line)["public_id"] for line in b"".join(jsonl.streaming_content).decode().splitlines()]
    assert exported == listed

    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(links["csv"]).streaming_content).decode())))
    assert [row["public_id"] for row in rows] == listed


def test_the_links_carry_the_search_and_filters_and_no_paging(client, incidents):
    page = client.get("/incidents/?q=tunnel&severity=5&sort=severity&page=2&counts=all").content.decode()
    for fmt, url in _links(page).items():
        parsed = urlparse(url)
        assert parsed.path == "/api/v1/incidents/export/"
        assert parse_qsl(parsed.query) == [("format", fmt), ("q", "tunnel"), ("sort", "severity"), ("severity", "5")]


def test_a_corrected_search_downloads_what_the_page_shows(client, incidents):
    page = client.get("/incidents/?q=tunel").content.decode()
    assert 'id="search-correction"' in page
    assert dict(parse_qsl(urlparse(_links(page)["csv"]).query))["q"] == "tunnel"


def test_no_download_link_when_nothing_matches(client, incidents):
    page = client.get("/incidents/?q=zzzqqq").content.decode()
    assert 'id="download-results"' not in page
