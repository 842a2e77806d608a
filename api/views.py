"""The API's viewsets: thin, over the domain's selectors, search and services.

`ApiViewMixin` gives every viewset (other apps' included) the shared
behaviour: unknown query parameters refused by name, conditional GET
(ETag/Last-Modified/304), CSV on lists, and each list's whole-set export
(`<list>/export/`, api.exports).
"""

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from incidents.citations import incident_bibtex, incident_csl, source_bibtex, source_csl
from incidents.completeness import NO_FACTS, facts_for
from incidents.confidence import with_confidence
from incidents.models import (
    AISystem,
    Claim,
    Evidence,
    Incident,
    Measurement,
    Metric,
    Organisation,
    Source,
    TaxonomyTerm,
)
from incidents.search import normalise_query
from incidents.selectors import MAX_LISTED_RESULTS, SORT_ORDERS
from incidents.visibility import (
    public_organisations,
    public_sources,
    public_systems,
    resolve_public_id,
    with_public_developer,
)

from . import exports
from . import filters as api_filters
from . import serializers as s
from .columns import CSV_COLUMNS
from .conditional import apply_conditional_get
from .list_links import attach_list_links
from .pagination import RowsById
from .renderers import BibTeXRenderer, CSLJSONRenderer, CSVRenderer, FastJSONRenderer
from .schema_examples import EXAMPLES
from .shared_responses import SharedResponseMixin
from .visibility import can_see_drafts, visible_incidents

GLOBAL_QUERY_PARAMS = {"format"}
LIST_QUERY_PARAMS = set(exports.PAGING_PARAMS) | {"ordering"}
# Parameters whose empty value means something (an empty search is no search).
EMPTY_ALLOWED = {"q"}


class ApiViewMixin:
    """Shared behaviour of every API viewset."""

    # Query parameters a viewset's extra actions accept, by action name.
    action_query_params: dict[str, set[str]] = {}
    # Whether the list has a whole-set export (`<list>/export/`, api.exports).
    exportable = True

    @classmethod
    def get_extra_actions(cls):
        actions = super().get_extra_actions()
        return actions if cls.exportable else [a for a in actions if a.__name__ != "export"]

    def merged_redirect(self, public_id: str, url_name: str):
        """301 to the surviving entry's `url_name` address, query kept, when
        `public_id` was merged (followed through chains, by
        incidents.visibility) and the reader may see the survivor; else None."""
        if not Incident.objects.filter(public_id=public_id, merged_into__isnull=False).exists():
            return None
        try:
            target = resolve_public_id(public_id, include_drafts=can_see_drafts(self.request.user))
        except Http404:
            return None
        url = reverse(url_name, kwargs={"public_id": target.public_id})
        if self.request.META.get("QUERY_STRING"):
            url += "?" + self.request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(self.request.build_absolute_uri(url))

    def list_query_params(self) -> set[str]:
        known = set(GLOBAL_QUERY_PARAMS) | LIST_QUERY_PARAMS
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        return known

    def check_query_params(self, request):
        action = getattr(self, "action", None)
        if action == "list":
            known = self.list_query_params()
        elif action == "export":
            known = self.list_query_params() - exports.PAGING_PARAMS
        else:
            known = set(GLOBAL_QUERY_PARAMS)
        known |= self.action_query_params.get(action, set())
        errors = {}
        for name, values in request.query_params.lists():
            if name not in known:
                errors[name] = [exceptions.ErrorDetail(
                    f"Unknown query parameter; this endpoint accepts: {', '.join(sorted(known))}.", code="unknown_parameter"
                )]
            elif any("\x00" in value for value in values):
                errors[name] = [exceptions.ErrorDetail("NUL characters are not allowed.", code="null_characters_not_allowed")]
            elif name not in EMPTY_ALLOWED and any(not value.strip() for value in values):
                # An empty value was silently ignored: a script with an empty
                # variable read everything instead of what it asked for.
                errors[name] = [exceptions.ErrorDetail("Give a value, or leave the parameter out.", code="blank")]
            elif name == "page" and not all(value.isdigit() and int(value) >= 1 for value in values):
                errors[name] = [exceptions.ErrorDetail("A page number is a whole number from 1.", code="invalid")]
        if errors:
            raise exceptions.ValidationError(errors)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.check_query_params(request)
        self._drop_format_param(request)

    @staticmethod
    def _drop_format_param(request):
        """`?format=` has chosen the renderer by now. DRF would copy it into
        every item address in the body (its `reverse` keeps it), so a CSV
        row's `url` would read `.../AIKB-2025-0001/?format=csv`; addresses
        are canonical instead. Pagination links come from the full path and
        keep it, so the next CSV page is CSV too."""
        if "format" in request._request.GET:
            params = request._request.GET.copy()
            params.pop("format")
            request._request.GET = params

    def filter_queryset(self, queryset):
        """A request that names none of the filter set's parameters skips
        django-filter: building its form for a dozen filters took a
        noticeable part of a list's time, to change nothing, since an absent
        filter leaves the rows as they are (tests/api/test_unnamed_filters.py
        checks every filter set). Only parameters of the filter set reach it
        (check_query_params refuses the rest)."""
        backends = self.filter_backends
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            params = self.request.query_params
            if not any(name in params for name in filterset_class.base_filters):
                backends = [backend for backend in backends if not issubclass(backend, DjangoFilterBackend)]
        for backend in backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def get_renderers(self):
        """CSV on every list (even where a viewset names only JSON), never on
        items; writes and other actions answer JSON only. JSON is DRF's,
        written faster (api.renderers.FastJSONRenderer). An export is CSV
        or JSON Lines."""
        action = getattr(self, "action", None)
        if action == "export":
            return exports.export_renderers(self)
        renderers = [FastJSONRenderer() if type(r) is JSONRenderer else r for r in super().get_renderers()]
        if action == "list":
            if not any(isinstance(r, CSVRenderer) for r in renderers):
                renderers.append(CSVRenderer())
            return renderers
        renderers = [r for r in renderers if not isinstance(r, CSVRenderer)]
        if action != "retrieve" and self.request is not None and self.request.method not in ("GET", "HEAD"):
            renderers = [r for r in renderers if type(r) is FastJSONRenderer] or renderers
        return renderers

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return apply_conditional_get(request, response)

    def prepare_list_items(self, objects) -> None:
        """What a list does to a page's (or an export's batch of) objects
        before serialising them, in a fixed number of queries."""

    # The summary comes from api.schema.ApiAutoSchema (it names the list).
    @extend_schema(description=exports.DESCRIPTION, responses=exports.RESPONSES)
    @action(detail=False, methods=["get"], url_path="export", url_name="export")
    def export(self, request, *args, **kwargs):
        # The parameters were checked as the export's (no pages); from here
        # on the list's own hooks answer as for the list (its queryset,
        # filters, serializer), so visibility and filters stay one rule.
        self.action = "list"
        return exports.export_response(self)


