"""Which published figure a run is judged against: the claim's own
published measurement for the AI system that ran, in the condition the
harness mapping names (reproductions.results uses it; the mapping's admin
form uses mapping_problems to say why runs could never be judged).

Needs only the incidents models and the mapping passed in, so the
reproductions models can call it without importing what imports them.
"""

from dataclasses import dataclass

from incidents.models import Measurement


def published_figures(mapping):
    """The claim's published measurements this mapping re-tests (of its
    metric, in its condition when it names one)."""
    figures = mapping.claim.measurements.filter(
        metric_id=mapping.metric_id, purpose=Measurement.Purpose.PUBLISHED
    ).select_related("system")
    return figures.filter(label=mapping.label) if mapping.label else figures


def mapping_problems(mapping) -> list[str]:
    """Why runs of this mapping could never be judged, in words for the
    admin (empty when they can)."""
    claim = mapping.claim
    problems = []
    if claim.pk and not claim.systems.exists():
        problems.append(
            f"Claim {claim.pk} does not say which AI system(s) it is about: a run can only be judged against "
            "a claim about the model that ran. Add its systems first."
        )
    if claim.pk and not published_figures(mapping).exclude(system=None).exists():
        condition = f" labelled {mapping.label!r}" if mapping.label else ""
        problems.append(
            f"Claim {claim.pk} has no published figure of {mapping.metric}{condition} for any AI system, so no "
            "run could be compared with it."
        )
    return problems


@dataclass(frozen=True)
class Target:
    """The published figure a run's measurement is judged against, or why there is none."""

    measurement: Measurement | None
    problem: str = ""


def target_for(mapping, system) -> Target:
    """The claim's published figure for `system` in the mapping's condition."""
    claim = mapping.claim
    if system is None:
        return Target(
            None,
            f"The model under test is linked to no AI system, so its {mapping.metric} cannot be compared with "
            f"claim {claim.pk}: recorded, not judged. Link the model to its AI system.",
        )
    if not claim.systems.filter(pk=system.pk).exists():
        about = ", ".join(str(s) for s in claim.systems.all()) or "no AI system named"
        return Target(
            None,
            f"Claim {claim.pk} is about {about}; this run is of {system}, so its {mapping.metric} is recorded "
            f"for {system} and the claim is not judged.",
        )
    candidates = list(published_figures(mapping).filter(system=system))
    condition = f" labelled {mapping.label!r}" if mapping.label else ""
    if not candidates:
        return Target(
            None,
            f"Claim {claim.pk} has no published figure of {mapping.metric}{condition} for {system}: recorded, "
            "not judged.",
        )
    if len(candidates) > 1:
        labels = "; ".join(repr(m.label) for m in candidates)
        return Target(
            None,
            f"Claim {claim.pk} has {len(candidates)} published figures of {mapping.metric} for {system} ({labels}); "
            "name the condition this harness re-tests in its mapping's label: recorded, not judged.",
        )
    return Target(candidates[0])
