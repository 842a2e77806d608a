"""The public revision history of an incident: each change to the incident
and to its claims, evidence and measurements, with what changed.

Diffs are computed here from consecutive rows, not with simple-history's
`diff_against` (one query per revision): the page costs one query per
tracked model whatever the number of revisions."""

from dataclasses import dataclass, field

from incidents.models import Claim, Evidence, Incident, Measurement

MAX_REVISIONS = 300
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping, not content.
IGNORED_FIELDS = {"created", "updated", "search_vector", "slug"}
SHOWN_CHARS = 300


@dataclass
class FieldChange:
    name: str
    old: str
    new: str


@dataclass
class Revision:
    when: object
    what: str
    object_label: str
    action: str
    reason: str
    editor: str = ""
    changes: list[FieldChange] = field(default_factory=list)


def _text(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _tracked_fields(model) -> list:
    return [f for f in model.history.model._meta.fields
            if f.name not in IGNORED_FIELDS and not f.name.startswith("history_") and f.name != "id"]


def _revisions_of(model, rows, label_of, with_editors) -> list[Revision]:
    fields = _tracked_fields(model)
    previous_by_object = {}
    revisions = []
    for row in rows:  # oldest first
        previous = previous_by_object.get(row.id)
        changes = []
        if row.history_type == "~" and previous is not None:
            for f in fields:
                old, new = getattr(previous, f.attname), getattr(row, f.attname)
                if old != new:
                    changes.append(FieldChange(f.verbose_name, _text(old), _text(new)))
        previous_by_object[row.id] = row
        if row.history_type == "~" and previous is not None and not changes:
            continue  # a save that changed nothing readers see
        editor = ""
        if with_editors and row.history_user_id:
            editor = row.history_user.get_username()
        revisions.append(Revision(
            when=row.history_date,
            what=model._meta.verbose_name,
            object_label=label_of(row),
            action=ACTIONS.get(row.history_type, row.history_type),
            reason=row.history_change_reason or "",
            editor=editor,
            changes=changes,
        ))
    return revisions


def incident_revisions(incident: Incident, with_editors: bool = False) -> list[Revision]:
    """Newest first; at most MAX_REVISIONS."""
    def rows(model, **filters):
        queryset = model.history.filter(**filters).order_by("history_date", "history_id")
        if with_editors:
            queryset = queryset.select_related("history_user")
        return queryset

    revisions = []
    revisions += _revisions_of(Incident, rows(Incident, id=incident.pk), lambda r: "the incident", with_editors)
    revisions += _revisions_of(Claim, rows(Claim, incident_id=incident.pk), lambda r: _text(r.statement)[:80], with_editors)
    revisions += _revisions_of(Evidence, rows(Evidence, incident_id=incident.pk), lambda r: f"{r.locator_type} {r.locator}", with_editors)
    revisions += _revisions_of(Measurement, rows(Measurement, incident_id=incident.pk), lambda r: f"value {r.value}", with_editors)
    revisions.sort(key=lambda r: r.when, reverse=True)
    return revisions[:MAX_REVISIONS]
