"""Whole-set exports (`<list>/export/`): the list's whole filtered, searched
and ordered set, streamed as CSV or JSON Lines, equal to the paged list
item for item and cell for cell, under the list's visibility, parameters
and rates."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import exports
from api.pagination import MAX_PAGE_SIZE
from incidents.models import Incident, IncidentOrganisation, IncidentSystem
from incidents.search import refresh_search_vectors
from incidents.selectors import SORT_ORDERS
from incidents.visibility import public_incidents
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    IncidentFactory,
    OrganisationFactory,
    TaxonomyTermFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ("incidents", "claims", "evidence", "sources", "metrics", "measurements", "organisations", "systems",
         "taxonomy", "harnesses", "runs", "briefings")
KINDS = [value for value, _ in Incident.Kind.choices]
STATUSES = [value for value, _ in Incident.Status.choices]
SETTINGS = [value for value, _ in Incident.Setting.choices]


def bulk_incidents(total: int, *, draft_every: int = 10, word_every: int = 7, search: bool = False) -> None:
    """`total` incidents in a few statements (bulk_create): every
    `draft_every`-th a draft, every `word_every`-th about a "tunnel", some
    undated; organisations, systems and taxonomy on a share of them."""
    organisations = OrganisationFactory.create_batch(3)
    systems = AISystemFactory.create_batch(2, developer=organisations[0])
    terms = TaxonomyTermFactory.create_batch(2)
    start = datetime.date(2020, 1, 1)
    incidents = Incident.objects.bulk_create([
        Incident(
            public_id=f"AIKB-2024-{i:05d}",
            title=("Agent opened a tunnel" if i % word_every == 0 else "Model misreported a figure") + f" {i}",
            slug=f"bulk-{i}",
            kind=KINDS[i % len(KINDS)],
            summary=f"Summary {i}: =formula-looking text, \"quotes\", commas, and a line\nbreak.",
            occurred_on=start + datetime.timedelta(days=i % 1500),
            reported_on=None if i % 97 == 0 else start + datetime.timedelta(days=(i * 7) % 1800),
            status=STATUSES[i % len(STATUSES)],
            severity=1 + i % 5,
            setting=SETTINGS[i % len(SETTINGS)],
            is_published=i % draft_every != 0,
        )
        for i in range(1, total + 1)
    ], batch_size=2000)
    IncidentOrganisation.objects.bulk_create([
        IncidentOrganisation(incident=incident, organisation=organisations[n % 3], role=IncidentOrganisation.Role.DEVELOPER)
        for n, incident in enumerate(incidents) if n % 3 == 0
    ], batch_size=2000)
    IncidentSystem.objects.bulk_create([
        IncidentSystem(incident=incident, system=systems[n % 2]) for n, incident in enumerate(incidents) if n % 4 == 0
    ], batch_size=2000)
    Incident.taxonomy.through.objects.bulk_create([
        Incident.taxonomy.through(incident=incident, taxonomyterm=terms[n % 2])
        for n, incident in enumerate(incidents) if n % 5 == 0
    ], batch_size=2000)
    if search:
        refresh_search_vectors([incident.pk for incident in incidents])


def read(response) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def jsonl(response) -> list[dict]:
    body = read(response)
    assert body == b"" or body.endswith(b"\n")
    return [json.loads(line) for line in body.decode().splitlines()]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(), newline="")))


def all_pages(client, path: str, query: str = "") -> tuple[list[dict], list[list[str]]]:
    """Every item of a paged list (JSON) and every CSV row, header first."""
    items, rows, page = [], [], 1
    while True:
        body = client.get(f"{path}?page_size={MAX_PAGE_SIZE}&page={page}&{query}").json()
        items += body["results"]
        csv_page = csv_rows(client.get(f"{path}?page_size={MAX_PAGE_SIZE}&page={page}&format=csv&{query}").content)
        rows += csv_page if page == 1 else csv_page[1:]
        if not body["next"]:
            return items, rows
        page += 1


def test_an_export_of_10000_incidents_equals_the_paged_list(client):
    bulk_incidents(10_000)
    items, rows = all_pages(client, "/api/v1/incidents/")
    assert len(items) == 9_000 and len(rows) == 9_001

    exported = jsonl(client.get("/api/v1/incidents/export/?format=jsonl"))
    assert [item["public_id"] for item in exported] == [item["public_id"] for item in items]
    assert exported == items  # each line is the list's item, value for value

    content = read(client.get("/api/v1/incidents/export/?format=csv"))
    assert content.endswith(b"\r\n")
    assert csv_rows(content) == rows  # the same columns, the same cells, in the same order


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 3 rows, so a handful of items crosses batch boundaries."""
    monkeypatch.setattr(exports, "BATCH_SIZE", 3)


