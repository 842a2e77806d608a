"""A verdict's incident is kept by the database (migration reproductions
0005): set from its claim however the row is written, and moved with the
claim; and so is the incident's `has_reproduction` (migration 0006), the
column that the reproduction filter and facet read."""

import pytest
from django.db import connection

from incidents.facets import has_reproduction_q
from incidents.models import Claim, Incident
from reproductions.models import Verdict
from tests.factories import ClaimFactory, IncidentFactory
from tests.web.conftest import make_verdict

pytestmark = pytest.mark.django_db


def incident_of(verdict) -> int:
    return Verdict.objects.values_list("incident_id", flat=True).get(pk=verdict.pk)


def reproduced() -> set:
    return set(Incident.objects.filter(has_reproduction_q()).values_list("pk", flat=True))


def test_a_verdict_takes_its_claims_incident_and_follows_the_claim():
    first, second = IncidentFactory(), IncidentFactory()
    claim = ClaimFactory(incident=first)
    verdict = make_verdict(claim)
    assert incident_of(verdict) == first.pk and reproduced() == {first.pk}

    # An editor moves the claim (a save, as the admin does): its verdict goes with it.
    claim.incident = second
    claim.save()
    assert incident_of(verdict) == second.pk and reproduced() == {second.pk}
    # A bulk update that skips Django's signals too.
    Claim.objects.filter(pk=claim.pk).update(incident=first)
    assert incident_of(verdict) == first.pk


def test_the_incident_is_set_by_the_database_whatever_writes_the_row():
    incident, other = IncidentFactory(), IncidentFactory()
    claim, other_claim = ClaimFactory(incident=incident), ClaimFactory(incident=other)
    verdict = make_verdict(claim)
    with connection.cursor() as cursor:
        # Raw SQL naming the wrong incident, or changing the claim: the claim decides.
        cursor.execute("UPDATE reproductions_verdict SET incident_id = %s WHERE id = %s", [other.pk, verdict.pk])
        assert incident_of(verdict) == incident.pk
        cursor.execute("UPDATE reproductions_verdict SET claim_id = %s WHERE id = %s", [other_claim.pk, verdict.pk])
        assert incident_of(verdict) == other.pk


def test_deleting_the_claim_removes_the_reproduction_mark():
    claim = ClaimFactory()
    make_verdict(claim)
    assert reproduced() == {claim.incident_id}
    claim.delete()
    assert reproduced() == set()


def flag(incident) -> bool:
    return Incident.objects.values_list("has_reproduction", flat=True).get(pk=incident.pk)


def test_the_reproduction_flag_follows_verdicts_and_never_takes_a_written_value():
    first, second = IncidentFactory(), IncidentFactory()
    claim = ClaimFactory(incident=first)
    verdict = make_verdict(claim)
    assert flag(first) and not flag(second)

    # A save of an incident loaded before its verdict came (its flag in
    # memory is false) keeps the database's answer.
    stale = Incident.objects.get(pk=second.pk)
    Claim.objects.filter(pk=claim.pk).update(incident=second)  # the verdict moves with its claim
    assert flag(second) and not flag(first)
    stale.title = "Edited while a verdict arrived"
    stale.save()
    assert flag(second)

    # Nothing can set it against the verdicts, through the ORM or raw SQL.
    Incident.objects.filter(pk=first.pk).update(has_reproduction=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_incident SET has_reproduction = false WHERE id = %s", [second.pk])
    assert not flag(first) and flag(second)

    # Its last verdict gone, an incident has no reproduction; one of two gone, it still has.
    make_verdict(ClaimFactory(incident=second))
    verdict.delete()
    assert flag(second)
    Verdict.objects.filter(incident_id=second.pk).delete()
    assert not flag(second)
