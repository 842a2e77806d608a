"""Public web pages. Thin: clean the request, call a selector, render."""

import json
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from . import citations, feeds, oecd, overview, selectors
from .charts import charts_by_metric, panel_charts
from .completeness import completeness_of, page_rows
from .confidence import INCIDENT_STATUS_MEANINGS, LADDER
from .facets import parse_facets
from .forms import IncidentSearchForm, results_query
from .models import (
    Claim,
    DatePrecision,
    Evidence,
    Incident,
    Metric,
    Source,
    TaxonomyTerm,
)
from .similar import similar_incidents
from .visibility import public_incidents, resolve_public_id

MAX_DB_ID = 2**63 - 1
METRIC_PAGE_PANELS = 6  # charts on a metric's page; further panels are in its table


def _url_or_none(name, *args):
    """A URL owned by another app, once that app provides it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@require_safe
def home(request):
    data = selectors.home_page_data()
    # One panel per key metric at a glance (the one with the most figures): figures
    # measured under other conditions are never drawn beside them.
    data["key_metric_charts"] = [
        (metric, panel_charts(metric, metric.shown_measurements, title=f"{metric.name}: latest values", limit=1))
        for metric in data["key_metrics"]
    ]
    data["overview_charts"] = overview.home_charts()
    return render(request, "incidents/home.html", data)


@require_safe
def incident_list(request):
    form = IncidentSearchForm(request.GET)
    text, sort, notices = form.search_params()
    selection = parse_facets(request.GET)
    count_facets = request.GET.get("counts") == "all"
    if selection.ignored_count:
        shown = selection.ignored[:5]
        values = ", ".join(f"{param}={value[:40]}" for param, value in shown)
        more = selection.ignored_count - len(shown)
        values += f" and {more} more" if more else ""
        notices.append(f"Some filters were not recognised and were ignored: {values}.")
    search = selectors.search_incident_list(text, sort, selection, request.GET.get("page"), count_facets)
    # "Download these results": every result (not only the pages' reach) from
    # the API's export, asked with this page's search and filters.
    results = results_query(search.corrected or text, search.sort, selection)
    export = reverse("api:incident-export")
    downloads = {fmt: f"{export}?{urlencode([('format', fmt), *results])}" for fmt in ("csv", "jsonl")}
    params = request.GET.copy()
    params["q"] = text
    params.pop("counts", None)
    facets_query = params.copy()
    facets_query.pop("page", None)
    counted_query = params.copy()
    counted_query["counts"] = "all"
    corrected_query = facets_query.copy()
    corrected_query["q"] = search.corrected or ""
    active_filters = []
    for facet, value, label in selection.active():
        remaining = params.copy()
        remaining.setlist(facet.param, [v for v in params.getlist(facet.param) if v != str(value)])
        remaining.pop("page", None)
        active_filters.append({"facet": facet.label, "label": label, "remove_url": "?" + remaining.urlencode()})
    return render(
        request,
        "incidents/incident_list.html",
        {
            "search": search,
            "page": search.page,
            "text": text,
            "sort": search.sort,
            "sorts": selectors.SORTS,
            "notices": notices,
            "active_filters": active_filters,
            "facets_query": facets_query.urlencode(),
            "counted_query": counted_query.urlencode(),
            "corrected_query": corrected_query.urlencode(),
            "downloads": downloads,
        },
    )


@require_safe
def incident_filters(request):
    """The filters of a search with their counts, as the HTML fragment the
    list page fetches when it was sent without them (see
    selectors.search_incident_list)."""
    text, _, _ = IncidentSearchForm(request.GET).search_params()
    _, facets = selectors.incident_facets(text, parse_facets(request.GET))
    return render(request, "incidents/_facets.html", {"facets": facets})


@require_safe
def incident_detail(request, public_id):
    incident = selectors.incident_page_data(public_id)
    if incident is None:
        # Not public under this id: follow a merge to its survivor, or 404.
        target = resolve_public_id(public_id)
        if target.public_id == public_id:
            raise Http404("No such incident.")
        return HttpResponsePermanentRedirect(target.get_absolute_url())
    related = selectors.related_incidents(incident)
    completeness = completeness_of(incident)
    context = {
        "incident": incident,
        "oecd": completeness,
        "oecd_rows": page_rows(incident, completeness),
        "claims": list(incident.claims.all()),
        "context_evidence": [e for e in incident.all_evidence if e.claim_id is None],
        "metric_charts": charts_by_metric(incident.data_measurements),
        "pipeline_checks": incident.pipeline_checks,
        "timeline": selectors.incident_timeline(incident),
        "related": related,
        "similar": similar_incidents(incident, exclude=[r["incident"].pk for r in related]),
        "citation_text": citations.incident_citation_text(incident),
        "citation_bibtex": citations.incident_bibtex(incident),
        "briefing_url": _url_or_none("incident-briefing", incident.public_id),
    }
    return render(request, "incidents/incident_detail.html", context)


def _citable_incident(public_id):
    target = resolve_public_id(public_id)
    return public_incidents().get(pk=target.pk)


@require_safe
def incident_bibtex(request, public_id):
    incident = _citable_incident(public_id)
    response = HttpResponse(citations.incident_bibtex(incident) + "\n", content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{incident.public_id}.bib"'
    return response


@require_safe
def incident_csl(request, public_id):
    incident = _citable_incident(public_id)
    body = json.dumps([citations.incident_csl(incident)], ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/vnd.citationstyles.csl+json; charset=utf-8")


@require_safe
def source_detail(request, pk):
    if pk > MAX_DB_ID:
        raise Http404("No such source.")
    source, evidence = selectors.source_page_data(pk)
    incidents = {}
    for item in evidence:
        incidents.setdefault(item.incident_id, {"incident": item.incident, "evidence": []})["evidence"].append(item)
    return render(
        request,
        "incidents/source_detail.html",
        {
            "source": source,
            "cited_by": list(incidents.values()),
            "citation_text": citations.source_citation_text(source),
            "citation_bibtex": citations.source_bibtex(source),
        },
    )


@require_safe
def organisation_detail(request, slug):
    data = selectors.organisation_page_data(slug, request.GET.get("page"))
    return render(request, "incidents/organisation_detail.html", data)


@require_safe
def system_detail(request, slug):
    data = selectors.system_page_data(slug, request.GET.get("page"))
    return render(request, "incidents/system_detail.html", data)


@require_safe
def taxonomy_detail(request, slug):
    data = selectors.taxonomy_page_data(slug, request.GET.get("page"))
    return render(request, "incidents/taxonomy_detail.html", data)


@require_safe
def metric_detail(request, slug):
    data = selectors.metric_page_data(slug, request.GET.get("page"))
    data["chart"] = panel_charts(data["metric"], data["latest"], title=f"{data['metric'].name}: latest value per system",
                                 limit=METRIC_PAGE_PANELS)
    return render(request, "incidents/metric_detail.html", data)


@require_safe
def methodology(request):
    return render(
        request,
        "incidents/methodology.html",
        {
            "incident_kinds": Incident.Kind.choices,
            "incident_statuses": Incident.Status.choices,
            "severities": Incident.Severity.choices,
            "settings": Incident.Setting.choices,
            "claim_statuses": Claim.Status.choices,
            "source_kinds": Source.Kind.choices,
            "reliabilities": Source.Reliability.choices,
            "locator_types": Evidence.LocatorType.choices,
            "stances": Evidence.Stance.choices,
            "date_precisions": DatePrecision.choices,
            "schemes": TaxonomyTerm.Scheme.choices,
            "units": Metric.Unit.choices,
            "bases": Evidence.Basis.choices,
            "ladder": LADDER,
            "status_meanings": {status.value: meaning for status, meaning in INCIDENT_STATUS_MEANINGS.items()},
            **oecd_context(),
        },
    )


def oecd_context() -> dict:
    """/methodology/#oecd: the registry of incidents.oecd."""
    return {
        "oecd_criteria": oecd.CRITERIA,
        "oecd_dimensions": oecd.Dimension.choices,
        "oecd_mandatory": oecd.MANDATORY,
        "oecd_levels": oecd.OecdSeverity.choices,
        "oecd_hazard_levels": sorted(oecd.HAZARD_LEVELS),
        "oecd_vocabularies": [
            ("Type of harm", oecd.HarmType.choices),
            ("How the AI system relates", oecd.AIRelation.choices),
            ("Submitter", oecd.SubmitterType.choices),
            ("Affected stakeholders", oecd.Stakeholder.choices),
            ("OECD AI Principles", oecd.AIPrinciple.choices),
            ("Industry (ISIC Rev.4 sections)", oecd.ISIC_CHOICES),
            ("Business function", oecd.BusinessFunction.choices),
            ("Critical infrastructure", oecd.CriticalInfrastructure.choices),
            ("Breadth of deployment", oecd.DeploymentBreadth.choices),
            ("Usage rights (of an AI system)", oecd.UsageRights.choices),
            ("Tasks", oecd.AITask.choices),
            ("Level of autonomy", oecd.Autonomy.choices),
        ],
    }


@require_safe
def feeds_page(request):
    """The feeds, for people: what each follows, its address to copy into a
    feed reader, and the entries it holds now. A feed opened in a browser is
    styled by XSLT (incidents.feeds) only where the browser still applies
    it; Chromium is removing XSLT, so this page is the lasting view."""
    return render(request, "incidents/feeds.html", {"entries": list(feeds.latest_entries())})