def test_each_json_line_has_the_bytes_of_the_list_item(client, small_batches):
    bulk_incidents(8)
    IncidentFactory(title='Awkward "text" \\ café \u2028 sep', summary="tab\there")
    page = client.get(f"/api/v1/incidents/?page_size={MAX_PAGE_SIZE}").content
    lines = read(client.get("/api/v1/incidents/export/?format=jsonl")).split(b"\n")
    assert lines[-1] == b"" and len(lines) == 9 + 1
    for line in lines[:-1]:
        assert line in page


@pytest.mark.parametrize("query", [
    "kind=hazard&severity=4&severity=5",
    "status=confirmed&ordering=-severity,title",
    "q=tunnel",
    "q=tunnel&kind=incident&ordering=reported_on",
    "q=tunnel&sort=severity",
    "sort=severity&year=2020&kind=incident",
    "organisation={org}&reproduction=no",
    "taxonomy={term}",
    "has_reproduction=false&setting=training",
])
def test_filters_search_and_order_are_the_lists(client, small_batches, query):
    bulk_incidents(200, search=True)
    link = IncidentOrganisation.objects.order_by("id").first()
    term = Incident.taxonomy.through.objects.order_by("id").first().taxonomyterm
    query = query.format(org=link.organisation.slug, term=term.slug)
    items, rows = all_pages(client, "/api/v1/incidents/", query)
    assert items, "the query should select something"
    exported = jsonl(client.get(f"/api/v1/incidents/export/?format=jsonl&{query}"))
    assert exported == items
    assert csv_rows(read(client.get(f"/api/v1/incidents/export/?format=csv&{query}"))) == rows


def test_a_search_export_is_not_capped_at_the_pages_reach(client, small_batches, monkeypatch):
    bulk_incidents(70, search=True)  # 9 public incidents about a tunnel
    monkeypatch.setattr("api.views.MAX_LISTED_RESULTS", 4)
    page = client.get("/api/v1/incidents/?q=tunnel").json()
    assert page["count"] == 4 and page["count_exact"] is False
    exported = jsonl(client.get("/api/v1/incidents/export/?format=jsonl&q=tunnel"))
    ranked = [item["public_id"] for item in client.get("/api/v1/incidents/?q=tunnel&pagination=cursor").json()["results"]]
    assert len(exported) == 9 and sorted(item["public_id"] for item in exported) == sorted(ranked)


def test_sort_orders_as_the_website_undated_last(client, small_batches):
    bulk_incidents(200)
    exported = {}
    for sort in SORT_ORDERS:
        exported[sort] = [item["public_id"] for item in jsonl(client.get(f"/api/v1/incidents/export/?format=jsonl&sort={sort}"))]
        order = SORT_ORDERS["date" if sort == "relevance" else sort]
        assert exported[sort] == list(public_incidents().order_by(*order).values_list("public_id", flat=True)), sort
    undated = set(public_incidents().filter(reported_on=None).values_list("public_id", flat=True))
    assert undated and set(exported["date"][-len(undated):]) == undated


