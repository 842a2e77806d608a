"""Whole-set exports: every item a list's filters, search and order select,
in one download, as CSV or JSON Lines:
`GET /api/v1/<list>/export/?format=csv|jsonl&<the list's parameters>`.

One rule with the list. An export is the list's own action read whole: the
viewset's get_queryset and filter_queryset choose the rows (so who sees
what, every filter, the search and the order are the list's), each batch
is prepared as the list prepares a page (`prepare_list_items`: an
incident's organisations, systems and taxonomy in one query) and
serialised by the list's serializer, and the CSV cells and JSON lines are
written by the paged formats' own functions (api.renderers.csv_row,
json_line). A search is not capped at the 10,000 results its pages reach:
a download asks for every match, in rank order.

Memory stays flat whatever the size: rows are read through a server-side
cursor (`iterator(chunk_size=...)`), BATCH_SIZE at a time, and each batch
is written and handed to the server before the next is read. Queries are
a fixed number per batch (the cursor's fetch, the list's per-page
preparation and prefetches), never one per row.

The first batch is read before the response is returned, so a query that
fails outright is an ordinary error response. A failure after that cannot
be one: the status (200) and headers have gone. Batches are written
whole, so the stream never stops inside a row or a line; the export
writes a last line saying it is incomplete (`INTERRUPTED_CSV`, or a JSON
line whose one key is `export_error`), logs the error, and lets it
propagate, so the server closes the connection without ending the body:
HTTP clients report an incomplete transfer (curl exits with 18, Python's
requests raises ChunkedEncodingError). A complete export ends with the
line ending of its last row.

Never kept in the shared response cache (config.response_cache keeps no
streamed response) and marked private; rates and throttles count an
export as one request, as a page.
"""

import csv
import io
import itertools
import json
import logging

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import renderers

from config.response_cache import private
from incidents.oecd_document import documents_for_ids, set_header

from .renderers import CSVRenderer, JSONLinesRenderer, NDJSONRenderer, csv_columns_for, csv_row, json_line

logger = logging.getLogger(__name__)

# Rows read, prepared and written at a time: large enough that the queries
# per batch are few per row, small enough that a batch's items are a few
# megabytes at most.
BATCH_SIZE = 1000
# The list's parameters that are not an export's: it has no pages.
PAGING_PARAMS = frozenset({"page", "page_size", "pagination", "cursor"})
INTERRUPTED_CODE = "export_interrupted"


class OecdSetRenderer(renderers.BaseRenderer):
    """`?format=oecd` on the incidents' export: one set document of
    OECD-shaped incident documents (incidents.oecd_document), streamed by
    export_response; what is rendered here is an error, as JSON."""

    media_type = "application/json"
    format = "oecd"
    charset = None  # always UTF-8, as JSON

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


def export_renderers(view=None):
    """CSV (the default), JSON Lines, and JSON Lines as NDJSON for clients
    that ask for that name (`Accept: application/x-ndjson`); the OECD set
    document where the list offers it (`oecd_export` on the viewset)."""
    offered = [CSVRenderer(), JSONLinesRenderer(), NDJSONRenderer()]
    if getattr(view, "oecd_export", False):
        offered.append(OecdSetRenderer())
    return offered


def interrupted_detail(items_sent: int) -> str:
    return (f"The export stopped after {items_sent:,} items because of a server error: "
            "this download is incomplete. Ask for it again.")


def interrupted_csv(items_sent: int) -> list[str]:
    """The last row of an interrupted CSV export: one cell, unlike any row."""
    return [f"#{INTERRUPTED_CODE}: {interrupted_detail(items_sent)}"]


def interrupted_json(items_sent: int) -> dict:
    """The last line of an interrupted JSON Lines export: the API's error
    envelope under a key no item has."""
    return {"export_error": {"status": 500, "code": INTERRUPTED_CODE, "detail": interrupted_detail(items_sent)}}


def export_filename(list_name: str, extension: str, day=None) -> str:
    """aikb-<list>-<YYYY-MM-DD>.<extension>: which list, and as of when."""
    day = day or timezone.localdate()
    return f"aikb-{list_name}-{day.isoformat()}.{extension}"


def item_batches(view, queryset, batch_size: int):
    """The list's items (its JSON, as dicts), a batch at a time: rows
    through a server-side cursor, each batch prepared and serialised as the
    list's pages are."""
    batch = []
    for obj in queryset.iterator(chunk_size=batch_size):
        batch.append(obj)
        if len(batch) == batch_size:
            yield _items(view, batch)
            batch = []
    if batch:
        yield _items(view, batch)


def _items(view, objects) -> list:
    """The items of one batch, as the list's serializer gives them. The
    serializer is not given the rows: DRF keeps what a serializer is built
    with (its instance, its arguments, `.data` naming the serializer) in
    a cycle of serializers that name each other, so a batch's rows and
    items outlived it until the cyclic garbage collector ran, which it did
    only after tens of megabytes (docs/benchmarks.md, 'Whole-set
    exports')."""
    view.prepare_list_items(objects)
    return view.get_serializer(many=True).to_representation(objects)


def _csv_chunks(columns, batches):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # as the paged CSV
    writer.writerow(columns)
    for items in batches:
        for item in items:
            writer.writerow(csv_row(item, columns))
        yield out.getvalue().encode("utf-8"), len(items)
        out.seek(0)
        out.truncate()


def _jsonl_chunks(batches):
    for items in batches:
        yield b"".join(json_line(item) for item in items), len(items)


