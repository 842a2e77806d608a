"""The GPAI Code of Practice document: the nine items of measure 9.2
(Safety and Security chapter, Commitment 9, final text of 10 July 2025),
each prefilled from the report or the incident's record; an item with no
value says "not yet known", since the Code asks that missing information
be recorded as missing. An initial report carries items 1-7 (measure 9.3).

The item wording below is the Code's, confirmed from its text (see
docs/reporting.md).
"""

from .documents import clocks_json, document_head, field, iso

FORMAT = "aikb-cop-report"
VERSION = 1
INITIAL_ITEMS = 7

ITEM_LABELS = {
    1: "Start and end dates of the serious incident, or best approximations",
    2: "The resulting harm and the victim or affected group",
    3: "The chain of events that (directly or indirectly) led to the serious incident",
    4: "The model involved",
    5: "Description of material available setting out the model's involvement",
    6: "What, if anything, the Signatory intends to do or has done in response",
    7: "What, if anything, the Signatory recommends the AI Office and national competent authorities do",
    8: "Root cause analysis: the model's outputs that led to it and the factors that contributed, including "
       "inputs used and failures or circumventions of systemic risk mitigations",
    9: "Patterns detected during post-market monitoring that can reasonably be assumed to be connected "
       "(e.g. individual or aggregate data on near misses)",
}


def _values(report) -> dict[int, tuple]:
    """Item -> (report's value, incident's value)."""
    incident, system = report.incident, report.system
    start = iso(report.started_on)
    dates_report = {"start": start, "end": iso(report.ended_on)} if start or report.ended_on else None
    dates_incident = {"start": iso(incident.occurred_on), "end": None,
                      "precision": incident.occurred_precision} if incident.occurred_on else None
    harm_report = None
    if report.affected_persons is not None or report.affected_persons_description or report.category:
        harm_report = {
            "category": report.category or None,
            "affected_persons": report.affected_persons,
            "affected_group": report.affected_persons_description or None,
        }
    harm_incident = {"harm_types": list(incident.harm_types), "affected_stakeholders": list(incident.affected_stakeholders)}
    if not (incident.harm_types or incident.affected_stakeholders):
        harm_incident = None
    model = {"name": system.name, "version": system.version or None, "family": system.family or None}
    materials = [{"title": e.source.title, "url": e.source.url} for e in incident.evidence.all()]
    root_incident = [
        {"factor": a.factor, "grounding": a.grounding, "explanation": a.explanation} for a in incident.attributions.all()
    ]
    return {
        1: (dates_report, dates_incident),
        2: (harm_report, harm_incident),
        3: (report.chain_of_events, incident.summary),
        4: (model, None),
        5: (report.model_involvement_material, materials),
        6: (report.remedial_actions, incident.actions_taken),
        7: (report.recommendations_to_authorities, None),
        8: (report.root_cause, root_incident),
        9: (report.post_market_patterns, None),
    }


def cop_items(report) -> list[dict]:
    items = []
    for number, (from_report, from_incident) in _values(report).items():
        entry = field(ITEM_LABELS[number], from_report, from_incident)
        items.append({
            "item": number,
            "label": entry["label"],
            "value": entry["value"],
            "known": entry["value"] is not None,
            "source": entry["source"],
            "in_initial_report": number <= INITIAL_ITEMS,
        })
    return items


def cop_document(report, now=None) -> dict:
    """The nine items as a JSON-ready dict, for a report loaded with
    reporting.documents.with_document_data."""
    return {
        **document_head(report, FORMAT, VERSION),
        "basis": "GPAI Code of Practice, Safety and Security chapter, measure 9.2 (items) and 9.3 (timelines)",
        "items": cop_items(report),
        "clocks": clocks_json(report, now),
    }