def test_sort_orders_a_search_as_the_website(client, small_batches):
    from incidents.search import search_incidents

    bulk_incidents(300, search=True)
    for sort in SORT_ORDERS:
        exported = [item["public_id"] for item in
                    jsonl(client.get(f"/api/v1/incidents/export/?format=jsonl&q=tunnel&sort={sort}"))]
        searched = search_incidents(public_incidents(), "tunnel", correct=False).order_by(*SORT_ORDERS[sort])
        assert len(exported) > 10 and exported == list(searched.values_list("public_id", flat=True)), sort


def test_an_unknown_sort_is_400_naming_it(client):
    response = client.get("/api/v1/incidents/export/?format=jsonl&sort=colour")
    assert response.status_code == 400
    assert list(json.loads(response.content)["errors"]) == ["sort"]


@pytest.mark.parametrize("query, name", [
    ("colour=red", "colour"), ("page=2", "page"), ("page_size=500", "page_size"), ("cursor=abc", "cursor"),
    ("pagination=cursor", "pagination"), ("kind=nonsense", "kind"), ("ordering=colour", "ordering"),
    ("updated_since=", "updated_since"),
])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_unknown_or_bad_parameters_are_400_naming_them(client, query, name, fmt):
    IncidentFactory()
    response = client.get(f"/api/v1/incidents/export/?format={fmt}&{query}")
    assert response.status_code == 400 and not response.streaming
    if fmt == "jsonl":
        assert response["Content-Type"] == "application/jsonl"
        assert response.content.endswith(b"}\n") and list(json.loads(response.content)["errors"]) == [name]
    else:
        assert csv_rows(response.content)[1][0] == name


@pytest.mark.parametrize("resource", ["claims", "evidence", "sources", "runs", "briefings", "harnesses"])
def test_every_export_refuses_what_its_list_refuses(client, resource):
    response = client.get(f"/api/v1/{resource}/export/?format=jsonl&colour=red")
    assert response.status_code == 400
    assert list(json.loads(response.content)["errors"]) == ["colour"]


def test_drafts_are_exported_to_editors_only(editor, small_batches):
    from rest_framework.test import APIClient

    client = APIClient()
    published, draft = IncidentFactory(), IncidentFactory(is_published=False)
    ClaimFactory(incident=published), ClaimFactory(incident=draft)
    anonymous = [item["public_id"] for item in jsonl(client.get("/api/v1/incidents/export/?format=jsonl"))]
    assert anonymous == [published.public_id]
    assert [row["incident"] for row in jsonl(client.get("/api/v1/claims/export/?format=jsonl"))] == [published.public_id]
    assert {item["public_id"] for item in jsonl(editor.get("/api/v1/incidents/export/?format=jsonl"))} == {
        published.public_id, draft.public_id}


@pytest.mark.parametrize("resource", LISTS)
def test_every_list_has_an_export_with_its_csv_columns(client, rich_incident, resource):
    from reproductions.models import Harness, ReproductionRun

    rich_incident(), rich_incident()
    # A run: its list names no CSV columns, so they come from its items.
    harness = Harness.objects.create(name="Export harness", slug="export-harness")
    ReproductionRun.objects.create(harness=harness, status="succeeded")
    listed = client.get(f"/api/v1/{resource}/?page_size=100&format=csv")
    exported = client.get(f"/api/v1/{resource}/export/?format=csv")
    assert csv_rows(read(exported)) == csv_rows(listed.content)
    items = client.get(f"/api/v1/{resource}/?page_size=100").json()["results"]
    assert jsonl(client.get(f"/api/v1/{resource}/export/?format=jsonl")) == items


def test_an_empty_export_still_has_its_header_row(client):
    rows = csv_rows(read(client.get("/api/v1/incidents/export/?format=csv")))
    assert rows == [[name for name in exports_columns("incidents")]]
    assert read(client.get("/api/v1/incidents/export/?format=jsonl")) == b""


