"""The rule for causal attributions ("what caused it"): one function, called by every writer.

An attribution names a factor (model behaviour, deployment and governance,
misuse, misrepresented capability) and says whether it is evidenced or
speculative. Evidenced means at least one of the incident's own evidence rows
backs it; speculative entries may cite evidence but need none, and the page
labels them as speculation.

The evidence is a many-to-many relation, which a database constraint cannot
check, so the admin inline form, the API serializer and the OECD importer call
`check_attribution` before they save.
"""

from django.apps import apps
from django.core.exceptions import ValidationError

EVIDENCED = "evidenced"
SPECULATIVE = "speculative"


def check_attribution(incident_id, grounding: str, evidence) -> None:
    """Raise ValidationError({"evidence": [...]}) when the attribution breaks a rule.

    `evidence` is an iterable of Evidence objects or their primary keys.
    - "evidenced" needs at least one evidence row;
    - every evidence row must belong to the same incident (`incident_id`).
    """
    rows = list(evidence or ())
    ids = [getattr(row, "pk", row) for row in rows]
    problems = []
    if grounding == EVIDENCED and not ids:
        problems.append(
            "An evidenced attribution needs at least one piece of this incident's evidence; "
            "cite it, or mark the attribution speculative."
        )
    if ids:
        Evidence = apps.get_model("incidents", "Evidence")
        owners = dict(Evidence.objects.filter(pk__in=ids).values_list("pk", "incident_id"))
        foreign = [pk for pk in ids if owners.get(pk) != incident_id or incident_id is None]
        if foreign:
            listed = ", ".join(f"#{pk}" for pk in sorted(set(foreign), key=str))
            problems.append(
                f"Evidence {listed} belongs to another incident; an attribution cites only the evidence "
                "of its own incident."
            )
    if problems:
        raise ValidationError({"evidence": problems})
