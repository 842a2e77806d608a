"""The OECD columns refuse what their vocabularies do not hold, in words (the
form and clean()) and in the database (constraints), and the OECD level
fits the kind."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.models import Incident
from tests.factories import ExternalIdentifierFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def errors_of(incident) -> dict:
    with pytest.raises(ValidationError) as raised:
        incident.full_clean(exclude=["public_id"])
    return raised.value.message_dict


def refused_by_database(**fields):
    incident = IncidentFactory()
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(**fields)
    return str(raised.value)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("harm_types", ["physical", "physcal"], "incident_harm_types_known_values"),
        ("ai_relation", ["misuse"], "incident_ai_relation_known_values"),
        ("affected_stakeholders", ["aliens"], "incident_affected_stakeholders_known_values"),
        ("ai_principles", ["speed"], "incident_ai_principles_known_values"),
        ("business_functions", ["golf"], "incident_business_functions_known_values"),
        ("critical_infrastructure", ["moon"], "incident_critical_infrastructure_known_values"),
        ("ai_tasks", ["dreaming"], "incident_ai_tasks_known_values"),
        ("countries", ["UK"], "incident_countries_known_values"),  # GB is the code
        ("industries", ["Z"], "incident_industries_known_values"),
    ],
)
def test_an_unknown_value_is_refused_in_words_and_by_the_database(field, value, constraint):
    incident = IncidentFactory.build(**{field: value})
    message = " ".join(errors_of(incident)[field])
    assert f"Value '{value[-1]}' is not a valid choice" in message and f"Item {len(value)}" in message
    assert constraint in refused_by_database(**{field: value})


def test_known_values_are_kept():
    incident = IncidentFactory(harm_types=["physical", "human-fundamental-rights"], countries=["GB", "US"],
                               industries=["J", "Q"], critical_infrastructure=["health", "energy"])
    incident.full_clean(exclude=["public_id"])
    incident.refresh_from_db()
    assert incident.countries == ["GB", "US"] and incident.industries == ["J", "Q"]


@pytest.mark.parametrize(
    ("kind", "level", "allowed"),
    [
        ("incident", "incident", True),
        ("incident", "serious-incident", True),
        ("incident", "disaster", True),
        ("incident", "hazard", False),
        ("incident", "serious-hazard", False),
        ("hazard", "hazard", True),
        ("hazard", "serious-hazard", True),
        ("hazard", "serious-incident", False),
        ("research-finding", "serious-hazard", True),
        ("research-finding", "incident", False),
        ("hazard", "", True),
    ],
)
def test_the_oecd_level_fits_the_kind(kind, level, allowed):
    incident = IncidentFactory.build(kind=kind, oecd_severity=level)
    if allowed:
        incident.full_clean(exclude=["public_id"])
        IncidentFactory(kind=kind, oecd_severity=level)
    else:
        message = errors_of(incident)["oecd_severity"][0]
        assert f"'{level}'" in message
        assert ("harm that happened" in message) == (kind != "incident")
        assert "incident_oecd_severity_matches_kind" in refused_by_database(kind=kind, oecd_severity=level)


def test_none_stands_alone_in_critical_infrastructure():
    IncidentFactory(critical_infrastructure=["none"]).full_clean(exclude=["public_id"])
    incident = IncidentFactory.build(critical_infrastructure=["none", "energy"])
    assert "stands alone" in errors_of(incident)["critical_infrastructure"][0]
    assert "incident_critical_infrastructure_none_alone" in refused_by_database(critical_infrastructure=["energy", "none"])


def test_event_type_property():
    assert IncidentFactory.build(kind="hazard").oecd_event_type == "hazard"
    assert IncidentFactory.build(kind="incident", oecd_severity="disaster").oecd_event_type == "incident"
    assert IncidentFactory.build(kind="research-finding").oecd_event_type == "hazard"


def test_external_identifiers_follow_their_scheme():
    ok = ExternalIdentifierFactory.build(incident=IncidentFactory(), scheme="avid", identifier="avid-2023-r0001")
    ok.full_clean()
    assert ok.identifier == "AVID-2023-R0001" and ok.url.startswith("https://avidml.org/")
    bad = ExternalIdentifierFactory.build(incident=IncidentFactory(), scheme="aiid", identifier="abc")
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(IntegrityError, match="external_id_aiid_format"), transaction.atomic():
        bad.save()
