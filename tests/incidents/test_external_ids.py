"""External identifiers (incidents.external_ids): each scheme's pattern,
address and parse errors, and the one writer for importers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents import external_ids
from incidents.models import ExternalIdentifier
from tests.factories import IncidentFactory

VALID = {
    "aiid": ("634", "https://incidentdatabase.ai/cite/634/"),
    "oecd-aim": ("2024-03-07-8f2a", "https://oecd.ai/en/incidents/2024-03-07-8f2a"),
    "avid": ("AVID-2023-R0001", "https://avidml.org/database/avid-2023-r0001/"),
    "atlas": ("AML.CS0009", "https://atlas.mitre.org/studies/AML.CS0009"),
    "aiaaic": ("AIAAIC1234", ""),
    "cve": ("CVE-2024-12345", "https://www.cve.org/CVERecord?id=CVE-2024-12345"),
}
INVALID = {
    "aiid": ["abc", "6a", "-1", "1.5", "", "\u0663"],
    "oecd-aim": ["2024-03-07", "2024-3-07-8f2a", "2024-03-07-8F2G", "2024-03-07-8f2a1"],
    "avid": ["AVID-2023-X0001", "AVID-23-R0001", "AVID-2023-R01"],
    "atlas": ["AML.CS009", "AML.T0043", "CS0009"],
    "aiaaic": ["AIAAIC123", "1234"],
    "cve": ["CVE-2024-123", "CVE-24-12345", "GHSA-xxxx-yyyy-zzzz"],
}


def test_the_six_schemes_are_registered_and_match_the_model():
    assert external_ids.SCHEME_KEYS == ("aiid", "oecd-aim", "avid", "atlas", "aiaaic", "cve")
    assert set(external_ids.SCHEME_KEYS) == set(ExternalIdentifier.Scheme.values)


@pytest.mark.parametrize("scheme", VALID)
def test_a_valid_id_parses_validates_and_has_its_address(scheme):
    identifier, url = VALID[scheme]
    assert external_ids.parse(f"{scheme}:{identifier}") == (scheme, identifier)
    external_ids.validate(scheme, identifier)
    assert external_ids.url_of(scheme, identifier) == url
    assert external_ids.as_dict(scheme, identifier) == {"scheme": scheme, "id": identifier, "url": url or None}


@pytest.mark.parametrize("scheme, identifier", [(s, i) for s, ids in INVALID.items() for i in ids])
def test_an_id_that_does_not_fit_its_scheme_is_refused_with_an_example(scheme, identifier):
    with pytest.raises(ValidationError) as error:
        external_ids.parse(f"{scheme}:{identifier}")
    message = " ".join(error.value.messages)
    assert external_ids.SCHEMES[scheme].example in message
    with pytest.raises(ValidationError) as field_error:
        external_ids.validate(scheme, identifier)
    assert "identifier" in field_error.value.message_dict


def test_an_unknown_scheme_is_refused_naming_it_and_the_schemes():
    with pytest.raises(ValidationError) as error:
        external_ids.parse("foo:1")
    assert error.value.messages == ["Unknown scheme 'foo'; use aiid, oecd-aim, avid, atlas, aiaaic, cve."]
    with pytest.raises(ValidationError) as field_error:
        external_ids.validate("foo", "1")
    assert "scheme" in field_error.value.message_dict


def test_parse_normalises_case_and_spaces_and_reads_a_bare_scheme_only_when_allowed():
    assert external_ids.parse(" AVID:avid-2023-r0001 ") == ("avid", "AVID-2023-R0001")
    assert external_ids.parse("atlas:aml.cs0009") == ("atlas", "AML.CS0009")
    assert external_ids.parse("oecd-aim:2024-03-07-8F2A") == ("oecd-aim", "2024-03-07-8f2a")
    assert external_ids.parse("aiid", allow_bare_scheme=True) == ("aiid", "")
    with pytest.raises(ValidationError):
        external_ids.parse("aiid")
    with pytest.raises(ValidationError):
        external_ids.parse("aiid:")
    with pytest.raises(ValidationError):
        external_ids.parse("aiid:" + "1" * 101)


def test_ids_are_read_from_other_databases_addresses():
    assert external_ids.ids_in_url("https://incidentdatabase.ai/cite/6") == [("aiid", "6")]
    assert external_ids.ids_in_url("https://avidml.org/database/avid-2022-v013/") == [("avid", "AVID-2022-V013")]
    assert external_ids.ids_in_url("https://atlas.mitre.org/studies/AML.CS0023") == [("atlas", "AML.CS0023")]
    assert external_ids.ids_in_url("https://oecd.ai/en/incidents/2024-03-07-8f2a") == [("oecd-aim", "2024-03-07-8f2a")]
    assert external_ids.ids_in_url("https://example.org/cite/6") == []


@pytest.mark.django_db
def test_replace_keeps_editor_rows_and_replaces_only_its_origins():
    incident = IncidentFactory()
    ExternalIdentifier.objects.create(incident=incident, scheme="aiid", identifier="6", origin="editor")
    assert external_ids.replace_external_ids(incident, [("atlas", "AML.CS0009"), "aiid:6", "cve:cve-2024-12345"])
    rows = set(incident.external_ids.values_list("scheme", "identifier", "origin"))
    assert rows == {("aiid", "6", "editor"), ("atlas", "AML.CS0009", "import"), ("cve", "CVE-2024-12345", "import")}
    # The same ids again: nothing changes.
    assert not external_ids.replace_external_ids(incident, [("atlas", "AML.CS0009"), ("cve", "CVE-2024-12345")])
    # An id the source dropped goes; the editor's stays.
    assert external_ids.replace_external_ids(incident, [("atlas", "AML.CS0009")])
    rows = set(incident.external_ids.values_list("scheme", "identifier", "origin"))
    assert rows == {("aiid", "6", "editor"), ("atlas", "AML.CS0009", "import")}


@pytest.mark.django_db
def test_replace_writes_nothing_when_an_id_is_bad():
    incident = IncidentFactory()
    with pytest.raises(ValidationError):
        external_ids.replace_external_ids(incident, [("atlas", "AML.CS0009"), ("aiid", "six")])
    assert not incident.external_ids.exists()


@pytest.mark.django_db
def test_the_database_refuses_an_id_that_does_not_fit_its_scheme():
    incident = IncidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ExternalIdentifier.objects.create(incident=incident, scheme="aiid", identifier="six")
    row = ExternalIdentifier(incident=incident, scheme="avid", identifier="avid-2023-r0001")
    row.full_clean()
    assert row.identifier == "AVID-2023-R0001"


@pytest.mark.django_db
def test_external_q_finds_by_id_or_by_scheme():
    first, second, _ = IncidentFactory(), IncidentFactory(), IncidentFactory()
    ExternalIdentifier.objects.create(incident=first, scheme="aiid", identifier="6")
    ExternalIdentifier.objects.create(incident=second, scheme="aiid", identifier="7")
    ExternalIdentifier.objects.create(incident=second, scheme="cve", identifier="CVE-2024-12345")
    Incident = type(first)
    assert list(Incident.objects.filter(external_ids.external_q([("aiid", "6")]))) == [first]
    assert set(Incident.objects.filter(external_ids.external_q([("aiid", "")]))) == {first, second}
    assert list(Incident.objects.filter(external_ids.external_q([("cve", "CVE-2024-12345")]))) == [second]
    assert not Incident.objects.filter(external_ids.external_q([])).exists()


def test_ids_of_an_import_leave_out_cited_cves_and_other_studies():
    study = {"id": "AML.CS0040", "references": [
        {"url": "https://atlas.mitre.org/studies/AML.CS0009"},  # another study: another event
        {"url": "https://incidentdatabase.ai/cite/12/"},
    ]}
    assert external_ids.ids_of_import("atlas", "AML.CS0040", study) == [("atlas", "AML.CS0040"), ("aiid", "12")]
    report = {
        "problemtype": {"classof": "LLM Evaluation", "description": {"value": "Leaks CVE-2024-12345"}},
        "references": [{"url": "https://www.cve.org/CVERecord?id=CVE-2024-12345"},
                       {"url": "https://atlas.mitre.org/studies/AML.CS0023"}],
    }
    # A CVE the report cites is not the report's own id; a study it cites is the same event.
    assert external_ids.ids_of_import("avid", "AVID-2024-R0001", report) == [
        ("avid", "AVID-2024-R0001"), ("atlas", "AML.CS0023")]
    assert external_ids.ids_of_import("mit-risk", "Ev_1", report) == []
