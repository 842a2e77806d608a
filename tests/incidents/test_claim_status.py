import pytest
from django.core.exceptions import ValidationError

from incidents.models import Claim, ClaimStatusChange
from incidents.services import change_claim_status
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_status_change_is_recorded_with_reason():
    claim = ClaimFactory(status=Claim.Status.UNVERIFIED)
    change = change_claim_status(claim, Claim.Status.SUPPORTED, reason="Primary source confirms it.")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPPORTED
    assert (change.from_status, change.to_status, change.reason) == ("unverified", "supported", "Primary source confirms it.")


def test_unchanged_status_records_nothing():
    claim = ClaimFactory(status=Claim.Status.SUPPORTED)
    assert change_claim_status(claim, Claim.Status.SUPPORTED) is None
    assert ClaimStatusChange.objects.count() == 0


@pytest.mark.parametrize("status", [Claim.Status.REPRODUCED, Claim.Status.NOT_REPRODUCED])
def test_only_a_verdict_can_mark_reproduced(status):
    claim = ClaimFactory(status=Claim.Status.SUPPORTED)
    with pytest.raises(ValidationError, match="Only a reproduction verdict"):
        change_claim_status(claim, status)
    claim.status = status
    with pytest.raises(ValidationError, match="Only a reproduction verdict"):
        claim.full_clean()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPPORTED


def test_admin_status_edit_is_recorded(admin_client):
    claim = ClaimFactory(status=Claim.Status.UNVERIFIED)
    response = admin_client.post(
        f"/admin/incidents/claim/{claim.pk}/change/",
        {
            "incident": claim.incident_id,
            "statement": claim.statement,
            "status": "contested",
            "status_note": "A second lab could not confirm it.",
            "position": 0,
            "evidence-TOTAL_FORMS": 0, "evidence-INITIAL_FORMS": 0,
            "status_changes-TOTAL_FORMS": 0, "status_changes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status) == ("unverified", "contested")
    assert change.reason == "A second lab could not confirm it."
