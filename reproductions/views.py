"""The public page of one reproduction run: what ran, where, its progress
while it runs, and its measurements and verdicts when it ends."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import ReproductionRun, Verdict


def run_detail(request, pk: int):
    run = get_object_or_404(
        ReproductionRun.objects.select_related("harness", "model").prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related("claim__incident", "measurement__metric").order_by("id"),
            )
        ),
        pk=pk,
    )
    return render(request, "reproductions/run_detail.html", {"run": run, "verdicts": list(run.verdicts.all())})
