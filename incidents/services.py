"""Writes to the incident domain that carry a rule beyond one model's fields."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Claim, ClaimStatusChange

VERDICT_ONLY_STATUSES = {Claim.Status.REPRODUCED, Claim.Status.NOT_REPRODUCED}


@transaction.atomic
def change_claim_status(claim: Claim, new_status: str, reason: str = "", verdict=None) -> ClaimStatusChange | None:
    """Move a claim to a new status and record the change (from, to, why,
    and the verdict that caused it). Only a reproduction verdict may set
    *reproduced* or *not reproduced*. Returns None when nothing changed."""
    if new_status not in Claim.Status.values:
        raise ValidationError({"status": f"Unknown claim status {new_status!r}."})
    if new_status in VERDICT_ONLY_STATUSES and verdict is None:
        raise ValidationError(
            {"status": "Only a reproduction verdict can mark a claim reproduced or not reproduced."}
        )
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status == new_status:
        return None
    if not (reason or "").strip():
        raise ValidationError({"status_note": "Say why the status changes: the reason is recorded and shown to readers."})
    change = ClaimStatusChange.objects.create(
        claim=locked, from_status=locked.status, to_status=new_status, reason=reason, verdict=verdict
    )
    locked.status = new_status
    locked.save(update_fields=["status", "updated"])
    claim.status = new_status
    return change