class CitationMixin:
    """`?format=bibtex` and `?format=csl-json` (or the matching Accept
    header) on a list page or an item give citations instead of JSON."""

    renderer_classes = [FastJSONRenderer, CSVRenderer, BibTeXRenderer, CSLJSONRenderer]
    bibtex = None
    csl = None

    def _citation_format(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "format", None)

    def citations(self, objects):
        fmt = self._citation_format()
        if fmt == "bibtex":
            return [type(self).bibtex(obj) for obj in objects]
        if fmt == "csl-json":
            return [type(self).csl(obj) for obj in objects]
        return None

    def list(self, request, *args, **kwargs):
        if self._citation_format() in ("bibtex", "csl-json"):
            queryset = self.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(queryset)
            response = Response(self.citations(page))
            paginated = self.get_paginated_response([])
            for header in ("Link", "X-Total-Count", "X-Page-Size"):
                if header in paginated:
                    response[header] = paginated[header]
            return response
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        if self._citation_format() in ("bibtex", "csl-json"):
            return Response(self.citations([self.get_object()]))
        return super().retrieve(request, *args, **kwargs)


class WriteMixin:
    """Create and update in one transaction; the response shows the item as
    a later GET would (re-read through the viewset's queryset)."""

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()

    def _reread(self, instance):
        # The writer sees what they wrote even where they may not read it
        # otherwise (a draft incident, by a user who may add but not change).
        self.after_write = True
        fresh = self.get_queryset().get(pk=instance.pk)
        return self.get_serializer(self.prepare_item(fresh))

    def prepare_item(self, obj):
        return obj

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = self._reread(serializer.instance).data
        return Response(data, status=201, headers={"Location": data.get("url", "")})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self._reread(serializer.instance).data)


def _visible(view):
    """The incidents this request may read (all of them to re-read a write)."""
    if getattr(view, "after_write", False):
        return Incident.objects.all()
    return visible_incidents(view.request.user)


