"""Reads behind the PDFs, each in a fixed number of queries whatever the
number of claims, evidence or incidents."""

from django.db.models import Prefetch

from incidents import selectors
from incidents.charts import by_metric, chart_labels, panels_of
from incidents.citations import incident_url
from incidents.confidence import with_confidence
from incidents.figures import as_of_display, format_value, interval_of, interval_text, measurement_label
from incidents.identifiers import PUBLIC_ID_RE
from incidents.models import (
    Claim,
    ClaimStatusChange,
    Evidence,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Measurement,
    Source,
)
from incidents.selectors import attach_claims
from incidents.visibility import public_incidents, published_measurements
from reproductions.models import Verdict
from reproductions.selectors import reproductions_for_incident

from .charts import bar_chart_svg

EVIDENCE_QS = Evidence.objects.select_related("source").order_by("id")


def published_incident(public_id: str) -> Incident:
    """The public incident (published, not merged away) with everything a briefing shows prefetched.
    Raises Incident.DoesNotExist (for an address that is no public id too, a NUL byte included)."""
    if not PUBLIC_ID_RE.match(public_id or ""):
        raise Incident.DoesNotExist(public_id)
    return (
        public_incidents()
        .filter(public_id=public_id)
        .prefetch_related(
            Prefetch("claims", queryset=Claim.objects.prefetch_related(Prefetch("evidence", queryset=EVIDENCE_QS))),
            Prefetch("evidence", queryset=EVIDENCE_QS.filter(claim__isnull=True), to_attr="unattached_evidence"),
            Prefetch(
                "measurements",
                # Pipeline checks are never data: not in a briefing.
                queryset=Measurement.objects.exclude(purpose=Measurement.Purpose.PIPELINE_CHECK)
                .select_related("metric", "system", "evidence__source")
                .order_by("metric__name", "as_of", "id"),
            ),
            Prefetch("organisation_links", queryset=IncidentOrganisation.objects.select_related("organisation")),
            Prefetch("system_links", queryset=IncidentSystem.objects.select_related("system")),
            "taxonomy",
            *selectors.public_relations(),
        )
        .get()
    )


def metric_panels(measurements) -> list[dict]:
    """Measurements grouped by metric and panel (the condition they were
    measured under), each group with its chart and its data rows. The
    panels are picked as the web charts pick them (incidents.charts), so
    figures of different panels never share a chart."""
    return [_panel(metric, panel, rows) for metric, items in by_metric(measurements)
            for panel, rows in panels_of(items)]


def _panel(metric, panel: str, rows) -> dict:
    data = []
    for m, chart_label in zip(rows, chart_labels(rows)):
        interval = interval_of(m, metric.unit)
        data.append({
            "label": measurement_label(m),
            "chart_label": chart_label,
            "value": m.value,
            "lower": interval.lower if interval else None,
            "upper": interval.upper if interval else None,
            "display": format_value(m.value, metric.unit),
            "interval": interval_text(m, metric.unit),
            "sample_size": m.sample_size,
            "as_of": m.as_of,
            "as_of_display": as_of_display(m),
            "claim": m.claim,
            "provenance": (m.evidence.source.title if m.evidence_id else f"Our re-run (run {m.reproduction_run_id})"),
        })
    title = f"{metric.name} \u2014 {panel}" if panel else metric.name
    chart_rows = [{**row, "label": row["chart_label"]} for row in data]
    return {"metric": metric, "panel": panel, "title": title, "rows": data,
            "chart": bar_chart_svg(chart_rows, metric.unit, title)}


def related_incidents(incident: Incident) -> list[dict]:
    """Public incidents related either way (incidents.selectors.related_incidents,
    from published_incident's prefetches), with their addresses, by public id."""
    rows = selectors.related_incidents(incident)
    for row in rows:
        row["url"] = incident_url(row["incident"])
    return sorted(rows, key=lambda row: row["incident"].public_id)


def incident_briefing_context(incident: Incident) -> dict:
    """Everything the incident briefing template shows. `incident` comes
    from `published_incident`."""
    reproductions = reproductions_for_incident(incident)
    return {
        "incident": incident,
        "permalink": incident_url(incident),
        "claims": list(incident.claims.all()),
        "unattached_evidence": incident.unattached_evidence,
        "metric_panels": metric_panels(attach_claims(incident.measurements.all(), claims=incident.claims.all())),
        "verdicts": reproductions["verdicts"],
        "related": related_incidents(incident),
        "organisation_links": list(incident.organisation_links.all()),
        "system_links": list(incident.system_links.all()),
        "taxonomy": list(incident.taxonomy.all()),
    }


def digest_content(start, end, digest_filter) -> dict:
    """What changed between the datetimes `start` (inclusive) and `end`
    (exclusive) among the published incidents the filter selects: new and
    updated incidents, claim status changes, reproduction verdicts, new
    measurements (with the previous value of the same metric and system), and
    the sources behind all of it."""
    scope = digest_filter.apply(public_incidents())
    changed = (
        scope.filter(updated__gte=start, updated__lt=end)
        .prefetch_related(Prefetch("claims", queryset=with_confidence(Claim.objects.order_by("position", "id"))))
        .order_by("-severity", "public_id")
    )
    incidents = list(changed)
    new = [i for i in incidents if i.created >= start]
    updated = [i for i in incidents if i.created < start]
    status_changes = list(
        ClaimStatusChange.objects.filter(changed_at__gte=start, changed_at__lt=end, claim__incident__in=scope)
        .select_related("claim__incident")
        .order_by("changed_at", "id")
    )
    verdicts = list(
        Verdict.objects.filter(created__gte=start, created__lt=end, claim__incident__in=scope)
        .select_related("claim__incident", "run__harness")
        .order_by("created", "id")
    )
    measurements = list(
        Measurement.objects.filter(created__gte=start, created__lt=end, incident__in=scope)
        .exclude(purpose=Measurement.Purpose.PIPELINE_CHECK)
        .select_related("metric", "system", "incident")
        .order_by("metric__name", "as_of", "id")
    )
    metric_changes = _with_previous_values(measurements, start)
    involved = {i.pk for i in incidents}
    involved |= {c.claim.incident_id for c in status_changes}
    involved |= {v.claim.incident_id for v in verdicts}
    involved |= {m.incident_id for m in measurements}
    sources = list(Source.objects.filter(evidence__incident__in=involved).distinct().order_by("title", "id"))
    return {
        "new_incidents": new,
        "updated_incidents": updated,
        "status_changes": status_changes,
        "verdicts": verdicts,
        "metric_changes": metric_changes,
        "sources": sources,
        "incident_count": len(incidents),
        "change_count": len(status_changes) + len(verdicts) + len(metric_changes),
    }


def _with_previous_values(measurements: list[Measurement], start) -> list[dict]:
    """Each new measurement beside the latest earlier value of the same metric
    and system (one query for all of them)."""
    if not measurements:
        return []
    earlier = (
        # Only figures the public sees: never a draft's, a merged entry's or a pipeline check's.
        published_measurements()
        .filter(metric__in={m.metric_id for m in measurements}, created__lt=start)
        .order_by("metric_id", "system_id", "as_of", "id")
        .values("metric_id", "system_id", "value")
    )
    previous = {(row["metric_id"], row["system_id"]): row["value"] for row in earlier}
    rows = []
    for m in measurements:
        before = previous.get((m.metric_id, m.system_id))
        rows.append(
            {
                "measurement": m,
                "value": format_value(m.value, m.metric.unit),
                "previous": format_value(before, m.metric.unit) if before is not None else "",
            }
        )
    return rows
