"""Reads of reproduction data shared by the incident page, the API and the PDFs."""

from .models import ReproductionRun, Verdict


def reproductions_for_incident(incident) -> dict:
    """Runs and verdicts about an incident's claims, newest first, in a fixed
    number of queries."""
    verdicts = list(
        Verdict.objects.filter(claim__incident=incident)
        .select_related("run__harness", "claim")
        .order_by("-created")
    )
    runs = list(
        ReproductionRun.objects.filter(verdicts__claim__incident=incident)
        .select_related("harness")
        .distinct()
        .order_by("-created")
    )
    return {"verdicts": verdicts, "runs": runs}
