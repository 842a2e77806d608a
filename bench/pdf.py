"""Render time and peak memory of PDF briefings.

Fills the benchmark database (bench.database) with at least
BENCH_PDF_INCIDENTS synthetic incidents (default 50), then renders, through
the same code as the workers (briefings.services / briefings.digests /
briefings.pdf, tagged PDF/UA, shared font configuration):

- an incident briefing of the published incident with the most evidence:
  the first render in the process (fonts loaded) and the median of three
  more;
- a digest of 50 incidents (new and updated incidents with their claims,
  metric changes and the index of their sources).

Nothing is stored: the figures are rendering only. Peak memory is the
process's maximum resident set size (ru_maxrss), Django and the data
included. Targets: briefing under 1.5 s, digest under 15 s, peak under
600 MB on this machine.

Run: `python -m bench pdf` (or `python -m bench.pdf`).
"""

import datetime
import os
import resource
import statistics
import time

from bench.database import setup_bench_database

TARGET_BRIEFING_S = 1.5
TARGET_DIGEST_S = 15.0
TARGET_PEAK_MB = 600
DIGEST_INCIDENTS = 50


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function):
    """(result, wall seconds, CPU seconds): the CPU figure shows what other
    processes on a shared machine add to the wall time."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - started, time.process_time() - cpu


def briefing_figures():
    from django.db.models import Count

    from briefings.pdf import html_to_pdf, page_count
    from briefings.selectors import published_incident
    from briefings.services import GENERATED_AT, incident_briefing_html
    from incidents.visibility import public_incidents

    richest = public_incidents().annotate(n=Count("evidence")).order_by("-n", "id").values_list("public_id", "n")[0]
    incident = published_incident(richest[0])
    html = incident_briefing_html(incident).replace(GENERATED_AT, "now")
    pdf, cold, _ = timed(lambda: html_to_pdf(html))
    runs = [timed(lambda: html_to_pdf(html))[1:] for _ in range(3)]
    warm = statistics.median(run[0] for run in runs)
    warm_cpu = statistics.median(run[1] for run in runs)
    print(f"incident briefing {richest[0]} ({richest[1]} evidence items): {page_count(pdf)} pages, "
          f"{len(pdf) / 1024:.0f} KiB; first render {cold:.2f} s, then median {warm:.2f} s ({warm_cpu:.2f} s CPU)")
    return cold, warm, warm_cpu


def digest_figures():
    from django.db.models import Prefetch

    from briefings.digests import DigestFilter, digest_html
    from briefings.models import Cadence
    from briefings.pdf import html_to_pdf, page_count
    from briefings.selectors import _with_previous_values
    from incidents.models import Claim, Measurement, Source
    from incidents.visibility import public_incidents

    incidents = list(
        public_incidents()
        .prefetch_related(Prefetch("claims", queryset=Claim.objects.order_by("position", "id")))
        .order_by("-updated", "id")[:DIGEST_INCIDENTS]
    )
    ids = [incident.pk for incident in incidents]
    oldest = min(incident.updated for incident in incidents)
    measurements = list(
        Measurement.objects.filter(incident__in=ids).select_related("metric", "system", "incident").order_by("metric__name", "id")
    )
    content = {
        "new_incidents": incidents[: DIGEST_INCIDENTS // 2],
        "updated_incidents": incidents[DIGEST_INCIDENTS // 2 :],
        "status_changes": [],
        "verdicts": [],
        "metric_changes": _with_previous_values(measurements, oldest),
        "sources": list(Source.objects.filter(evidence__incident__in=ids).distinct().order_by("title", "id")),
        "incident_count": len(incidents),
        "change_count": len(measurements),
    }
    start = datetime.date.today() - datetime.timedelta(days=7)
    html = digest_html(Cadence.WEEKLY, start, datetime.date.today(), DigestFilter(), content).replace("@@AIKB-GENERATED-AT@@", "now")
    pdf, seconds, cpu = timed(lambda: html_to_pdf(html))
    print(f"digest of {len(incidents)} incidents, {len(measurements)} metric changes, {len(content['sources'])} sources: "
          f"{page_count(pdf)} pages, {len(pdf) / 1024:.0f} KiB; rendered in {seconds:.2f} s ({cpu:.2f} s CPU)")
    return seconds, cpu


def main():
    setup_bench_database(int(os.environ.get("BENCH_PDF_INCIDENTS", DIGEST_INCIDENTS)), verbose=True)
    cold, warm, warm_cpu = briefing_figures()
    after_briefing = peak_mb()
    digest, digest_cpu = digest_figures()
    peak = peak_mb()
    print(f"peak resident memory: {after_briefing:.0f} MB after the briefings, {peak:.0f} MB after the digest")
    return [
        ("incident briefing, first render", f"{cold:.2f}", "s", f"< {TARGET_BRIEFING_S}"),
        ("incident briefing, warm (median of 3)", f"{warm:.2f}", "s", f"< {TARGET_BRIEFING_S}"),
        ("incident briefing, warm, CPU time", f"{warm_cpu:.2f}", "s", f"< {TARGET_BRIEFING_S}"),
        (f"digest of {DIGEST_INCIDENTS} incidents", f"{digest:.2f}", "s", f"< {TARGET_DIGEST_S:g}"),
        (f"digest of {DIGEST_INCIDENTS} incidents, CPU time", f"{digest_cpu:.2f}", "s", f"< {TARGET_DIGEST_S:g}"),
        ("PDF peak memory (process RSS)", f"{peak:.0f}", "MB", f"< {TARGET_PEAK_MB}"),
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
