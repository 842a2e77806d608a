"""Paginators for long querysets.

`DeferredJoinPaginator` reads a page's ids first (an OFFSET over the
ordering's index alone) and then that page's rows by id, instead of reading
and discarding every wide row before the page. `CachedIdsPaginator` also
keeps each page's ids in the cache under a key the caller gives (one that
changes when the data does), so a repeated search skips its ranking;
`CachedRankingPaginator` keeps a capped search's whole ranked id list.
Each can count no further than a `count_limit`, as search engines do
(Elasticsearch's 10,000 total hits): the pages then reach that many rows,
and `count_exact` says whether there are more. `count_up_to` counts a
queryset no further than a bound.
"""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


def count_up_to(queryset, limit: int) -> int:
    """The number of rows, counted no further than `limit`: ids only (no
    annotation such as a search's rank is computed), and the scan stops at
    the limit instead of reading every match."""
    return queryset.order_by().values("pk")[:limit].count()


def fetch_ids(queryset) -> list:
    """The primary keys of `queryset`, in its order, by one fetch: the ORM
    reads rows a hundred at a time through its iterator, noticeably slower
    for a search's 10,000 ranked ids."""
    ids = queryset.values_list("pk")
    sql, params = ids.query.sql_with_params()
    with connections[ids.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class DeferredJoinPaginator(Paginator):
    """Later pages read their ids first, then their rows by id; the first
    page reads its rows at once (a plain LIMIT is already cheap), unless
    `ids_for_first_page`: where filters have indexes of their own, sorting
    the matches' ids read from an index is far cheaper than fetching and
    sorting their rows (figures behind this module's comments:
    docs/benchmarks.md, 'Why the indexes and query shapes')."""

    ids_for_first_page = False

    def __init__(self, object_list, per_page, count=None, count_limit=None, ids_for_first_page=None,
                 rows_by_id=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = count_limit
        # Where a page's rows are read by id: the same columns without the
        # filters, when the caller has it (a search re-applied to twenty
        # known ids recomputed its whole match set).
        self.rows_by_id = rows_by_id
        if ids_for_first_page is not None:
            self.ids_for_first_page = ids_for_first_page
        if count is not None:
            self.__dict__["count"] = count  # known up front: no COUNT query
            self.__dict__["rows_counted"] = count

    @cached_property
    def rows_counted(self) -> int:
        """The rows, counted to one past `count_limit` when there is one."""
        if self.count_limit is None:
            return super().count
        return count_up_to(self.object_list, self.count_limit + 1)

    @cached_property
    def count(self) -> int:
        return self.rows_counted if self.count_limit is None else min(self.rows_counted, self.count_limit)

    @property
    def count_exact(self) -> bool:
        """False when the rows go on past `count_limit` (and `count` is the limit)."""
        return self.count_limit is None or self.rows_counted <= self.count_limit

    def page_ids(self, bottom: int, top: int) -> list:
        return list(self.object_list.values_list("pk", flat=True)[bottom:top])

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if not hasattr(rows, "values_list") or (bottom == 0 and not self.ids_for_first_page):
            return self._get_page(rows[bottom:top], number, self)
        ids = self.page_ids(bottom, top)
        source = rows if self.rows_by_id is None else self.rows_by_id
        by_id = {row.pk: row for row in source.filter(pk__in=ids)}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)


class CachedIdsPaginator(DeferredJoinPaginator):
    """Every page's ids come from the cache when `ids_key(bottom, top)` is
    there; without a count given, the rows counted too, under `count_key`."""

    ids_for_first_page = True

    def __init__(self, object_list, per_page, count=None, *, ids_key, timeout, count_key=None, **kwargs):
        super().__init__(object_list, per_page, count=count, **kwargs)
        self.ids_key = ids_key
        self.count_key = count_key
        self.timeout = timeout

    @cached_property
    def rows_counted(self) -> int:
        if self.count_key is None:
            return super().rows_counted
        counted = cache.get(self.count_key)
        if counted is None:
            counted = super().rows_counted
            cache.set(self.count_key, counted, self.timeout)
        return counted

    def page_ids(self, bottom: int, top: int) -> list:
        key = self.ids_key(bottom, top)
        ids = cache.get(key)
        if ids is None:
            ids = super().page_ids(bottom, top)
            cache.set(key, ids, self.timeout)
        return ids


class CachedRankingPaginator(DeferredJoinPaginator):
    """For a search counted no further than `count_limit`: its ranked ids,
    up to one past the limit, are read by one query and cached under
    `ranking_key`, and its count and every page come from that list.
    Counting the matches apart read them all a second time; deeper pages
    are then free."""

    ids_for_first_page = True

    def __init__(self, object_list, per_page, *, ranking_key, timeout, count_limit, **kwargs):
        super().__init__(object_list, per_page, count_limit=count_limit, **kwargs)
        self.ranking_key = ranking_key
        self.timeout = timeout

    @cached_property
    def ranked_ids(self) -> list:
        ids = cache.get(self.ranking_key)
        if ids is None:
            ids = fetch_ids(self.object_list[: self.count_limit + 1])
            cache.set(self.ranking_key, ids, self.timeout)
        return ids

    @cached_property
    def rows_counted(self) -> int:
        return len(self.ranked_ids)

    def page_ids(self, bottom: int, top: int) -> list:
        return self.ranked_ids[bottom:top]