def exports_columns(resource):
    from api.columns import CSV_COLUMNS

    return [name for name, _ in CSV_COLUMNS[resource]]


def test_the_download_is_an_attachment_named_for_the_list_and_day(client):
    IncidentFactory()
    today = datetime.date.today().isoformat()
    response = client.get("/api/v1/incidents/export/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="aikb-incidents-{today}.csv"'
    response = client.get("/api/v1/systems/export/?format=jsonl")
    assert response["Content-Type"] == "application/jsonl"
    assert response["Content-Disposition"] == f'attachment; filename="aikb-systems-{today}.jsonl"'
    # CSV without a format; JSON Lines by Accept, under either name.
    assert client.get("/api/v1/incidents/export/")["Content-Type"] == "text/csv; charset=utf-8"
    for media_type in ("application/jsonl", "application/x-ndjson"):
        response = client.get("/api/v1/incidents/export/", HTTP_ACCEPT=media_type)
        assert response["Content-Type"] == media_type and len(jsonl(response)) == 1


def test_an_export_is_private_and_never_kept_in_the_shared_cache(client):
    from django.test import RequestFactory

    from config.response_cache import response_key
    from config.shared_cache import shared_cache

    IncidentFactory()
    address = "/api/v1/incidents/export/?format=csv"
    response = client.get(address)
    read(response)
    assert "private" in response["Cache-Control"] and "ETag" not in response and "X-Cache" not in response
    key = response_key(RequestFactory().get(address), ("Accept", "Authorization"))
    assert shared_cache().get(key) is None
    # Lists outside the shared cache too.
    assert "private" in client.get("/api/v1/harnesses/export/?format=csv")["Cache-Control"]


def test_head_answers_the_headers_without_reading_rows(client):
    IncidentFactory()
    with CaptureQueriesContext(connection) as queries:
        response = client.head("/api/v1/incidents/export/?format=csv")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b""
    assert response["Content-Disposition"].startswith("attachment;")
    assert not any("incidents_incident" in query["sql"] for query in queries.captured_queries)


def test_exports_count_against_the_rate_limit(client, settings):
    IncidentFactory()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "2/minute", "token": "2/minute", "journalist": "2/minute"}}
    assert client.get("/api/v1/incidents/?page_size=1").status_code == 200
    read(client.get("/api/v1/incidents/export/?format=csv"))
    response = client.get("/api/v1/incidents/export/?format=csv")
    assert response.status_code == 429 and "Retry-After" in response


