"""The Article 73 document: sections A-G, every field saying whether it
comes from the report, from the incident's record, or is not yet known."""

import datetime

import jsonschema
import pytest

from reporting import article73
from reporting.article73 import article73_document
from reporting.documents import INCIDENT, NOT_YET_KNOWN, REPORT
from reporting.schema import REPORT_SCHEMA

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=datetime.timezone.utc)
EXPECTED_FIELDS = {
    "A": {"stage", "report_date", "aikb_reference", "previous_report_reference", "authority_reference"},
    "B": {"provider_name", "provider_country", "provider_address", "contact_person", "authorised_representative",
          "reporter_role"},
    "C": {"system_name", "system_version", "eu_database_id", "annex_area", "intended_purpose", "gpai_model", "deployers"},
    "D": {"started_on", "ended_on", "detected_at", "aware_at", "member_states", "description", "category",
          "widespread_infringement", "death", "affected_persons", "affected_persons_description", "harm_types",
          "causal_link"},
    "E": {"measures_taken", "measures_planned", "system_withdrawn", "deployers_informed"},
    "F": {"root_cause", "investigation_status", "risk_assessment"},
    "G": {"authorities_notified", "attachments", "additional_information"},
}


def test_every_section_and_field_is_present_and_marked_reconstructed(loaded):
    document = article73_document(loaded, NOW)
    assert list(document["sections"]) == list("ABCDEFG")
    for key, fields in EXPECTED_FIELDS.items():
        section = document["sections"][key]
        assert section["template"] == "reconstructed"
        assert set(section["fields"]) == fields
    assert document["template"]["status"] == "reconstructed"
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)
    jsonschema.validate(document, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)


def test_fields_say_where_their_value_comes_from(loaded):
    fields = {name: entry for section in article73_document(loaded, NOW)["sections"].values()
              for name, entry in section["fields"].items()}
    # From the report.
    assert fields["provider_name"] == {"label": "Provider (or deployer reporting under Art. 26(5))",
                                       "value": "Helix Health AI", "source": REPORT, "basis": "Art. 73(1)"}
    assert fields["description"]["source"] == REPORT
    assert fields["aware_at"]["value"] == "2026-03-10T11:00:00+00:00"
    assert fields["member_states"] == {"label": "Member State(s) where it occurred", "value": ["DE"], "source": REPORT,
                                       "basis": "Art. 73(1)"}
    assert fields["authority_reference"]["value"] == "AIO-2026-17"
    assert fields["reporter_role"]["value"] == "provider"
    # Prefilled from the incident's record.
    assert fields["started_on"] == {"label": "Occurred (start)", "value": "2026-03-05", "source": INCIDENT}
    assert fields["measures_taken"]["value"] == "The deployer withdrew the medication advice feature."
    assert fields["measures_taken"]["source"] == INCIDENT
    assert fields["deployers"]["value"] == ["City Clinic"]
    assert fields["harm_types"]["value"] == ["physical"]
    assert fields["attachments"]["value"][0]["title"] == "Clinic incident note"
    assert "ignored the dosage context" in fields["root_cause"]["value"][0]
    assert fields["gpai_model"]["value"] == "MedLM"
    # Not yet known: value null.
    for name in ("provider_address", "contact_person", "annex_area", "measures_planned", "risk_assessment", "causal_link"):
        assert fields[name]["source"] == NOT_YET_KNOWN
        assert fields[name]["value"] is None


def test_report_values_win_over_the_incident(loaded):
    loaded.remedial_actions = "Feature disabled for all clinics."
    loaded.member_states = []
    fields = article73.sections(loaded)
    assert fields["E"]["measures_taken"]["value"] == "Feature disabled for all clinics."
    assert fields["E"]["measures_taken"]["source"] == REPORT
    # No Member State on the report: the incident's EU countries (DE, not US).
    assert fields["D"]["member_states"] == {"label": "Member State(s) where it occurred", "value": ["DE"],
                                            "source": INCIDENT, "basis": "Art. 73(1)"}


def test_death_and_deployer_role(loaded):
    loaded.category = "death"
    assert article73.sections(loaded)["D"]["death"]["value"] is True
    loaded.category = ""
    assert article73.sections(loaded)["D"]["death"]["source"] == NOT_YET_KNOWN
    deployer = loaded.incident.organisation_links.all()[0].organisation
    loaded.provider = deployer
    assert article73.sections(loaded)["B"]["reporter_role"]["value"] == "deployer (Art. 26(5))"


def test_clocks_are_in_the_document(loaded):
    clocks = article73_document(loaded, NOW)["clocks"]
    assert clocks[0]["key"] == "initial"
    assert clocks[0]["status"] == "overdue"
    assert clocks[0]["due_at"] == "2026-03-25T23:59:59.999999+01:00"
    # Due 22:59:59.999999 UTC on 25 March, sent 09:00 UTC on 27 March: 34 hours and a microsecond late.
    assert clocks[0]["late_by_seconds"] == pytest.approx(34 * 3600 + 1e-6)
