"""Each list endpoint runs a fixed number of queries whatever the page size
and however much is linked to each item (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# Anonymous reader, JSON; the cursor mode skips the count query. Incident
# pages read their ids before their rows (see DeferredJoinPaginator).
BUDGETS = {
    "incidents": 7,
    "incidents?q=tunnel": 9,  # similar names, a probe for word matches, and the page ids (cached) before the rows
    "incidents?kind=incident&severity=3&year=2025&has_reproduction=false": 7,
    "incidents?format=csv": 7,
    "incidents?format=csl-json": 7,
    # The OECD filters are subqueries of the page's statements; external ids
    # and evidence counts come with the links (api.list_links): no extra query.
    "incidents?external=aiid:1&external=atlas": 7,
    "incidents?oecd=incomplete&oecd_missing=harm_types&harm_type=physical&oecd_severity=incident": 7,
    "claims": 3,  # the count, the page (with its confidence), the systems each claim is about
    "evidence": 2,
    "sources": 2,
    "sources?format=bibtex": 2,
    "metrics": 2,
    "measurements": 2,
    "organisations": 2,
    "systems": 2,
    "taxonomy": 2,
}
# The item, its merge check, claims, measurements, merged entries, sources,
# and its organisations, systems, taxonomy and reproductions in one query;
# what changed (editorial.changes) in six more, whatever its length; its
# OECD completeness facts (incidents.completeness.facts_for) and its causal
# attributions with their evidence ids in one each (external ids come with
# the links).
DETAIL_BUDGET = 15
# One OECD-shaped document (api.oecd): its row and merge check, then a fixed
# number per batch (incidents.oecd_document.documents_for).
OECD_DOCUMENT_BUDGET = 10
# A page of serious-incident reports (api.reporting): the count, the page
# with its incident, provider and system, and its submissions, among others.
REPORTS_BUDGET = 7


def url(key, page_size):
    path, _, query = key.partition("?")
    return f"/api/v1/{path}/?page_size={page_size}" + (f"&{query}" if query else "")


@pytest.fixture(autouse=True)
def render_every_request(settings):
    """A budget is for a render: no answer is kept in the response cache."""
    settings.RESPONSE_CACHE_SECONDS = 0


def count(client, address):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("key", sorted(BUDGETS))
def test_list_stays_within_its_budget_whatever_the_page_size(client, rich_incident, django_assert_max_num_queries, key):
    from incidents.search import refresh_search_vectors

    rich_incident()
    refresh_search_vectors()
    client.get(url(key, 1))  # once-per-process probes (pg_trgm) are not the page's
    one = count(client, url(key, 1))
    for _ in range(2):
        rich_incident()
    refresh_search_vectors()
    with django_assert_max_num_queries(BUDGETS[key]):
        response = client.get(url(key, 100))
    assert response.status_code == 200
    assert count(client, url(key, 100)) == one, key  # three rich items cost what one did


def test_cursor_mode_costs_no_more(client, rich_incident, django_assert_max_num_queries):
    for _ in range(3):
        rich_incident()
    with django_assert_max_num_queries(BUDGETS["incidents"]):
        assert client.get("/api/v1/incidents/?pagination=cursor&page_size=100").status_code == 200


def test_incident_detail_has_a_fixed_budget(client, rich_incident, django_assert_max_num_queries):
    from tests.factories import ClaimFactory, EvidenceFactory

    small = rich_incident()
    big = rich_incident()
    for _ in range(3):
        EvidenceFactory(incident=big, claim=ClaimFactory(incident=big))
    small_count = count(client, f"/api/v1/incidents/{small.public_id}/")
    with django_assert_max_num_queries(DETAIL_BUDGET):
        client.get(f"/api/v1/incidents/{big.public_id}/")
    assert count(client, f"/api/v1/incidents/{big.public_id}/") == small_count


def test_a_token_adds_a_fixed_three_queries(make_user, rich_incident):
    from rest_framework.test import APIClient

    from api.tokens import issue_token

    rich_incident()
    anonymous = count(APIClient(), "/api/v1/claims/")
    _, plain = issue_token(make_user("reader"), "t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    count(client, "/api/v1/claims/")  # the first use records last_used
    # The token (with its user) and the user's permissions (may they see drafts?).
    assert count(client, "/api/v1/claims/") == anonymous + 3


def test_an_oecd_document_has_a_fixed_budget(client, rich_incident, django_assert_max_num_queries):
    from tests.factories import CausalAttributionFactory, EvidenceFactory, ExternalIdentifierFactory

    small = rich_incident()
    CausalAttributionFactory(incident=small, grounding="evidenced", evidence=[small.evidence.first()])
    big = rich_incident()
    evidence = [EvidenceFactory(incident=big) for _ in range(3)]
    ExternalIdentifierFactory(incident=big)
    CausalAttributionFactory(incident=big, grounding="evidenced", evidence=evidence)
    CausalAttributionFactory(incident=big, factor="misuse")
    small_count = count(client, f"/api/v1/incidents/{small.public_id}/oecd/")
    with django_assert_max_num_queries(OECD_DOCUMENT_BUDGET):
        client.get(f"/api/v1/incidents/{big.public_id}/oecd/")
    assert count(client, f"/api/v1/incidents/{big.public_id}/oecd/") == small_count


def test_serious_incident_reports_have_a_fixed_budget(client, django_assert_max_num_queries):
    from tests.reporting.factories import ReportSubmissionFactory, SeriousIncidentReportFactory

    SeriousIncidentReportFactory()
    one = count(client, "/api/v1/serious-incident-reports/")
    for _ in range(3):
        ReportSubmissionFactory()
    with django_assert_max_num_queries(REPORTS_BUDGET):
        response = client.get("/api/v1/serious-incident-reports/")
    assert len(response.json()["results"]) == 4
    assert count(client, "/api/v1/serious-incident-reports/") == one
