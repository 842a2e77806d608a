"""Page-number pagination with a capped page size, and a cursor option for
stable iteration over large sets (`?pagination=cursor`, then follow `next`).

Both add an RFC 8288 `Link` header (rel="next"/"prev"), so CSV clients can
page without a JSON body. A page size above the maximum is served at the
maximum, as most public APIs do (GitHub's `per_page`), not refused: a script
asking for 1,000 rows gets 100 and the next link. The size used is in the
body (`page_size`) and in `X-Page-Size`, for CSV clients too. A whole list
in one response is an export (api.exports), not a page.

A view may bound its count (`page_count_limit`): a search matching more
incidents than the website lists (10,000) is counted only that far, its
pages reach that many results by rank, and `count_exact` is false, as
search engines report totals (Elasticsearch's "gte" relation); cursor mode
still reads every match.
"""

from functools import partial

from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

from incidents.generations import CACHE_SECONDS, generation_key
from incidents.paging import CachedIdsPaginator, CachedRankingPaginator, DeferredJoinPaginator

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _page_size(request) -> int:
    """The page size asked for, capped at MAX_PAGE_SIZE; 400 for a size
    below 1 or one that is not a whole number."""
    raw = request.query_params.get("page_size")
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise exceptions.ValidationError({"page_size": ["A whole number is required."]}) from None
    if size < 1:
        raise exceptions.ValidationError({"page_size": [f"Give a page size between 1 and {MAX_PAGE_SIZE}."]})
    return min(size, MAX_PAGE_SIZE)


def _link_header(next_url, previous_url) -> str:
    links = []
    if next_url:
        links.append(f'<{next_url}>; rel="next"')
    if previous_url:
        links.append(f'<{previous_url}>; rel="prev"')
    return ", ".join(links)


class RowsById:
    """Where a page's rows are read by id (the paginators' `rows_by_id`,
    which they read as `filter(pk__in=ids)`): the instances of `queryset`
    with those ids, by one statement that takes the ids as one array, each
    built by Model.from_db. For a 100-item page, the ORM's `pk__in` took
    longer to compile its hundred parameters than the database took to
    answer, and its iterator as long again (figures: docs/benchmarks.md);
    incidents.paging.fetch_ids reads ids the same way for the same reason.

    The instances are the ORM's: the same columns (less `deferred`, read on
    first use), the same values, the same queries after. A queryset whose
    rows from_db cannot take as read (a field that converts what the
    database gives, an annotation, related rows) is read through the ORM;
    prefetches are not made (the list's querysets have none)."""

    def __init__(self, queryset, deferred=()):
        self.queryset = queryset
        fields = [field for field in queryset.model._meta.concrete_fields if field.name not in deferred]
        self.names = [field.name for field in fields]
        self.attnames = [field.attname for field in fields]
        query = queryset.query
        self.through_orm = any(hasattr(field, "from_db_value") for field in fields) or bool(
            query.annotations or query.extra_select or query.select_related
        )

    def filter(self, *, pk__in):
        ids = list(pk__in)
        if self.through_orm:
            return self.queryset.only(*self.names).filter(pk__in=ids)
        model, db = self.queryset.model, self.queryset.db
        quote = connections[db].ops.quote_name
        matches = RawSQL(f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)} = ANY(%s)", [ids],
                         output_field=BooleanField())
        # only(): the statement reads exactly these columns, in the model's order, as from_db takes them.
        sql, params = self.queryset.only(*self.names).filter(matches).order_by().query.sql_with_params()
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            return [model.from_db(db, self.attnames, row) for row in cursor.fetchall()]


class StableCursorPagination(CursorPagination):
    """Iterates by ascending id, whatever `ordering` says: ids never change,
    so a sync loop sees every row exactly once."""

    ordering = ("id",)
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        return self.ordering

    def get_page_size(self, request):
        return _page_size(request)

    def encode_cursor(self, cursor):
        url = super().encode_cursor(cursor)
        from rest_framework.utils.urls import remove_query_param

        return remove_query_param(url, "pagination")


