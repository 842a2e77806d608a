"""What changed between two releases, read from their dataset.json
documents (as JSON text decodes them), so a changelog says exactly what a
reader comparing the two files would find:

- incidents added (public in this release, not in the previous one);
- incidents changed: the incident's row, or any row that belongs to it
  (its claims, evidence, figures, parties, links, verdicts and its claims'
  status changes), differs;
- incidents removed: withdrawn from publication, or merged into another
  entry (which the changelog names);
- claims whose status moved, from what to what, with the reason recorded.

Changes to organisations, systems, sources or the taxonomy alone do not
mark an incident changed: they are tables of their own.
"""

import hashlib
import json
from collections import defaultdict

from django.http import Http404

from incidents.visibility import resolve_public_id

STATEMENT_CHARS = 200


def _owner(record: dict, claim_incident: dict[int, int]) -> list[int]:
    """The incidents a record belongs to (a relation belongs to both ends)."""
    fields = record["fields"]
    if record["model"] == "incidents.incident":
        return [record["pk"]]
    if record["model"] == "incidents.incidentrelation":
        return [fields["from_incident"], fields["to_incident"]]
    if fields.get("incident") is not None:
        return [fields["incident"]]
    if fields.get("claim") is not None and fields["claim"] in claim_incident:
        return [claim_incident[fields["claim"]]]
    return []


def _claims(document: dict) -> dict[int, dict]:
    return {r["pk"]: r["fields"] for r in document["records"] if r["model"] == "incidents.claim"}


def _incidents(document: dict) -> dict[int, dict]:
    return {r["pk"]: r["fields"] for r in document["records"] if r["model"] == "incidents.incident"}


def fingerprints(document: dict) -> dict[int, str]:
    """Incident id -> SHA-256 of its row and every row that belongs to it."""
    claim_incident = {pk: fields["incident"] for pk, fields in _claims(document).items()}
    rows = defaultdict(list)
    for record in document["records"]:
        for incident in _owner(record, claim_incident):
            rows[incident].append(record)
    return {
        incident: hashlib.sha256(
            json.dumps(sorted(rows[incident], key=lambda r: (r["model"], r["pk"])), sort_keys=True).encode()
        ).hexdigest()
        for incident in _incidents(document)
    }


def _entry(fields: dict) -> dict:
    return {"public_id": fields["public_id"], "title": fields["title"]}


def _merged_into(public_id: str) -> str | None:
    """The entry a removed one was merged into, if it is public now."""
    try:
        survivor = resolve_public_id(public_id)
    except Http404:
        return None
    return survivor.public_id if survivor.public_id != public_id else None


def _latest_reasons(document: dict) -> dict[tuple[int, str], str]:
    """(claim, status) -> the reason of the latest move of the claim to that status."""
    moves = sorted(
        (r["fields"]["changed_at"], r["pk"], r["fields"]) for r in document["records"]
        if r["model"] == "incidents.claimstatuschange"
    )
    return {(fields["claim"], fields["to_status"]): fields["reason"] for _, _, fields in moves}


def compare(previous: dict | None, current: dict) -> dict:
    """The changelog of `current` against `previous` (None for a first
    release: nothing to compare, every list empty)."""
    changelog = {
        "previous": previous["release"] if previous else None,
        "incidents_added": [],
        "incidents_changed": [],
        "incidents_removed": [],
        "claim_status_changes": [],
    }
    if previous is None:
        return changelog
    before, after = _incidents(previous), _incidents(current)
    old_prints, new_prints = fingerprints(previous), fingerprints(current)
    by_id = lambda pks, rows: sorted((rows[pk] for pk in pks), key=lambda fields: fields["public_id"])  # noqa: E731
    changelog["incidents_added"] = [_entry(f) for f in by_id(after.keys() - before.keys(), after)]
    changelog["incidents_changed"] = [
        _entry(f) for f in by_id({pk for pk in after.keys() & before.keys() if old_prints[pk] != new_prints[pk]}, after)
    ]
    changelog["incidents_removed"] = [
        {**_entry(f), "merged_into": _merged_into(f["public_id"])} for f in by_id(before.keys() - after.keys(), before)
    ]
    old_claims, new_claims = _claims(previous), _claims(current)
    reasons = _latest_reasons(current)
    moved = []
    for pk in old_claims.keys() & new_claims.keys():
        old, new = old_claims[pk], new_claims[pk]
        if old["status"] != new["status"] and new["incident"] in after:
            moved.append({
                "incident": after[new["incident"]]["public_id"],
                "claim": pk,
                "statement": _shortened(new["statement"]),
                "from_status": old["status"],
                "to_status": new["status"],
                "reason": reasons.get((pk, new["status"]), ""),
            })
    changelog["claim_status_changes"] = sorted(moved, key=lambda move: (move["incident"], move["claim"]))
    return changelog


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STATEMENT_CHARS else text[: STATEMENT_CHARS - 1].rstrip() + "…"


def summary(changelog: dict) -> str:
    """One line: "Since 2026-11-30: 3 incidents added, 1 changed, 0 removed; 2 claims changed status."."""
    if changelog.get("previous") is None:
        return "First release: no earlier release to compare with."

    added, changed, removed = (changelog[k] for k in ("incidents_added", "incidents_changed", "incidents_removed"))
    moves = changelog["claim_status_changes"]
    incident_word = "incident" if len(added) == 1 else "incidents"
    claims = (f"{len(moves)} claim{'s' if len(moves) != 1 else ''} changed status" if moves
              else "no claim changed status")
    return (
        f"Since {changelog['previous']}: {len(added)} {incident_word} added, {len(changed)} changed, "
        f"{len(removed)} removed; {claims}."
    )
