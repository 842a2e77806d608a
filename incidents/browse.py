"""Index pages to browse by organisation, AI system, taxonomy, metric and
source. Thin: clean the request, call a selector, render."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import indexes


@require_safe
def organisation_index(request):
    index = indexes.organisation_index(request.GET.get("sort"), request.GET.get("page"))
    return render(request, "incidents/organisation_index.html", {"index": index, "page": index.page})


@require_safe
def system_index(request):
    index = indexes.system_index(request.GET.get("sort"), request.GET.get("page"))
    return render(request, "incidents/system_index.html", {"index": index, "page": index.page})


@require_safe
def taxonomy_index(request):
    return render(request, "incidents/taxonomy_index.html", indexes.taxonomy_tree(request.GET.get("sort")))


@require_safe
def metric_index(request):
    index = indexes.metric_index(request.GET.get("sort"))
    return render(request, "incidents/metric_index.html", {"index": index})


@require_safe
def source_index(request):
    index = indexes.source_index(request.GET.get("sort"), request.GET.get("page"))
    return render(request, "incidents/source_index.html", {"index": index, "page": index.page})
