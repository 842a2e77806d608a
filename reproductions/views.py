"""The public pages of one reproduction run: what ran, where, its progress
while it runs, its measurements and verdicts with the numbers the rule
used, every sample it was computed from, and its Inspect log."""


from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django.views.static import serve

from config.file_responses import StoredFile, serve_file

from . import viewer
from .models import ReproductionRun
from .selectors import public_run_measurements, public_verdicts

SAMPLES_PAGE_SIZE = 20


@require_safe
def run_detail(request, pk: int):
    run = get_object_or_404(
        ReproductionRun.objects.select_related("harness", "model__system").prefetch_related(
            Prefetch(
                "verdicts",
                queryset=public_verdicts().select_related(
                    "claim__incident", "measurement__metric", "published_measurement__evidence__source"
                ).order_by("id"),
            ),
            Prefetch(
                "measurements",
                queryset=public_run_measurements()
                .select_related("metric", "system", "incident", "claim")
                .order_by("id"),
            ),
        ),
        pk=pk,
    )
    verdicts = list(run.verdicts.all())
    judged = {v.measurement_id for v in verdicts}
    return render(
        request,
        "reproductions/run_detail.html",
        {
            "run": run,
            "verdicts": verdicts,
            "unjudged": [m for m in run.measurements.all() if m.pk not in judged],
            "sample_count": run.samples.count(),
            "has_viewer": viewer.dist_dir() is not None,
        },
    )


@require_safe
def run_samples(request, pk: int):
    run = get_object_or_404(ReproductionRun.objects.select_related("harness", "model"), pk=pk)
    only_ungraded = request.GET.get("ungraded") == "1"
    samples = run.samples.order_by("epoch", "id")
    if only_ungraded:
        samples = samples.filter(is_ungraded=True)
    page = Paginator(samples, SAMPLES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reproductions/run_samples.html", {"run": run, "page": page, "only_ungraded": only_ungraded})


@require_safe
def run_log(request, pk: int):
    """The run's Inspect log file, as stored (its SHA-256 is on the run).
    Answers one byte range (206) as Inspect's viewer asks for them: it
    reads the .eval zip's directory and entries, not the whole file."""
    run = get_object_or_404(ReproductionRun, pk=pk)
    if not run.log_file:
        raise Http404("This run has no Inspect log.")
    # exists() first: object storage answers a missing key with its own error, not FileNotFoundError.
    if not run.log_file.storage.exists(run.log_file.name):
        raise Http404("The run's log file is missing from the log storage.")
    try:
        size = run.log_file.size
    except FileNotFoundError:
        raise Http404("The run's log file is missing from the log storage.") from None
    stored = StoredFile(
        name=run.log_file.name,
        size=size,
        sha256=run.log_sha256,
        modified=int((run.finished_at or run.created).timestamp()),
        content_type="application/zip",
        filename=f"run-{run.pk}.eval",
        disposition="attachment",
    )
    return serve_file(request, run.log_file.storage, stored)


@require_safe
def run_viewer(request, pk: int):
    """The run's log in Inspect's own viewer (reproductions.viewer)."""
    run = get_object_or_404(ReproductionRun, pk=pk)
    if not run.log_file or viewer.dist_dir() is None:
        raise Http404("This run has no Inspect log, or Inspect's viewer is not installed on this server.")
    log_url = request.build_absolute_uri(reverse("reproduction-run-log", args=[run.pk]))
    if request.GET.get("log_file") != log_url:
        return HttpResponseRedirect(f"{request.path}?{urlencode({'log_file': log_url})}")
    assets = reverse("reproduction-viewer-asset", args=["index.js"]).removesuffix("index.js")
    response = HttpResponse(viewer.page(assets))
    response["Content-Security-Policy"] = viewer.policy()
    return response


@require_safe
def viewer_asset(request, path: str):
    """The viewer's scripts, styles and fonts, from Inspect's package."""
    folder = viewer.dist_dir()
    if folder is None:
        raise Http404("Inspect's viewer is not installed on this server.")
    response = serve(request, path, document_root=folder / "assets")
    # Its workers take their policy from this response.
    response["Content-Security-Policy"] = viewer.policy()
    response["Cache-Control"] = "public, max-age=86400"
    return response
