"""How sure we are of a claim: one ladder, the same words and colours on the
web, in the API, in CSV and in PDFs, explained on /methodology/.

A claim has a *status* (set by an editor, or by a reproduction verdict)
and a *basis*: who says so. The basis is read from the claim's supporting
quotes, each of which says who is speaking relative to the claim
(Evidence.basis): the party's own account (the developer, deployer or
study authors about their own system or work), peer-reviewed research, or
independent press or researchers with their own access. Coverage that
only relays another source, and commentary, never support a claim: they
show where a claim spread or what someone argued. The claim's basis is the
highest of its supporting quotes; "how many agree" counts the distinct
sources behind them.

The ladder turns (status, basis) into one level, so that "supported only by
the party's own report" never looks like "independently corroborated".
An incident's status follows its headline claim (the first) by one
written rule, `incident_status_for`.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Max, Q, Value, When

from .models import Claim, Evidence, Incident

# Who says so, ranked: only ranks above 0 can support a claim.
NO_BASIS = 0
BASIS_RANK = {
    Evidence.Basis.RELAY: NO_BASIS,
    Evidence.Basis.COMMENTARY: NO_BASIS,
    Evidence.Basis.PARTY: 1,
    Evidence.Basis.PEER_REVIEWED: 2,
    Evidence.Basis.INDEPENDENT: 3,
}
SUPPORTING_BASES = [basis for basis, rank in BASIS_RANK.items() if rank > NO_BASIS]


@dataclass(frozen=True)
class Basis:
    key: str
    label: str
    rank: int


BASES = {
    0: Basis("none", "No source that can support it", 0),
    1: Basis("party", "The party's own account only", 1),
    2: Basis("peer-reviewed", "Peer-reviewed research", 2),
    3: Basis("independent", "Independently corroborated", 3),
}


@dataclass(frozen=True)
class Level:
    """One rung of the ladder. `key` is stable (API, CSV, CSS class);
    `tone` picks the colour, the same on the web and in PDFs."""

    key: str
    label: str
    tone: str
    meaning: str
    short: str = ""  # for a chart row: "own account only"


LADDER = [
    Level("reproduced", "Reproduced", "strong",
          "Our re-run of the same model agreed with the published figure within the harness's margin.", "reproduced"),
    Level("corroborated", "Supported: independently corroborated", "strong",
          "Stated by independent press or researchers with their own access, not only by the party involved.",
          "corroborated"),
    Level("peer-reviewed", "Supported: peer-reviewed", "good",
          "Stated in peer-reviewed research; not yet confirmed by anyone independent of its authors.", "peer-reviewed"),
    Level("own-account", "Supported: the party's own account only", "caution",
          "Stated only by the developer, deployer or study authors about their own system or work. "
          "Nobody independent has confirmed it.", "own account only"),
    Level("unverified", "Unverified", "neutral",
          "No source we hold that can support it states it: it was said (in an interview, in coverage relaying "
          "another source, in commentary), not established.", "unverified"),
    Level("contested", "Contested", "warning", "Sources that can support a claim disagree about it.", "contested"),
    Level("not-reproduced", "Not reproduced", "against",
          "Our re-run of the same model differed from the published figure by more than the harness's margin.",
          "not reproduced"),
    Level("refuted", "Refuted", "against", "Shown to be false by a source that can support a claim.", "refuted"),
]
LEVELS = {level.key: level for level in LADDER}

_BY_STATUS = {
    Claim.Status.REPRODUCED: "reproduced",
    Claim.Status.NOT_REPRODUCED: "not-reproduced",
    Claim.Status.CONTESTED: "contested",
    Claim.Status.REFUTED: "refuted",
    Claim.Status.UNVERIFIED: "unverified",
}
_SUPPORTED_BY_BASIS = {3: "corroborated", 2: "peer-reviewed", 1: "own-account", 0: "unverified"}


def level_for(status: str, basis_rank: int) -> Level:
    """The ladder's level of a claim with this status and basis. A claim
    marked supported without a quote that can support it reads as
    unverified: the page never says more than the evidence does."""
    if status == Claim.Status.SUPPORTED:
        return LEVELS[_SUPPORTED_BY_BASIS[min(max(basis_rank, 0), 3)]]
    return LEVELS[_BY_STATUS[status]]


def with_confidence(claims):
    """Annotate a Claim queryset with `basis_rank` (the highest basis among
    its supporting quotes) and `supporting_sources` (distinct sources behind
    them), in the same query."""
    supporting = Q(evidence__stance=Evidence.Stance.SUPPORTS, evidence__basis__in=SUPPORTING_BASES)
    rank = Case(
        *[When(evidence__basis=basis, then=Value(rank)) for basis, rank in BASIS_RANK.items() if rank],
        default=Value(NO_BASIS),
        output_field=IntegerField(),
    )
    return claims.annotate(
        basis_rank=Max(rank, filter=supporting, default=Value(NO_BASIS)),
        supporting_sources=Count("evidence__source", filter=supporting, distinct=True),
    )


def basis_of_evidence(evidence) -> tuple[int, int]:
    """(basis rank, distinct supporting sources) from a claim's quotes
    already in memory (a prefetch), the same rule as `with_confidence`."""
    supporting = [
        e for e in evidence if e.stance == Evidence.Stance.SUPPORTS and BASIS_RANK.get(e.basis, NO_BASIS) > NO_BASIS
    ]
    rank = max((BASIS_RANK[e.basis] for e in supporting), default=NO_BASIS)
    return rank, len({e.source_id for e in supporting})


@dataclass(frozen=True)
class Confidence:
    status: str
    level: Level
    basis: Basis
    sources: int

    @property
    def basis_text(self) -> str:
        if self.level.key in {"reproduced", "not-reproduced"}:
            return f"Our re-run; published by: {self.basis.label.lower()}"
        if not self.sources:
            return self.basis.label
        return f"{self.basis.label} ({self.sources} source{'s' if self.sources != 1 else ''})"

    def as_dict(self) -> dict:
        return {
            "level": self.level.key,
            "label": self.level.label,
            "basis": self.basis.key,
            "basis_label": self.basis.label,
            "supporting_sources": self.sources,
        }


def confidence_of(claim) -> Confidence:
    """A claim's confidence: from its `basis_rank`/`supporting_sources`
    annotations (with_confidence) when present, else from its prefetched
    evidence."""
    if hasattr(claim, "basis_rank"):
        rank, sources = claim.basis_rank or NO_BASIS, claim.supporting_sources or 0
    else:
        rank, sources = basis_of_evidence(claim.evidence.all())
    return Confidence(claim.status, level_for(claim.status, rank), BASES[rank], sources)


INCIDENT_STATUS_MEANINGS = {
    Incident.Status.REPORTED: "Its headline claim rests on the parties' own account, or is unverified.",
    Incident.Status.CONFIRMED: "Its headline claim is peer-reviewed, independently corroborated or reproduced.",
    Incident.Status.DISPUTED: "Its headline claim is contested, refuted or not reproduced.",
    Incident.Status.RETRACTED: "The source withdrew its report (an editor's decision).",
}

CONFIRMING_LEVELS = {"reproduced", "corroborated", "peer-reviewed"}
DISPUTING_LEVELS = {"contested", "not-reproduced", "refuted"}


def incident_status_for(incident, claims) -> str:
    """The status an incident's entry should have, by one rule: it follows
    the headline claim (the first). Confirmed when that claim is reproduced,
    independently corroborated or peer-reviewed; disputed when it is
    contested, refuted or not reproduced; otherwise reported (the parties'
    own account, or unverified). A retracted entry stays retracted: that
    is an editor's decision when a source withdraws its report."""
    if incident.status == Incident.Status.RETRACTED:
        return Incident.Status.RETRACTED
    claims = sorted(claims, key=lambda c: (c.position, c.pk))
    if not claims:
        return Incident.Status.REPORTED
    level = confidence_of(claims[0]).level.key
    if level in CONFIRMING_LEVELS:
        return Incident.Status.CONFIRMED
    if level in DISPUTING_LEVELS:
        return Incident.Status.DISPUTED
    return Incident.Status.REPORTED
