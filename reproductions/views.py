"""The public pages of one reproduction run: what ran, where, its progress
while it runs, its measurements and verdicts with the numbers the rule
used, every sample it was computed from, and its Inspect log."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from incidents.models import Measurement

from .models import ReproductionRun, Verdict

SAMPLES_PAGE_SIZE = 20


@require_safe
def run_detail(request, pk: int):
    run = get_object_or_404(
        ReproductionRun.objects.select_related("harness", "model__system").prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related(
                    "claim__incident", "measurement__metric", "published_measurement__evidence__source"
                ).order_by("id"),
            ),
            Prefetch(
                "measurements",
                queryset=Measurement.objects.select_related("metric", "system", "incident", "claim").order_by("id"),
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
        },
    )


@require_safe
def run_samples(request, pk: int):
    run = get_object_or_404(ReproductionRun.objects.select_related("harness", "model"), pk=pk)
    samples = run.samples.order_by("epoch", "id")
    if request.GET.get("ungraded") == "1":
        samples = samples.filter(is_ungraded=True)
    page = Paginator(samples, SAMPLES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reproductions/run_samples.html", {"run": run, "page": page,
                                                               "only_ungraded": request.GET.get("ungraded") == "1"})


@require_safe
def run_log(request, pk: int):
    """The run's Inspect log file, as stored (its SHA-256 is on the run)."""
    run = get_object_or_404(ReproductionRun, pk=pk)
    if not run.log_file:
        raise Http404("This run has no Inspect log.")
    try:
        handle = run.log_file.open("rb")
    except FileNotFoundError:
        raise Http404("The run's log file is missing from the media storage.") from None
    name = f"run-{run.pk}.eval"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
