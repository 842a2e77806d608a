"""Reads of reproduction data shared by the incident page, the API and the PDFs."""

from .models import ReproductionRun, Verdict

RECENT_RUNS = 20


def reproductions_for_incident(incident) -> dict:
    """Verdicts about an incident's claims (the history, newest first), and
    the recent runs of harnesses that test them, running ones included so
    their progress shows; in a fixed number of queries."""
    verdicts = list(
        Verdict.objects.filter(claim__incident=incident)
        .select_related("run__harness", "claim")
        .order_by("-created", "-id")
    )
    runs = list(
        ReproductionRun.objects.filter(harness__metric_links__claim__incident=incident)
        .select_related("harness", "model")
        .distinct()
        .order_by("-created", "-id")[:RECENT_RUNS]
    )
    return {"verdicts": verdicts, "runs": runs}