class ReadOnlyViewSet(SharedResponseMixin, ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ReadWriteViewSet(SharedResponseMixin, ApiViewMixin, WriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


INCIDENT_ORDERING = ["reported_on", "occurred_on", "updated", "created", "severity", "title", "public_id"]
# What a list page leaves unread: the stored search vector and the account
# are large and not shown.
LIST_DEFERRED = ("search_vector", "body")


# The website's sort orders, accepted by the incident list and its export so
# that the list page's query string selects the same rows in the same order
# (incidents.forms.results_query builds the page's download links so).
SORT_PARAMETER = OpenApiParameter(
    "sort", str, enum=list(SORT_ORDERS),
    description="The website's orders: relevance (a search's default; without `q`, the same as date), date "
                "(newest report first, undated last; the default without `q`) or severity (most severe first, "
                "then by date). `ordering`, when given, decides instead.",
)


def _list_doc(resource: str, columns_key: str, extra: str = ""):
    columns = "\n".join(f"- `{name}`: {text}" for name, text in CSV_COLUMNS[columns_key])
    return (
        f"{resource} {extra}\n\nCSV (`?format=csv` or `Accept: text/csv`) gives one row per item with these "
        f"columns (lists joined with \"; \"):\n\n{columns}"
    )


@extend_schema_view(
    list=extend_schema(
        summary="List and search incidents",
        description=_list_doc(
            "Published incidents (editors also see drafts), newest report first, or ranked by relevance with `q`.",
            "incidents",
            "Citations of the page: `?format=bibtex` or `?format=csl-json`.",
        ),
        examples=EXAMPLES["incident-list"],
        parameters=[SORT_PARAMETER],
    ),
    export=extend_schema(parameters=[SORT_PARAMETER], description=exports.OECD_DESCRIPTION, responses=exports.OECD_RESPONSES),
    retrieve=extend_schema(
        summary="One incident, with its claims, key measurements and sources",
        description="An entry merged into another answers 301 with the surviving entry's address. "
        "`?format=bibtex` or `?format=csl-json` give its citation.",
        examples=EXAMPLES["incident-detail"],
        responses={200: s.IncidentDetailSerializer, 301: OpenApiResponse(description="Merged: see Location.")},
    ),
    create=extend_schema(summary="Record an incident (token with incidents.add_incident)", examples=EXAMPLES["incident-create"]),
    update=extend_schema(summary="Replace an incident's fields (token with incidents.change_incident)"),
    partial_update=extend_schema(summary="Change some of an incident's fields (token with incidents.change_incident)"),
)
class IncidentViewSet(CitationMixin, ReadWriteViewSet):
    lookup_field = "public_id"
    lookup_value_regex = r"AIKB-\d{4}-\d{4,}"
    filterset_class = api_filters.IncidentFilterSet
    ordering_fields = INCIDENT_ORDERING
    search_ranked = True
    # Filters and orders combine freely over many wide rows: the first page
    # too reads its ids first (see DeferredJoinPaginator).
    ids_for_first_page = True
    csv_columns = [name for name, _ in CSV_COLUMNS["incidents"]]
    bibtex = staticmethod(incident_bibtex)
    csl = staticmethod(incident_csl)
    action_query_params = {"list": {"sort"}, "export": {"sort"}}
    # `export/?format=oecd`: the OECD-shaped set document (api.exports).
    oecd_export = True

    def website_sort(self) -> str | None:
        """The `sort` asked for (one of the website's), or None."""
        sort = self.request.query_params.get("sort") if self.request is not None else None
        if sort is not None and sort not in SORT_ORDERS:
            raise exceptions.ValidationError(
                {"sort": [f"Unknown sort {sort[:40]!r}; use {', '.join(SORT_ORDERS)}, as on the website."]})
        return sort

    # The website's orders (api.filters.StrictOrderingFilter reads these
    # when no `ordering` is given): newest report first, by rank for a
    # search, or the `sort` asked for; relevance without a search is by
    # date, as on the website.
    @property
    def ordering(self):
        sort = self.website_sort()
        return SORT_ORDERS["date" if sort in (None, "relevance") else sort]

    @property
    def ranked_ordering(self):
        return SORT_ORDERS[self.website_sort() or "relevance"]

    def get_serializer_class(self):
        return s.IncidentListSerializer if self.action == "list" else s.IncidentDetailSerializer

    def get_queryset(self):
        # Only the columns the items show: the stored search vector and
        # descriptions are large and unused here. Links (organisations,
        # systems, taxonomy) are attached in one query, per page or per
        # item: see paginate_queryset and prepare_item.
        queryset = _visible(self).defer("search_vector")
        if self.action == "list":
            return queryset.defer(*LIST_DEFERRED)
        return queryset.prefetch_related(
            Prefetch("claims", queryset=with_confidence(Claim.objects.order_by("position", "id"))),
            Prefetch(
                "measurements",
                queryset=Measurement.objects.filter(purpose=Measurement.Purpose.PUBLISHED)
                .select_related("metric", "system")
                .order_by("metric__name", "as_of", "id"),
                to_attr="key_measurements",
            ),
            Prefetch("merged_from", queryset=Incident.objects.only("id", "public_id", "merged_into_id")),
        )

    def paginate_queryset(self, queryset):
        """On a list, the page's incidents get their links in one query
        (prepare_list_items)."""
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            self.prepare_list_items(page)
        return page

    def prepare_list_items(self, objects):
        """A page's (or an export batch's) incidents get their links in one
        query (api.list_links)."""
        attach_list_links(objects)

    def page_rows(self):
        """The visible incidents, without the request's filters and search:
        a page's rows are read from them by id (see DeferredJoinPaginator),
        by one statement (see RowsById)."""
        return RowsById(self.get_queryset(), deferred=LIST_DEFERRED)

    def page_cache_parts(self):
        """Public lists and searches cache their count and page ids (see
        ApiPagination); the parameters but the page number name them.
        Counting every public incident again on each request was slow
        (figures: docs/benchmarks.md, 'Why the indexes and query shapes')."""
        params = self.request.query_params
        if self.action != "list" or can_see_drafts(self.request.user):
            return None
        return sorted((key, sorted(params.getlist(key))) for key in params if key not in ("page", "format"))

    def page_count_limit(self):
        """A search is counted, and paged by rank, no further than the
        website lists (see ApiPagination): ranking still reads every match,
        but counting every match exactly cost as much again."""
        if self.action == "list" and normalise_query(self.request.query_params.get("q", "")):
            return MAX_LISTED_RESULTS
        return None

    def prepare_item(self, obj):
        """An item's sources, links (with external ids), OECD completeness
        facts and attributions: a fixed number of queries."""
        obj.sources = list(Source.objects.filter(evidence__incident=obj).distinct().order_by("-published_on", "title"))
        attach_list_links([obj])
        obj.oecd_facts = facts_for([obj.pk]).get(obj.pk, NO_FACTS)
        obj.attribution_rows = s.attribution_rows(obj)
        return obj

    def get_object(self):
        return self.prepare_item(super().get_object())

    def retrieve(self, request, *args, **kwargs):
        redirect = self.merged_redirect(kwargs[self.lookup_field], "api:incident-detail")
        if redirect is not None:
            return redirect
        return super().retrieve(request, *args, **kwargs)



@extend_schema_view(
    list=extend_schema(summary="List claims", description=_list_doc("Claims of public incidents, each with its status.", "claims"),
                       examples=EXAMPLES["claim-list"]),
    retrieve=extend_schema(summary="One claim"),
    create=extend_schema(summary="Add a claim (token with incidents.add_claim)", examples=EXAMPLES["claim-create"]),
    update=extend_schema(summary="Replace a claim's fields (token with incidents.change_claim)"),
    partial_update=extend_schema(summary="Change a claim, e.g. its status (token with incidents.change_claim)"),
)
class ClaimViewSet(ReadWriteViewSet):
    serializer_class = s.ClaimSerializer
    filterset_class = api_filters.ClaimFilterSet
    ordering_fields = ["created", "updated", "position", "id"]
    ordering = ["incident_id", "position", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["claims"]]

    def get_queryset(self):
        claims = Claim.objects.filter(incident__in=_visible(self)).select_related("incident").prefetch_related("systems")
        return with_confidence(claims)


@extend_schema_view(
    list=extend_schema(summary="List evidence", description=_list_doc("Quotes from sources, with where they sit.", "evidence")),
    retrieve=extend_schema(summary="One piece of evidence"),
    create=extend_schema(summary="Add evidence (token with incidents.add_evidence)", examples=EXAMPLES["evidence-create"]),
    update=extend_schema(summary="Replace evidence (token with incidents.change_evidence)"),
    partial_update=extend_schema(summary="Change evidence (token with incidents.change_evidence)"),
)
class EvidenceViewSet(ReadWriteViewSet):
    serializer_class = s.EvidenceSerializer
    filterset_class = api_filters.EvidenceFilterSet
    ordering_fields = ["created", "updated", "id"]
    ordering = ["id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["evidence"]]

    def get_queryset(self):
        return Evidence.objects.filter(incident__in=_visible(self)).select_related("incident")


@extend_schema_view(
    list=extend_schema(summary="List measurements", description=_list_doc("Values of metrics with their provenance.", "measurements")),
    retrieve=extend_schema(summary="One measurement"),
    create=extend_schema(summary="Add a published figure (token with incidents.add_measurement)", examples=EXAMPLES["measurement-create"]),
    update=extend_schema(summary="Replace a measurement (token with incidents.change_measurement)"),
    partial_update=extend_schema(summary="Change a measurement (token with incidents.change_measurement)"),
)
class MeasurementViewSet(ReadWriteViewSet):
    serializer_class = s.MeasurementSerializer
    filterset_class = api_filters.MeasurementFilterSet
    ordering_fields = ["as_of", "value", "created", "updated", "id"]
    ordering = ["metric_id", "as_of", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["measurements"]]

    def get_queryset(self):
        measurements = Measurement.objects.filter(incident__in=_visible(self)).select_related("incident", "metric", "system")
        asked = self.request.query_params.getlist("purpose")
        if self.action == "list" and Measurement.Purpose.PIPELINE_CHECK not in asked:
            # Pipeline checks are never data: listed only when asked for by name.
            measurements = measurements.exclude(purpose=Measurement.Purpose.PIPELINE_CHECK)
        return measurements


@extend_schema_view(
    list=extend_schema(summary="List sources", description=_list_doc(
        "Papers, articles, transcripts and other sources. Citations of the page: `?format=bibtex` or `?format=csl-json`.", "sources")),
    retrieve=extend_schema(summary="One source, with the incidents that quote it",
                           description="`?format=bibtex` or `?format=csl-json` give its citation."),
)
class SourceViewSet(CitationMixin, ReadOnlyViewSet):
    filterset_class = api_filters.SourceFilterSet
    ordering_fields = ["published_on", "title", "created", "updated", "id"]
    ordering = ["-published_on", "title", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["sources"]]
    bibtex = staticmethod(source_bibtex)
    csl = staticmethod(source_csl)

    def get_serializer_class(self):
        return s.SourceSerializer if self.action == "list" else s.SourceDetailSerializer

    def get_queryset(self):
        sources = Source.objects.all() if can_see_drafts(self.request.user) else public_sources()
        return sources.select_related("responding_organisation")

    def get_object(self):
        source = super().get_object()
        incident_ids = Evidence.objects.filter(source=source).values("incident_id")
        source.incidents = list(visible_incidents(self.request.user).filter(pk__in=incident_ids).order_by("public_id")[:500])
        return source


class SlugViewSet(ReadOnlyViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"


@extend_schema_view(list=extend_schema(summary="List metrics", description=_list_doc("What is measured, and in which unit.", "metrics")),
                    retrieve=extend_schema(summary="One metric"))
class MetricViewSet(SlugViewSet):
    queryset = Metric.objects.all()
    serializer_class = s.MetricSerializer
    filterset_class = api_filters.MetricFilterSet
    ordering_fields = ["name", "created", "updated"]
    ordering = ["name", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["metrics"]]


@extend_schema_view(list=extend_schema(summary="List organisations", description=_list_doc("Companies, labs, regulators and others.", "organisations")),
                    retrieve=extend_schema(summary="One organisation"))
class OrganisationViewSet(SlugViewSet):
    serializer_class = s.OrganisationSerializer
    filterset_class = api_filters.OrganisationFilterSet
    ordering_fields = ["name", "created", "updated"]
    ordering = ["name", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["organisations"]]

    def get_queryset(self):
        # Not one only a draft names (editors see every one).
        return Organisation.objects.all() if can_see_drafts(self.request.user) else public_organisations()


@extend_schema_view(list=extend_schema(summary="List AI systems", description=_list_doc("Models and agents involved in incidents.", "systems")),
                    retrieve=extend_schema(summary="One AI system"))
class AISystemViewSet(SlugViewSet):
    serializer_class = s.AISystemSerializer
    filterset_class = api_filters.AISystemFilterSet
    ordering_fields = ["name", "created", "updated"]
    ordering = ["name", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["systems"]]

    def get_queryset(self):
        if can_see_drafts(self.request.user):
            return AISystem.objects.select_related("developer")
        return with_public_developer(public_systems())


@extend_schema_view(list=extend_schema(summary="List taxonomy terms", description=_list_doc("Terms of the classification schemes.", "taxonomy")),
                    retrieve=extend_schema(summary="One taxonomy term"))
class TaxonomyTermViewSet(SlugViewSet):
    queryset = TaxonomyTerm.objects.select_related("parent")
    serializer_class = s.TaxonomyTermSerializer
    filterset_class = api_filters.TaxonomyTermFilterSet
    ordering_fields = ["scheme", "code", "name", "created", "updated"]
    ordering = ["scheme", "code", "name", "id"]
    csv_columns = [name for name, _ in CSV_COLUMNS["taxonomy"]]
