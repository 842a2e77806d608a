"""The confidence ladder (incidents.confidence): one level from a claim's
status and who says so; the same rule from the database and from memory."""

import pytest

from incidents.confidence import (
    LADDER,
    confidence_of,
    incident_status_for,
    level_for,
    with_confidence,
)
from incidents.models import Claim, Evidence, Incident, Source
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, SourceFactory


@pytest.mark.parametrize(
    ("status", "rank", "level"),
    [
        (Claim.Status.SUPPORTED, 3, "corroborated"),
        (Claim.Status.SUPPORTED, 2, "peer-reviewed"),
        (Claim.Status.SUPPORTED, 1, "own-account"),
        # Marked supported with nothing that can support it: it reads as unverified.
        (Claim.Status.SUPPORTED, 0, "unverified"),
        (Claim.Status.UNVERIFIED, 3, "unverified"),
        (Claim.Status.CONTESTED, 1, "contested"),
        (Claim.Status.REFUTED, 2, "refuted"),
        (Claim.Status.REPRODUCED, 1, "reproduced"),
        (Claim.Status.NOT_REPRODUCED, 1, "not-reproduced"),
    ],
)
def test_level_follows_status_and_basis(status, rank, level):
    assert level_for(status, rank).key == level


def test_own_account_looks_different_from_corroborated_support():
    own, corroborated = level_for(Claim.Status.SUPPORTED, 1), level_for(Claim.Status.SUPPORTED, 3)
    assert own.tone != corroborated.tone and own.label != corroborated.label
    assert "only" in own.label


def test_every_level_has_words_and_a_tone():
    assert len({level.key for level in LADDER}) == len(LADDER)
    assert all(level.label and level.meaning and level.tone for level in LADDER)


def support(claim, basis, source=None):
    return EvidenceFactory(incident=claim.incident, claim=claim, basis=basis, source=source or SourceFactory())


@pytest.mark.django_db
def test_the_strongest_supporting_quote_sets_the_basis_and_sources_are_counted_once():
    claim = ClaimFactory()
    source = SourceFactory()
    support(claim, Evidence.Basis.PARTY, source)
    support(claim, Evidence.Basis.PARTY, source)
    support(claim, Evidence.Basis.PEER_REVIEWED)
    support(claim, Evidence.Basis.RELAY)  # repeats it: counts for nothing
    EvidenceFactory(incident=claim.incident, claim=claim, basis=Evidence.Basis.INDEPENDENT,
                    stance=Evidence.Stance.CONTEXT)  # context is not support
    annotated = with_confidence(Claim.objects.filter(pk=claim.pk)).get()
    from_sql = confidence_of(annotated)
    from_memory = confidence_of(Claim.objects.prefetch_related("evidence").get(pk=claim.pk))
    assert (from_sql.level.key, from_sql.basis.key, from_sql.sources) == ("peer-reviewed", "peer-reviewed", 2)
    assert (from_memory.level, from_memory.basis, from_memory.sources) == (from_sql.level, from_sql.basis, from_sql.sources)


@pytest.mark.django_db
def test_coverage_and_commentary_alone_leave_a_supported_claim_unverified():
    claim = ClaimFactory(status=Claim.Status.SUPPORTED)
    support(claim, Evidence.Basis.RELAY)
    support(claim, Evidence.Basis.COMMENTARY, SourceFactory(reliability=Source.Reliability.COMMENTARY))
    confidence = confidence_of(with_confidence(Claim.objects.filter(pk=claim.pk)).get())
    assert confidence.level.key == "unverified" and confidence.sources == 0


@pytest.mark.django_db
def test_a_quote_without_a_basis_takes_the_cautious_reading_of_its_source():
    incident = IncidentFactory()
    primary = EvidenceFactory(incident=incident, source=SourceFactory(reliability=Source.Reliability.PRIMARY))
    secondary = EvidenceFactory(incident=incident, source=SourceFactory(reliability=Source.Reliability.SECONDARY))
    commentary = EvidenceFactory(incident=incident, source=SourceFactory(reliability=Source.Reliability.COMMENTARY))
    assert (primary.basis, secondary.basis, commentary.basis) == ("party", "relay", "commentary")


@pytest.mark.django_db
def test_commentary_cannot_be_recorded_as_support():
    from django.core.exceptions import ValidationError

    evidence = EvidenceFactory.build(
        incident=IncidentFactory(), source=SourceFactory(reliability=Source.Reliability.COMMENTARY),
        basis=Evidence.Basis.INDEPENDENT,
    )
    with pytest.raises(ValidationError, match="rated commentary"):
        evidence.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("basis", "status", "expected"),
    [
        (Evidence.Basis.PARTY, Claim.Status.SUPPORTED, Incident.Status.REPORTED),
        (Evidence.Basis.PEER_REVIEWED, Claim.Status.SUPPORTED, Incident.Status.CONFIRMED),
        (Evidence.Basis.INDEPENDENT, Claim.Status.SUPPORTED, Incident.Status.CONFIRMED),
        (Evidence.Basis.PARTY, Claim.Status.CONTESTED, Incident.Status.DISPUTED),
        (Evidence.Basis.PARTY, Claim.Status.UNVERIFIED, Incident.Status.REPORTED),
    ],
)
def test_an_incidents_status_follows_its_headline_claim(basis, status, expected):
    incident = IncidentFactory(status=Incident.Status.REPORTED)
    headline = ClaimFactory(incident=incident, position=1, status=status)
    support(headline, basis)
    # A later claim does not decide the entry's status.
    later = ClaimFactory(incident=incident, position=2, status=Claim.Status.REFUTED)
    support(later, Evidence.Basis.INDEPENDENT)
    assert incident_status_for(incident, with_confidence(incident.claims.all())) == expected


@pytest.mark.django_db
def test_a_retracted_entry_stays_retracted():
    incident = IncidentFactory(status=Incident.Status.RETRACTED)
    support(ClaimFactory(incident=incident, position=1), Evidence.Basis.INDEPENDENT)
    assert incident_status_for(incident, incident.claims.all()) == Incident.Status.RETRACTED
