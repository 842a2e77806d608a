"""Reads behind the index pages: organisations, AI systems, the taxonomy,
metrics and sources, each entry with how many public incidents it concerns.

Only public entries are listed (incidents.visibility), and only public
incidents are counted. Counts come from one grouped query over a link
table per page, never one query per row, and whatever was counted over a
whole table (all organisations' counts, the taxonomy's rolled-up counts,
the most cited sources) is kept in the cache for the data's generation
(incidents.generations): a change to the data is never answered from it.

Organisations and AI systems are short tables (tens to a few thousand
rows): their public entries' ids, names and dates are read once per
generation and sorted here, and a page reads its rows by id. Sources grow
with the incidents: their pages walk the index `source_newest`, and, as the
incident list does, reach the first MAX_LISTED entries of an order.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef

from . import generations, taxonomy
from .models import Evidence, IncidentOrganisation, IncidentSystem, Metric, Source, TaxonomyTerm
from .paging import CachedIdsPaginator, DeferredJoinPaginator, count_up_to
from .selectors import page_number
from .visibility import (
    hidden_incident_ids,
    public_organisations,
    public_sources,
    public_systems,
    published_measurements,
    with_public_developer,
)

INDEX_PAGE_SIZE = 50
# As the incident list (selectors.MAX_LISTED_RESULTS): an order's first
# 10,000 sources are paged; deeper OFFSETs read every row they skip.
MAX_LISTED = 10_000

ORGANISATION_SORTS = {"name": "Name", "incidents": "Most incidents", "newest": "Recently added"}
SYSTEM_SORTS = ORGANISATION_SORTS
SOURCE_SORTS = {"newest": "Newest first", "incidents": "Most cited"}
METRIC_SORTS = {"name": "Name", "measurements": "Most measurements"}
TAXONOMY_SORTS = {"code": "Scheme order", "incidents": "Most incidents"}
# Newest first: the order of the index `source_newest`.
SOURCE_ORDER = [F("published_on").desc(nulls_last=True), F("id").desc()]


def clean_sort(raw, sorts: dict) -> str:
    """The sort asked for, or the first (the default) when it is not one of `sorts`."""
    return raw if isinstance(raw, str) and raw in sorts else next(iter(sorts))


@dataclass
class IndexPage:
    """One page of an index: its rows (each with `incident_count`), the
    sort in force and the sorts offered, and the number of entries (up to
    MAX_LISTED where `count_exact` is False)."""

    page: Page
    sort: str
    sorts: dict
    total: int
    count_exact: bool = True

    @property
    def sort_label(self) -> str:
        return self.sorts[self.sort]


def public_incident_counts(links, field_name: str, ids=None) -> dict[int, int]:
    """{entity id: distinct public incidents} from the link rows `links`
    (a queryset of a table with `incident_id` and `field_name`), in one
    grouped query; only the entities `ids` when given."""
    rows = links.exclude(incident_id__in=hidden_incident_ids())
    if ids is not None:
        rows = rows.filter(**{f"{field_name}__in": list(ids)})
    grouped = rows.order_by().values(field_name).annotate(n=Count("incident_id", distinct=True))
    return {row[field_name]: row["n"] for row in grouped}


def _sorted_ids(entries, counts: dict, sort: str) -> list[int]:
    """Ids of `entries` ((id, name, created) tuples) in the order of `sort`."""
    if sort == "incidents":
        key = lambda e: (-counts.get(e[0], 0), e[1].casefold(), e[0])  # noqa: E731
    elif sort == "newest":
        key = lambda e: (-e[2].timestamp(), e[0])  # noqa: E731
    else:
        key = lambda e: (e[1].casefold(), e[0])  # noqa: E731
    return [entry[0] for entry in sorted(entries, key=key)]


def _short_table_index(name: str, entries_qs, links, field_name: str, rows_qs, raw_sort, raw_page, sorts) -> IndexPage:
    """An index of a short table: the public entries and their counts (from
    the cache, or two queries), ordered here; the page's rows read by id
    (from the public ones again: an entry hidden since is left out)."""
    sort = clean_sort(raw_sort, sorts)

    def ordered():
        entries = list(entries_qs.order_by().values_list("pk", "name", "created"))
        counts = public_incident_counts(links, field_name)
        return {"ids": _sorted_ids(entries, counts, sort), "counts": counts}

    listed = generations.remembered("indexes", (name, sort), ordered)
    paginator = DeferredJoinPaginator(listed["ids"], INDEX_PAGE_SIZE)
    page = paginator.get_page(page_number(raw_page))
    by_id = {row.pk: row for row in rows_qs.filter(pk__in=list(page.object_list))}
    page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    for row in page.object_list:
        row.incident_count = listed["counts"].get(row.pk, 0)
    return IndexPage(page, sort, sorts, paginator.count)


def organisation_index(raw_sort, raw_page) -> IndexPage:
    """Public organisations with their public incidents (any role, each incident once)."""
    return _short_table_index(
        "organisations", public_organisations(), IncidentOrganisation.objects, "organisation_id",
        public_organisations(), raw_sort, raw_page, ORGANISATION_SORTS,
    )


def system_index(raw_sort, raw_page) -> IndexPage:
    """Public AI systems, with their developer where it is a public
    organisation (visibility.with_public_developer), and their public incidents."""
    return _short_table_index(
        "systems", public_systems(), IncidentSystem.objects, "system_id",
        with_public_developer(public_systems()), raw_sort, raw_page, SYSTEM_SORTS,
    )


def _most_cited_source_ids() -> list[int]:
    """Public sources, those cited by the most public incidents first, up to
    one past MAX_LISTED: one grouped query over the evidence, in source
    order from the index evidence_source_incident (and, when the cited ones
    fall short, one for the sources recorded on their own)."""
    cited = (
        Evidence.objects.exclude(incident_id__in=hidden_incident_ids())
        .values("source_id")
        .annotate(n=Count("incident_id", distinct=True))
        .order_by("-n", "-source_id")
    )
    ids = list(cited.values_list("source_id", flat=True)[: MAX_LISTED + 1])
    if len(ids) <= MAX_LISTED:
        uncited = Source.objects.filter(~Exists(Evidence.objects.filter(source=OuterRef("pk"))))
        ids += list(uncited.order_by(*SOURCE_ORDER).values_list("pk", flat=True)[: MAX_LISTED + 1 - len(ids)])
    return ids


def source_index(raw_sort, raw_page) -> IndexPage:
    """Public sources (not quoted by hidden incidents alone), newest first or
    most cited first, each with the public incidents that cite it."""
    sort = clean_sort(raw_sort, SOURCE_SORTS)
    rows = public_sources()
    if sort == "incidents":
        ranked = generations.remembered("indexes", ("sources", sort), _most_cited_source_ids)
        counted = len(ranked)
        paginator = DeferredJoinPaginator(ranked[:MAX_LISTED], INDEX_PAGE_SIZE)
    else:
        counted = generations.remembered(
            "indexes", ("sources", "count"), lambda: count_up_to(public_sources(), MAX_LISTED + 1)
        )
        # A later page's ids walk the order past every source before it,
        # checking each is public: kept for the data's generation.
        paginator = CachedIdsPaginator(
            rows.order_by(*SOURCE_ORDER), INDEX_PAGE_SIZE, count=min(counted, MAX_LISTED),
            ids_key=lambda bottom, top: generations.generation_key("indexes", "sources", sort, bottom, top),
            timeout=generations.CACHE_SECONDS,
        )
    page = paginator.get_page(page_number(raw_page))
    if sort == "incidents":
        by_id = {row.pk: row for row in rows.filter(pk__in=list(page.object_list))}
        page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    else:
        page.object_list = list(page.object_list)
    counts = public_incident_counts(Evidence.objects, "source_id", [s.pk for s in page.object_list])
    for source in page.object_list:
        source.incident_count = counts.get(source.pk, 0)
    return IndexPage(page, sort, SOURCE_SORTS, min(counted, MAX_LISTED), count_exact=counted <= MAX_LISTED)


def metric_index(raw_sort) -> IndexPage:
    """Every metric, with its published measurements (never pipeline checks,
    never a hidden incident's) and the AI systems they measure.

    Metrics are a public vocabulary, as taxonomy terms are: a metric belongs
    to no incident, its page (selectors.metric_page_data) and the API show
    every one, and one with no published measurement yet is listed with 0.
    Only the measurements and their counts follow the public rule."""
    sort = clean_sort(raw_sort, METRIC_SORTS)

    def counted():
        grouped = published_measurements().order_by().values("metric_id").annotate(
            n=Count("pk"), systems=Count("system_id", distinct=True)
        )
        return {row["metric_id"]: (row["n"], row["systems"]) for row in grouped}

    counts = generations.remembered("indexes", ("metrics",), counted)
    metrics = list(Metric.objects.order_by("name"))
    for metric in metrics:
        metric.measurement_count, metric.system_count = counts.get(metric.pk, (0, 0))
    if sort == "measurements":
        metrics.sort(key=lambda m: -m.measurement_count)
    page = DeferredJoinPaginator(metrics, max(len(metrics), 1)).get_page(1)
    return IndexPage(page, sort, METRIC_SORTS, len(metrics))


@dataclass
class TermNode:
    term: TaxonomyTerm
    incident_count: int
    children: list = field(default_factory=list)


def taxonomy_tree(raw_sort) -> dict:
    """Each scheme's terms as a tree, every term with the distinct public
    incidents under it or any term below it (incidents.taxonomy), in two
    queries (the counts cached). Returns {"sort", "sorts", "schemes": [(label, [TermNode])]}."""
    sort = clean_sort(raw_sort, TAXONOMY_SORTS)

    def counted():
        hidden_sql, hidden_params = hidden_incident_ids().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(taxonomy.rolled_up_counts_sql(f"l.incident_id NOT IN ({hidden_sql})"), hidden_params)
            return dict(cursor.fetchall())

    counts = generations.remembered("indexes", ("taxonomy",), counted)
    terms = list(TaxonomyTerm.objects.order_by("scheme", "code", "name"))
    nodes = {term.pk: TermNode(term, counts.get(term.pk, 0)) for term in terms}
    roots = {}
    for term in terms:
        parent = nodes.get(term.parent_id)
        if parent is not None:
            parent.children.append(nodes[term.pk])
        else:
            roots.setdefault(term.scheme, []).append(nodes[term.pk])
    if sort == "incidents":
        def by_count(siblings):
            siblings.sort(key=lambda node: -node.incident_count)  # stable: scheme order within a count
            for node in siblings:
                by_count(node.children)

        for siblings in roots.values():
            by_count(siblings)
    labels = dict(TaxonomyTerm.Scheme.choices)
    order = [key for key, _ in TaxonomyTerm.Scheme.choices]
    schemes = [(labels[key], roots[key]) for key in order if key in roots]
    schemes += [(key, nodes) for key, nodes in roots.items() if key not in labels]
    return {"sort": sort, "sorts": TAXONOMY_SORTS, "schemes": schemes}