def _queries_to_export(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        read(client.get(path))
    return len(queries.captured_queries)


@pytest.mark.parametrize("resource", ["incidents", "claims"])
def test_queries_are_a_fixed_number_per_batch(client, monkeypatch, resource):
    monkeypatch.setattr(exports, "BATCH_SIZE", 1000)
    bulk_incidents(1000, draft_every=1000)  # 999 public incidents
    for incident in Incident.objects.filter(is_published=True).order_by("id")[:50]:
        ClaimFactory(incident=incident)
    path = f"/api/v1/{resource}/export/?format=jsonl"
    one_batch = _queries_to_export(client, path)
    monkeypatch.setattr(exports, "BATCH_SIZE", 500 if resource == "incidents" else 25)
    two_batches = _queries_to_export(client, path)
    monkeypatch.setattr(exports, "BATCH_SIZE", 250 if resource == "incidents" else 10)
    four_or_five = _queries_to_export(client, path)
    per_batch = two_batches - one_batch
    assert 1 <= per_batch <= 2
    batches = 4 if resource == "incidents" else 5
    assert four_or_five == one_batch + (batches - 1) * per_batch
    assert one_batch <= 8  # a fixed start, whatever the rows: 1,000 rows in one batch


class Boom(RuntimeError):
    pass


@pytest.fixture
def failing_second_batch(monkeypatch, small_batches):
    """The list's per-batch preparation fails on the second batch."""
    from api import views

    calls = []
    real = views.attach_list_links

    def attach(objects):
        calls.append(len(objects))
        if len(calls) == 2:
            raise Boom("database went away")
        return real(objects)

    monkeypatch.setattr(views, "attach_list_links", attach)
    IncidentFactory.create_batch(7)


def _read_until_failure(response) -> bytes:
    chunks = []
    with pytest.raises(Boom):
        for chunk in response.streaming_content:
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_failure_mid_stream_ends_jsonl_with_an_error_line_and_aborts(client, failing_second_batch):
    response = client.get("/api/v1/incidents/export/?format=jsonl")
    assert response.status_code == 200
    lines = _read_until_failure(response).decode().splitlines()
    assert len(lines) == 4  # the first batch whole, then the error line
    assert all("public_id" in json.loads(line) for line in lines[:3])
    error = json.loads(lines[-1])
    assert list(error) == ["export_error"]
    assert error["export_error"]["code"] == "export_interrupted" and "after 3 items" in error["export_error"]["detail"]


def test_a_failure_mid_stream_ends_csv_with_an_error_row_and_aborts(client, failing_second_batch):
    response = client.get("/api/v1/incidents/export/?format=csv")
    rows = csv_rows(_read_until_failure(response))
    assert rows[0] == exports_columns("incidents") and len(rows) == 1 + 3 + 1
    assert all(len(row) == len(rows[0]) for row in rows[1:4])
    assert rows[-1] == [f"#export_interrupted: {exports.interrupted_detail(3)}"]


def test_the_schema_lists_every_export_with_its_filters(client):
    schema = client.get("/api/schema/?format=json").json()
    for resource in LISTS:
        operation = schema["paths"][f"/api/v1/{resource}/export/"]["get"]
        assert operation["operationId"] == f"v1_{resource}_export"
        assert resource in operation["summary"] and "incomplete" in operation["description"]
        # The incidents' export also offers the OECD set document (?format=oecd, docs/oecd.md).
        oecd = {"application/json"} if resource == "incidents" else set()
        assert {"text/csv", "application/jsonl"} | oecd == set(operation["responses"]["200"]["content"])
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert not names & exports.PAGING_PARAMS
    incidents = {p["name"] for p in schema["paths"]["/api/v1/incidents/export/"]["get"]["parameters"]}
    assert {"q", "kind", "severity", "taxonomy", "ordering", "sort", "updated_since", "format"} <= incidents
    claims = {p["name"] for p in schema["paths"]["/api/v1/claims/export/"]["get"]["parameters"]}
    assert {"incident", "status", "ordering"} <= claims


def test_a_viewset_may_have_no_export():
    from rest_framework.routers import SimpleRouter

    from api.views import MetricViewSet

    class Unexported(MetricViewSet):
        exportable = False

    router = SimpleRouter()
    router.register("metrics", MetricViewSet, basename="metric")
    router.register("unexported", Unexported, basename="unexported")
    names = {pattern.name for pattern in router.urls}
    assert "metric-export" in names and "unexported-export" not in names


def test_a_batch_is_freed_as_soon_as_it_is_written():
    """A batch's rows and items are freed by reference counting alone: held
    in a cycle, they waited for the garbage collector, and memory grew by
    tens of megabytes during a large export."""
    import gc
    import weakref

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.views import IncidentViewSet

    IncidentFactory.create_batch(3)
    view = IncidentViewSet(action="list", format_kwarg=None)
    view.request = Request(APIRequestFactory().get("/api/v1/incidents/export/"))
    objects = list(view.get_queryset())
    rows = [weakref.ref(obj) for obj in objects]
    gc.disable()
    try:
        items = exports._items(view, objects)
        assert len(items) == 3
        del objects, items
        assert all(row() is None for row in rows)
    finally:
        gc.enable()