class ApiPagination(PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_class = StableCursorPagination

    def _use_cursor(self, request) -> bool:
        mode = request.query_params.get("pagination", "")
        if mode not in ("", "page", "cursor"):
            raise exceptions.ValidationError({"pagination": ["Use 'page' (default) or 'cursor'."]})
        return mode == "cursor" or "cursor" in request.query_params

    def get_page_size(self, request):
        return _page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor = None
        if self._use_cursor(request):
            self.cursor = self.cursor_class()
            try:
                return self.cursor.paginate_queryset(queryset, request, view)
            except exceptions.NotFound:
                raise exceptions.ValidationError({"cursor": ["Invalid cursor: follow the `next` links as given."]}) from None
        # A view may name what its pages depend on besides the data (its
        # filters and search): its count and page ids are then cached in the
        # data's generation, so a repeated request skips counting and ranking;
        # a capped search keeps its whole ranked id list, its count included.
        parts = view.page_cache_parts() if hasattr(view, "page_cache_parts") else None
        count_limit = view.page_count_limit() if hasattr(view, "page_count_limit") else None
        rows_by_id = view.page_rows() if hasattr(view, "page_rows") else None
        if parts is not None and count_limit is not None:
            self.django_paginator_class = partial(
                CachedRankingPaginator,
                ranking_key=generation_key("api-ranking", *parts, count_limit),
                timeout=CACHE_SECONDS,
                count_limit=count_limit,
                rows_by_id=rows_by_id,
            )
        elif parts is not None:
            self.django_paginator_class = partial(
                CachedIdsPaginator,
                ids_key=lambda bottom, top: generation_key("api-page-ids", *parts, bottom, top),
                count_key=generation_key("api-count", *parts),
                timeout=CACHE_SECONDS,
                rows_by_id=rows_by_id,
            )
        else:
            self.django_paginator_class = partial(
                DeferredJoinPaginator, count_limit=count_limit,
                ids_for_first_page=getattr(view, "ids_for_first_page", False), rows_by_id=rows_by_id,
            )
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            message = str(exc.detail)
            if count_limit is not None:
                message += (f" A search's pages reach its first {count_limit:,} results: narrow it, "
                            "or read every match with pagination=cursor.")
            raise exceptions.ValidationError({"page": [message]}) from None

    def get_paginated_response(self, data):
        if self.cursor is not None:
            next_url, previous_url = self.cursor.get_next_link(), self.cursor.get_previous_link()
            body = {"count": None, "count_exact": None, "page_size": self.cursor.page_size,
                    "next": next_url, "previous": previous_url, "results": data}
        else:
            next_url, previous_url = self.get_next_link(), self.get_previous_link()
            paginator = self.page.paginator
            body = {"count": paginator.count, "count_exact": paginator.count_exact, "page_size": paginator.per_page,
                    "next": next_url, "previous": previous_url, "results": data}
        headers = {"X-Page-Size": str(body["page_size"])}
        link = _link_header(next_url, previous_url)
        if link:
            headers["Link"] = link
        if body["count_exact"]:
            headers["X-Total-Count"] = str(body["count"])
        return Response(body, headers=headers)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_exact", "page_size", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": "Number of items matching the query (null in cursor mode). A search that "
                                   "matches more than 10,000 items is counted to 10,000 (see count_exact).",
                    "example": 123,
                },
                "count_exact": {
                    "type": "boolean",
                    "nullable": True,
                    "description": "False when more items match than `count` says: a search matching over "
                                   "10,000 items, whose pages reach the first 10,000 by rank (cursor mode reads "
                                   "them all). Null in cursor mode.",
                    "example": True,
                },
                "page_size": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "description": f"The page size used (also in the X-Page-Size header): `page_size` as asked, "
                                   f"capped at {MAX_PAGE_SIZE}, or {DEFAULT_PAGE_SIZE} when not asked. The last page "
                                   "may hold fewer items.",
                    "example": DEFAULT_PAGE_SIZE,
                },
                "next": {"type": "string", "nullable": True, "format": "uri", "description": "The next page, or null.",
                         "example": "http://127.0.0.1:8000/api/v1/incidents/?page=2"},
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page, or null.",
                    "example": None,
                },
                # drf-spectacular also passes a sentinel here when building examples.
                "results": {**schema, "description": "The items of this page."} if isinstance(schema, dict) else schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "page", "required": False, "in": "query", "description": "Page number (page mode).",
             "schema": {"type": "integer", "minimum": 1}},
            {"name": "page_size", "required": False, "in": "query",
             "description": f"Items per page, from 1 (default {DEFAULT_PAGE_SIZE}); above {MAX_PAGE_SIZE} is capped "
                            f"at {MAX_PAGE_SIZE} (the size used is in `page_size` and X-Page-Size). For a whole "
                            "list in one download, use the list's `export/`.",
             "schema": {"type": "integer", "minimum": 1}},
            {"name": "pagination", "required": False, "in": "query",
             "description": "'cursor' iterates by ascending id with opaque `next` links, stable while data changes; "
                            "'page' (default) gives numbered pages and a total count.",
             "schema": {"type": "string", "enum": ["page", "cursor"]}},
            {"name": "cursor", "required": False, "in": "query",
             "description": "Opaque position from a `next`/`previous` link in cursor mode.",
             "schema": {"type": "string"}},
        ]
