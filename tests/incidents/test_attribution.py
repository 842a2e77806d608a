"""Causal attributions: evidenced needs evidence of the same incident
(incidents.attribution.check_attribution), in the admin's inline form too."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from incidents.admin import CausalAttributionForm
from incidents.attribution import check_attribution
from incidents.models import CausalAttribution
from tests.factories import EvidenceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_evidenced_without_evidence_is_refused():
    incident = IncidentFactory()
    with pytest.raises(ValidationError) as error:
        check_attribution(incident.pk, "evidenced", [])
    assert error.value.message_dict["evidence"] == [
        "An evidenced attribution needs at least one piece of this incident's evidence; cite it, or mark the "
        "attribution speculative."
    ]


def test_evidence_of_another_incident_is_refused_naming_it():
    incident, other = IncidentFactory(), IncidentFactory()
    own, foreign = EvidenceFactory(incident=incident), EvidenceFactory(incident=other)
    for grounding in ("evidenced", "speculative"):
        with pytest.raises(ValidationError) as error:
            check_attribution(incident.pk, grounding, [own, foreign.pk])
        (message,) = error.value.message_dict["evidence"]
        assert f"#{foreign.pk}" in message and f"#{own.pk}" not in message and "another incident" in message


def test_evidenced_with_its_own_evidence_and_speculative_without_any_are_fine():
    incident = IncidentFactory()
    own = EvidenceFactory(incident=incident)
    check_attribution(incident.pk, "evidenced", [own])
    check_attribution(incident.pk, "evidenced", [own.pk])
    check_attribution(incident.pk, "speculative", [])
    check_attribution(incident.pk, "speculative", [own])


def test_a_new_incident_cannot_cite_stored_evidence():
    with pytest.raises(ValidationError):
        check_attribution(None, "speculative", [EvidenceFactory()])


Form = modelform_factory(CausalAttribution, form=CausalAttributionForm, fields=["factor", "grounding", "explanation", "evidence"])


def form_for(incident, grounding, evidence):
    data = {"factor": "misuse", "grounding": grounding, "explanation": "Someone used it to harm.",
            "evidence": [e.pk for e in evidence]}
    return Form(data=data, instance=CausalAttribution(incident=incident))


def test_the_admin_inline_form_gives_the_rules_message():
    incident, other = IncidentFactory(), IncidentFactory()
    own, foreign = EvidenceFactory(incident=incident), EvidenceFactory(incident=other)

    bare = form_for(incident, "evidenced", [])
    assert not bare.is_valid()
    assert "needs at least one piece of this incident's evidence" in bare.errors["evidence"][0]

    crossed = form_for(incident, "evidenced", [own, foreign])
    assert not crossed.is_valid()
    assert "belongs to another incident" in crossed.errors["evidence"][0]

    fine = form_for(incident, "evidenced", [own])
    assert fine.is_valid(), fine.errors
    assert form_for(incident, "speculative", []).is_valid()
