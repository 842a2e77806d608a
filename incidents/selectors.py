"""Reads behind the public pages, each in a fixed number of queries.

Views call these and render; the queries (prefetches, annotations, search)
live here so that a page's query count does not depend on how many
incidents, claims or sources exist.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Subquery
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import taxonomy
from .completeness import has_harness_annotation
from .confidence import with_confidence
from .facets import (
    FacetSelection,
    cached_facet_counts,
    facet_counts,
    has_reproduction_q,
    page_ids_key,
    ranking_key,
    store_facet_counts,
)
from .generations import CACHE_SECONDS
from .identifiers import PUBLIC_ID_RE
from .models import (
    CausalAttribution,
    Claim,
    ClaimStatusChange,
    Evidence,
    Incident,
    IncidentOrganisation,
    IncidentRelation,
    IncidentSystem,
    Measurement,
    Metric,
    Source,
    TaxonomyTerm,
)
from .paging import (
    CachedIdsPaginator,
    CachedRankingPaginator,
    DeferredJoinPaginator,
    count_up_to,
)
from .search import CONFIG, corrected_search, normalise_query, search_incidents, text_query
from .visibility import (
    hidden_incident_ids,
    public_incidents,
    public_organisations,
    public_q,
    public_sources,
    public_systems,
    published_measurements,
    with_public_developer,
)

PAGE_SIZE = 20
# The list pages through the first 10,000 results at most (as Elasticsearch
# and GitHub's search do): an OFFSET deeper than that reads every row it
# skips, and no reader pages past 500 pages; filters narrow a search, and the
# API's cursor pagination and CSV export read whole result sets.
MAX_LISTED_RESULTS = 10_000
# A search's filters are counted before its page is sent up to this many
# matches (counting takes time in proportion to the matches; figures behind
# this module's comments: docs/benchmarks.md, 'Why the indexes and query
# shapes'); above, the page goes first (see search_incident_list).
FACETS_WITH_PAGE_LIMIT = 2_000
ENTITY_PAGE_SIZE = 25
MEASUREMENTS_PAGE_SIZE = 50
KEY_METRIC_SLUGS = ["blackmail-rate", "capability-safety-spending-ratio"]
KEY_METRICS_SHOWN = 3
KEY_METRIC_MEASUREMENTS = 12

# ts_headline marks matches with characters users cannot type into a
# search (normalise_query drops control characters), so the snippet can be
# HTML-escaped first and the marks turned into <mark> afterwards.
_MARK_START, _MARK_STOP = "\x02", "\x03"

SORTS = {
    "relevance": "Relevance",
    "date": "Newest first",
    "severity": "Most severe first",
}
# The order of each sort; ties go to the newest report, then the newest id.
SORT_ORDERS = {
    "relevance": ["-rank", F("reported_on").desc(nulls_last=True), "-id"],
    "date": [F("reported_on").desc(nulls_last=True), "-id"],
    "severity": ["-severity", F("reported_on").desc(nulls_last=True), "-id"],
}


def attach_claims(measurements, claims=None) -> list:
    """Give each measurement its claim carrying the claim's confidence (the
    badge shown beside the figure): from `claims` already loaded with their
    evidence, else in one query for all of them."""
    measurements = list(measurements)
    ids = {m.claim_id for m in measurements if m.claim_id}
    if not ids:
        return measurements
    if claims is None:
        claims = with_confidence(Claim.objects.filter(pk__in=ids).order_by())
    by_id = {claim.pk: claim for claim in claims}
    for m in measurements:
        if m.claim_id in by_id:
            m.claim = by_id[m.claim_id]
    return measurements


def _with_parties(queryset):
    """Attach organisation and system links (with their targets) in two queries."""
    return queryset.prefetch_related(
        Prefetch("organisation_links", queryset=IncidentOrganisation.objects.select_related("organisation")),
        Prefetch("system_links", queryset=IncidentSystem.objects.select_related("system")),
    )


def page_number(raw) -> int:
    """A page number from a query parameter; anything malformed is page 1."""
    try:
        number = int(str(raw or "1").strip()[:9])
    except ValueError:
        return 1
    return max(number, 1)


def paginate(queryset, raw_page, per_page) -> Page:
    """The requested page, or the last one when the number is past the end."""
    return Paginator(queryset, per_page).get_page(page_number(raw_page))


# Snippets are cut from the Markdown source: show link text and drop the
# emphasis and heading marks, which would otherwise appear as typed.
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"\*\*|__|`|^#+\s*", re.M)


def highlight(snippet: str) -> str:
    """ts_headline output, escaped, with the match marks as <mark>."""
    if not snippet:
        return ""
    snippet = _MARKDOWN_MARKS.sub("", _MARKDOWN_LINK.sub(r"\1", snippet))
    html = escape(snippet).replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>")
    return mark_safe(html)  # escaped above; only our own <mark> tags remain


@dataclass
class IncidentSearch:
    text: str
    sort: str
    page: Page
    total: int  # exact up to MAX_LISTED_RESULTS; above it, MAX_LISTED_RESULTS + 1 unless the facets were counted
    facets: list | None  # None: too many matches to count per facet before the page is sent (see below)
    selection: FacetSelection
    corrected: str | None = None  # the search run instead of `text`, which found nothing (search.corrected_search)

    @property
    def max_listed(self) -> str:
        return f"{MAX_LISTED_RESULTS:,}"

    @property
    def capped(self) -> bool:
        """Whether there are more results than the pages reach."""
        return self.total > MAX_LISTED_RESULTS

    @property
    def counts_deferred(self) -> bool:
        return self.facets is None


def _searched(text: str):
    return search_incidents(public_incidents(), text) if text else public_incidents()


def _count_facets(searched, text: str, selection: FacetSelection) -> tuple[int, list]:
    counts = facet_counts(searched, selection)
    store_facet_counts(text, selection, counts)
    return counts


def incident_facets(text: str, selection: FacetSelection) -> tuple[int, list]:
    """(total, facets with counts) of a search, from the cache or counted now."""
    text = normalise_query(text)
    return cached_facet_counts(text, selection) or _count_facets(_searched(text), text, selection)


def search_incident_list(text: str, sort: str, selection: FacetSelection, raw_page,
                         count_facets: bool = False) -> IncidentSearch:
    """The list page: published incidents matching `text` (full text and
    trigram names) and the facets, sorted, one page of them with
    highlighted snippets, and the facet counts.

    Facet counts come from the cache while the data is unchanged (they serve
    every page and sort order of a search). Counting them costs time in
    proportion to the matches before facets: up to FACETS_WITH_PAGE_LIMIT
    matches (and within the pages' reach) they are counted now; above,
    unless `count_facets`, the page is sent without them (`facets` None)
    and the reader's browser fetches them from `incident-filters` (without
    JavaScript, a link asks for them), as large search sites do, rather than
    making every reader of a broad search wait for them. The total is then
    counted no further than the pages reach."""
    text = normalise_query(text)
    if sort not in SORTS or (sort == "relevance" and not text):
        sort = "relevance" if text else "date"
    searched = _searched(text)
    results = searched.filter(selection.q()) if selection.selected else searched
    order = SORT_ORDERS[sort]
    corrected = corrected_search(public_incidents(), text) if text else None
    rows_by_id = _with_parties(_with_snippet(public_incidents(), corrected or text))
    ranked = None
    if text:
        # A search's results in their order, up to one past the pages'
        # reach, by one query cached beside the counts: it gives every page
        # and the total. Counting the matches apart read them all again
        # (twice with a filter).
        ranked = CachedRankingPaginator(
            results.order_by(*order), PAGE_SIZE, ranking_key=ranking_key(text, selection, sort),
            timeout=CACHE_SECONDS, count_limit=MAX_LISTED_RESULTS, rows_by_id=rows_by_id,
        )
    counts = cached_facet_counts(text, selection)
    if counts is None:
        if count_facets:
            matches = None
        elif ranked is not None and (not selection.selected or ranked.rows_counted > FACETS_WITH_PAGE_LIMIT):
            # The results are the matches, or already more than the limit.
            matches = ranked.rows_counted
        elif ranked is not None:
            # Only whether the matches are within the limit matters here.
            matches = count_up_to(searched, FACETS_WITH_PAGE_LIMIT + 1)
        else:
            matches = count_up_to(searched, MAX_LISTED_RESULTS + 1)
        if matches is None or matches <= min(FACETS_WITH_PAGE_LIMIT, MAX_LISTED_RESULTS):
            counts = _count_facets(searched, text, selection)
        elif ranked is not None:
            counts = (ranked.rows_counted, None)
        else:
            counts = (count_up_to(results, MAX_LISTED_RESULTS + 1) if selection.selected else matches, None)
    total, facets = counts

    # Without words, each page's ids are cached beside the counts, so a
    # repeated list (or a reader coming back to page 1) reads twenty rows by
    # id, with their parties, from the published incidents.
    paginator = ranked if ranked is not None else CachedIdsPaginator(
        results.order_by(*order), PAGE_SIZE, count=min(total, MAX_LISTED_RESULTS),
        ids_key=lambda bottom, top: page_ids_key(text, selection, sort, bottom, top), timeout=CACHE_SECONDS,
        rows_by_id=rows_by_id,
    )
    page = paginator.get_page(page_number(raw_page))
    for incident in page.object_list:
        incident.snippet_html = highlight(getattr(incident, "snippet", ""))
    return IncidentSearch(text, sort, page, total, facets, selection, corrected)


def _with_snippet(queryset, text):
    """Annotate `snippet`: the summary with the matches marked (only the
    page's rows are rendered, so ts_headline runs twenty times at most)."""
    if not text:
        return queryset
    return queryset.annotate(
        snippet=SearchHeadline(
            "summary",
            text_query(text),
            config=CONFIG,
            start_sel=_MARK_START,
            stop_sel=_MARK_STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
        )
    )


def home_page_data() -> dict:
    """Recent and most severe incidents, recent claim status changes and
    the key metrics, in a fixed number of queries."""
    recent = list(_with_parties(public_incidents().order_by(*SORT_ORDERS["date"]))[:6])
    # The six ids first, from the severity index alone; sorting the most
    # severe group's whole rows by date read thousands of them.
    # Hazards (potential harm) are ranked apart from what happened.
    severe = _most_severe(public_incidents().exclude(kind=Incident.Kind.HAZARD), 6)
    hazards = _most_severe(public_incidents().filter(kind=Incident.Kind.HAZARD), 4)
    changes = list(
        ClaimStatusChange.objects.filter(public_q("claim__incident"))
        .select_related("claim__incident")
        .order_by("-changed_at")[:6]
    )
    counts = public_incidents().aggregate(
        incidents=Count("pk"),
        reproduced=Count("pk", filter=has_reproduction_q()),
    )
    return {
        "recent": recent,
        "severe": severe,
        "hazards": hazards,
        "status_changes": changes,
        "key_metrics": key_metrics(),
        "counts": counts,
    }


def _most_severe(incidents, n: int) -> list[Incident]:
    """The `n` most severe of `incidents`: their ids from the severity index first, then their rows."""
    order = SORT_ORDERS["severity"]
    return list(incidents.filter(pk__in=incidents.order_by(*order).values("pk")[:n]).order_by(*order))


def key_metrics() -> list[Metric]:
    """Metrics with published measurements, the named key metrics first,
    then the most measured, each with its latest published measurements (and
    their claims) attached as `shown_measurements`: one query to rank them,
    one per metric tried (KEY_METRICS_SHOWN, more only when a metric has
    nothing published).

    Each metric's latest measurements are walked from its index (metric,
    newest first) until enough are published: numbering every measurement
    by metric in one window query sorted all of them on disk. Metrics are
    ranked by all their measurements, not only published ones, each counted
    from its index: joining each to its incident was far slower, and so was
    grouping them all with their metric."""
    counted = Measurement.objects.filter(metric=OuterRef("pk")).order_by().values("metric").annotate(n=Count("pk"))
    candidates = list(
        Metric.objects.annotate(n=Subquery(counted.values("n"))).order_by(F("n").desc(nulls_last=True), "name")[:20]
    )
    rank = {slug: index for index, slug in enumerate(KEY_METRIC_SLUGS)}
    candidates.sort(key=lambda m: rank.get(m.slug, len(rank)))
    published = published_measurements()
    chosen = []
    shown = []
    for metric in candidates:
        latest = list(
            published.filter(metric=metric)
            .select_related("metric", "system", "claim", "incident")
            .order_by("-as_of", "-id")[:KEY_METRIC_MEASUREMENTS]
        )
        if latest:  # none published: the next candidate
            metric.shown_measurements = latest
            shown += latest
            chosen.append(metric)
            if len(chosen) == KEY_METRICS_SHOWN:
                break
    attach_claims(shown)
    return chosen


def incident_page_data(public_id: str) -> Incident | None:
    """A published, unmerged incident with everything its page shows
    prefetched: parties, taxonomy, claims with their evidence and sources,
    measurements, related incidents. None when there is no such public
    incident (the caller then checks for a merge with resolve_incident)."""
    evidence = Evidence.objects.select_related("source").order_by("claim_id", "id")
    # has_harness: the one fact of the OECD criteria (incidents.completeness) not among the prefetches.
    queryset = public_incidents().annotate(has_harness=has_harness_annotation()).prefetch_related(
        Prefetch("organisation_links", queryset=IncidentOrganisation.objects.select_related("organisation")),
        Prefetch("system_links", queryset=IncidentSystem.objects.select_related("system__developer")),
        Prefetch("taxonomy", queryset=TaxonomyTerm.objects.select_related("parent")),
        Prefetch(
            "claims",
            queryset=Claim.objects.order_by("position", "id").prefetch_related(
                Prefetch("evidence", queryset=evidence),
                "systems",
                Prefetch("status_changes", queryset=ClaimStatusChange.objects.order_by("changed_at")),
            ),
        ),
        Prefetch("evidence", queryset=evidence, to_attr="all_evidence"),
        # "Also recorded in" and "What caused it" (templates/incidents/_external_ids.html, _attribution.html).
        "external_ids",
        Prefetch(
            "attributions",
            queryset=CausalAttribution.objects.prefetch_related(
                Prefetch("evidence", queryset=Evidence.objects.select_related("source"))
            ),
        ),
        Prefetch(
            "measurements",
            queryset=Measurement.objects.select_related("metric", "system", "evidence__source", "reproduction_run")
            .order_by("metric__name", "as_of", "id"),
        ),
        *public_relations(),
    )
    if not PUBLIC_ID_RE.match(public_id or ""):
        return None
    incident = queryset.filter(public_id=public_id).first()
    if incident is not None:
        # Pipeline checks are shown apart, labelled, never among the data.
        measurements = attach_claims(incident.measurements.all(), claims=incident.claims.all())
        incident.data_measurements = [m for m in measurements if m.purpose != Measurement.Purpose.PIPELINE_CHECK]
        incident.pipeline_checks = [m for m in measurements if m.purpose == Measurement.Purpose.PIPELINE_CHECK]
    return incident


def incident_timeline(incident: Incident) -> list[dict]:
    """Dated events of an incident, oldest first, from already-fetched data:
    when it happened and was reported, when its sources appeared, when
    claims changed status, and when the entry was created and last revised."""
    events = []
    if incident.occurred_on:
        events.append({"date": incident.occurred_on, "display": incident.occurred_display, "what": "Occurred"})
    if incident.reported_on:
        events.append({"date": incident.reported_on, "display": incident.reported_display, "what": "First reported"})
    seen_sources = set()
    for item in incident.all_evidence:
        source = item.source
        if source.published_on and source.pk not in seen_sources:
            seen_sources.add(source.pk)
            events.append({"date": source.published_on, "display": None, "what": f"Source published: {source.title}",
                           "url": source.get_absolute_url()})
    for claim in incident.claims.all():
        for change in claim.status_changes.all():
            if change.from_status:
                events.append({
                    "date": change.changed_at.date(),
                    "display": None,
                    "what": f"Claim {change.get_from_status_display().lower()} \u2192 {change.get_to_status_display().lower()}: {claim.statement[:90]}",
                })
    events.append({"date": incident.created.date(), "display": None, "what": "Entry created"})
    if incident.updated.date() != incident.created.date():
        events.append({"date": incident.updated.date(), "display": None, "what": "Entry last revised"})
    events.sort(key=lambda e: e["date"])
    return events


def public_relations() -> list[Prefetch]:
    """Prefetches of an incident's relations both ways, to public incidents
    only: related_incidents reads them (the page and the briefing)."""
    return [
        Prefetch("relations_from", queryset=IncidentRelation.objects.filter(public_q("to_incident")).select_related("to_incident")),
        Prefetch("relations_to", queryset=IncidentRelation.objects.filter(public_q("from_incident")).select_related("from_incident")),
    ]


def related_incidents(incident: Incident) -> list[dict]:
    """Links both ways, as (type label, other incident, note), from the
    prefetches of public_relations."""
    related = [
        {"type": r.get_relation_type_display(), "incident": r.to_incident, "note": r.note}
        for r in incident.relations_from.all()
    ]
    related += [
        {"type": r.get_relation_type_display(), "incident": r.from_incident, "note": r.note}
        for r in incident.relations_to.all()
    ]
    return related


def source_page_data(pk: int) -> tuple[Source, list[Evidence]]:
    """A source and the published evidence that cites it, with incidents and claims."""
    source = public_sources().select_related("responding_organisation").filter(pk=pk).first()
    if source is None:
        raise Http404("No such source.")
    evidence = list(
        Evidence.objects.filter(public_q("incident"), source=source)
        .select_related("incident", "claim")
        .order_by("incident__public_id", "claim_id", "id")[:500]
    )
    return source, evidence


def incidents_page(links, raw_page) -> Page:
    """One page of an entity's published incidents, newest first, from its
    link rows (`links`: a queryset of a link table, with `incident_id`).
    Incidents are selected by id (`pk__in`), which never repeats a row:
    DISTINCT over the whole rows made PostgreSQL sort and compare every
    linked incident's text (slow for an organisation with thousands)."""
    linked = links.order_by().values("incident_id")
    listed = public_incidents().filter(pk__in=linked).order_by(*SORT_ORDERS["date"])
    # Counted from the link rows alone, leaving out the few hidden
    # incidents by id: checking each linked incident's row was several
    # times slower.
    count = linked.exclude(incident_id__in=hidden_incident_ids()).distinct().count()
    # The page's ids first, from the date index alone, then its rows: an
    # OFFSET over whole rows read and sorted every linked incident's (slow
    # on the later pages of an AI system with thousands).
    paginator = DeferredJoinPaginator(listed, ENTITY_PAGE_SIZE, count=count, ids_for_first_page=True)
    return paginator.get_page(page_number(raw_page))


def organisation_page_data(slug: str, raw_page) -> dict:
    organisation = public_organisations().filter(slug=slug).first()
    if organisation is None:
        raise Http404("No such organisation.")
    incident_links = IncidentOrganisation.objects.filter(organisation=organisation)
    return {
        "organisation": organisation,
        "systems": list(public_systems().filter(developer=organisation).order_by("name")[:100]),
        "responses": list(public_sources().filter(responding_organisation=organisation).order_by("-published_on")[:50]),
        "page": incidents_page(incident_links, raw_page),
    }


def system_page_data(slug: str, raw_page) -> dict:
    system = with_public_developer(public_systems()).filter(slug=slug).first()
    if system is None:
        raise Http404("No such AI system.")
    incident_links = IncidentSystem.objects.filter(system=system)
    # The hundred ids first, sorted with the metric's name alone, then their
    # rows: sorting all the system's measurements with their incident and
    # source rows attached was far slower.
    shown = ("metric__name", "-as_of", "-id")
    ids = published_measurements().filter(system=system).order_by(*shown).values("pk")[:100]
    measurements = attach_claims(
        Measurement.objects.filter(pk__in=ids)
        .select_related("metric", "system", "incident", "evidence__source")
        .order_by(*shown)
    )
    return {
        "system": system,
        "measurements": measurements,
        "page": incidents_page(incident_links, raw_page),
    }


def taxonomy_page_data(slug: str, raw_page) -> dict:
    """A term with its narrower terms, and a page of the incidents under it:
    classified under the term or any term below it (incidents.taxonomy)."""
    term = TaxonomyTerm.objects.select_related("parent").filter(slug=slug).first()
    if term is None:
        raise Http404("No such taxonomy term.")
    below = taxonomy.below(term)
    incident_links = taxonomy.links_under([term.pk] + [t.pk for t in below])
    return {
        "term": term,
        "children": [t for t in below if t.parent_id == term.pk],
        "page": incidents_page(incident_links, raw_page),
    }


def metric_page_data(slug: str, raw_page) -> dict:
    """A metric, its latest value per system (for the chart) and a page of
    all its published measurements with provenance (for the table)."""
    metric = Metric.objects.filter(slug=slug).first()
    if metric is None:
        raise Http404("No such metric.")
    published = published_measurements().filter(metric=metric).select_related(
        "metric", "system", "incident", "claim", "evidence__source", "reproduction_run"
    )
    # The ids of each system and label's latest measurement first, walked in
    # order from the index measurement_metric_per_system, then those rows:
    # numbering them with their incident, claim and source rows attached
    # sorted every one of the metric's wide rows on disk, and PostgreSQL
    # joined those before the ids as a subquery.
    latest_ids = list(
        published.order_by("system_id", "label", "-as_of", "-id").distinct("system_id", "label").values_list("id", flat=True)
    )
    latest_per_system = list(published.filter(id__in=latest_ids).order_by("-value", "id")[:30])
    page = paginate(published.order_by("-as_of", "-id"), raw_page, MEASUREMENTS_PAGE_SIZE)
    page.object_list = list(page.object_list)
    attach_claims(latest_per_system + page.object_list)
    return {"metric": metric, "latest": latest_per_system, "page": page}
