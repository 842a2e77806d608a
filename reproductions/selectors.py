"""Reads of reproduction data shared by the incident page, the API and the PDFs."""

from incidents.models import Measurement
from incidents.visibility import hidden_incident_ids, public_q

from .models import HarnessMetric, ReproductionRun, Verdict

RECENT_RUNS = 20


def public_verdicts():
    """Verdicts the public may read: about claims of public incidents (a run
    is public, what it judged of a draft or a merged entry is not)."""
    return Verdict.objects.filter(public_q("claim__incident"))


def public_run_measurements():
    """A run's measurements the public may read: those of public incidents,
    pipeline checks included (the run's page shows them for what they are)."""
    return Measurement.objects.exclude(incident_id__in=hidden_incident_ids())


def public_metric_links():
    """A harness's mappings to the claims of public incidents."""
    return HarnessMetric.objects.filter(public_q("claim__incident"))


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