def _oecd_chunks(queryset, batch_size: int):
    """The set document: its header, then each batch's incident documents
    (re-read whole by id: the list's rows leave the account unread), then
    the end of the array. The first batch of ids is read now, so a failing
    query is still an error response. On a later failure the end is never
    written (see _guarded), so a parser refuses the incomplete document."""
    batches = _id_batches(queryset, batch_size)
    first = next(batches, [])
    return _oecd_documents(itertools.chain([first], batches))


def _oecd_documents(id_batches):
    header = json.dumps(set_header(), ensure_ascii=False)
    yield (header[:-1] + ', "incidents": [\n').encode("utf-8"), 0
    separator = ""
    for ids in id_batches:
        documents = documents_for_ids(ids)
        if documents:
            text = separator + ",\n".join(json.dumps(document, ensure_ascii=False) for document in documents)
            separator = ",\n"
            yield text.encode("utf-8"), len(documents)
    yield b"\n]}\n", 0


def _id_batches(queryset, batch_size: int):
    batch = []
    for obj in queryset.iterator(chunk_size=batch_size):
        batch.append(obj.pk)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_line(cells) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().encode("utf-8")


def _guarded(chunks, fmt: str, list_name: str):
    """The chunks' bytes; after a failure, the line that says the export is
    incomplete, then the failure itself (see the module docstring)."""
    sent = 0
    try:
        for chunk, count in chunks:
            yield chunk
            sent += count
    except Exception:
        logger.exception("Export of %s (%s) stopped after %d items", list_name, fmt, sent)
        if fmt == "csv":
            yield _csv_line(interrupted_csv(sent))
        elif fmt == "jsonl":
            yield json_line(interrupted_json(sent))
        # One JSON document (oecd) has no place for a last line: it is left unterminated.
        raise


def list_name_of(request) -> str:
    """The list an export belongs to, as its address names it (incidents,
    systems, taxonomy...): the segment before `export/`."""
    return request.path.rstrip("/").split("/")[-2]


def export_response(view, batch_size: int | None = None) -> StreamingHttpResponse:
    """The whole list of `view` (a list's viewset, its request's action
    read as the list) as a streamed CSV or JSON Lines download, in the
    format content negotiation chose."""
    batch_size = batch_size or BATCH_SIZE
    request = view.request
    renderer = request.accepted_renderer
    fmt = renderer.format if renderer.format in ("csv", "oecd") else "jsonl"
    list_name = list_name_of(request)
    queryset = view.filter_queryset(view.get_queryset())
    if request.method == "HEAD":
        body = []
    elif fmt == "oecd":
        body = _guarded(_oecd_chunks(queryset, batch_size), fmt, list_name)
    else:
        batches = item_batches(view, queryset, batch_size)
        first = next(batches, [])  # read now: a failing query is still an error response
        batches = itertools.chain([first], batches)
        if fmt == "csv":
            chunks = _csv_chunks(csv_columns_for(view, first), batches)
        else:
            chunks = _jsonl_chunks(batches)
        body = _guarded(chunks, fmt, list_name)
    content_type = renderer.media_type + (f"; charset={renderer.charset}" if renderer.charset else "")
    response = StreamingHttpResponse(body, content_type=content_type)
    extension = "json" if fmt == "oecd" else fmt
    response["Content-Disposition"] = f'attachment; filename="{export_filename(list_name, extension)}"'
    # A proxy in front (nginx) passes each batch on as it comes.
    response["X-Accel-Buffering"] = "no"
    return private(response)


DESCRIPTION = f"""Every item the list's parameters select, in one streamed download: the same
filters, search (`q`) and `ordering` as the list, the same visibility (drafts only for editors), and
no pages (`page`, `page_size`, `pagination` and `cursor` are refused, as any unknown parameter). A
search gives every match in rank order, not only the first 10,000 its pages reach.

`?format=csv` (the default, `Accept: text/csv`): a header row, then one row per item with the list's
CSV columns and cells. `?format=jsonl` (`Accept: application/jsonl`, or `application/x-ndjson`): one
JSON object per line, each the item as the list's JSON gives it. Served as an attachment named
`aikb-<list>-<YYYY-MM-DD>.<csv|jsonl>`, never cached by the site; an export counts as one request
against the rate limits.

A complete export ends with the line ending of its last row. If the server fails after sending the
first rows, the download ends with a line saying so (CSV: one cell beginning `#{INTERRUPTED_CODE}`;
JSON Lines: an object whose one key is `export_error`, holding status, code `{INTERRUPTED_CODE}` and
detail), and the connection is then closed without ending the body, so HTTP clients report an
incomplete transfer. Ask again."""

RESPONSES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV: a header row, then one row per item."),
    (200, "application/jsonl"): OpenApiResponse(OpenApiTypes.STR, description="JSON Lines: one item per line."),
}

OECD_DESCRIPTION = DESCRIPTION + """

`?format=oecd` (incidents only): one JSON document, `{"format": "aikb-oecd-incidents", "version": 1,
"incidents": [...]}`, each incident with the 29 criteria of the OECD common reporting framework, as
`/api/v1/incidents/<id>/oecd/` gives it; its JSON Schema is `/api/schema/oecd-incidents.json`
(docs/oecd.md). Named `aikb-incidents-<YYYY-MM-DD>.json`. If the server fails after sending the first
documents, the document is left unterminated (no closing `]}`), so a JSON parser refuses it."""

OECD_RESPONSES = {
    **RESPONSES,
    (200, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="OECD set document (`?format=oecd`): /api/schema/oecd-incidents.json."
    ),
}
