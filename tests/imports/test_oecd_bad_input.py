"""Bad OECD documents: each is reported with its location and the JSON path
of the problem, nothing of it is written, and the good items beside it are
imported."""

import copy
import json

import pytest

from imports.models import ImportRecord
from imports.oecd import OecdImporter
from imports.pipeline import run_import
from incidents.models import AISystem, CausalAttribution, Evidence, Incident, Organisation, Source

pytestmark = pytest.mark.django_db

GOOD = {
    "format": "aikb-oecd-incident",
    "version": 1,
    "id": "2024-03-07-8f2a",
    "event_type": "incident",
    "identifiers": [{"scheme": "oecd-aim", "id": "2024-03-07-8f2a"}],
    "criteria": {
        "title": "Chatbot gave dangerous advice",
        "description": "A chatbot told users to mix bleach and ammonia.",
        "submitter": {"type": "database", "name": "OECD AIM"},
        "supporting_materials": [{
            "title": "News story", "url": "https://example.org/story", "kind": "article", "reliability": "secondary",
            "quote": "It told them to mix bleach and ammonia.", "locator_type": "paragraph", "locator": "3",
        }],
        "first_occurrence_date": {"date": "2024-03-01", "precision": "day"},
        "countries": ["GB"],
        "ai_relation": {"roles": ["use"]},
        "severity": {"oecd": "incident"},
        "harm_types": ["physical", "psychological"],
        "ai_systems": [{"name": "HelpBot", "version": "3", "role": "actor", "developer": "HelpBot Ltd"}],
    },
    "attribution": [{"factor": "model-behaviour", "grounding": "evidenced", "explanation": "It said so.",
                     "evidence": [0]}],
    "x-aikb": {"reported_on": "2024-03-07"},
}


def document(id="2024-03-07-8f2a", **changes):
    """GOOD with a new id and `changes` ("criteria.harm_types": [...]) applied."""
    result = copy.deepcopy(GOOD)
    result["id"] = id
    result["identifiers"] = [{"scheme": "oecd-aim", "id": id}] if id[0].isdigit() else []
    result["criteria"]["title"] = f"Chatbot gave dangerous advice ({id})"
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = result
        for name in parents:
            target = target[int(name)] if isinstance(target, list) else target[name]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return result


def import_lines(tmp_path, *documents):
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in documents))
    return run_import(OecdImporter(), [path])


def messages(report):
    return {error.location.rsplit("/", 1)[-1]: error.message for error in report.errors}


def snapshot():
    return {model.__name__: model.objects.count()
            for model in (Incident, Evidence, Source, AISystem, Organisation, CausalAttribution, ImportRecord)}


def test_the_good_document_imports_with_everything(tmp_path):
    report = import_lines(tmp_path, document())
    assert (report.created, report.errors) == (1, [])
    incident = Incident.objects.get()
    assert (incident.kind, incident.oecd_severity, incident.severity, incident.setting) == ("incident", "incident", 3,
                                                                                           "deployment")
    assert incident.harm_types == ["physical", "psychological"]
    assert incident.is_published
    assert list(incident.external_ids.values_list("scheme", "identifier", "origin")) == [
        ("oecd-aim", "2024-03-07-8f2a", "import")]
    assert incident.system_links.get().system.developer.name == "HelpBot Ltd"
    assert list(CausalAttribution.objects.get().evidence.all()) == [incident.evidence.get()]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"criteria.harm_types": ["physical", "physcal"]}, "criteria.harm_types[1]: 'physcal' is not one of"),
        ({"criteria.severity": {"oecd": "catastrophe"}}, "criteria.severity.oecd: 'catastrophe' is not one of"),
        ({"identifiers": [{"scheme": "foo", "id": "1"}]}, "identifiers[0].scheme: 'foo' is not one of"),
        ({"criteria.countries": ["GB", "XX"]}, "criteria.countries[1]: 'XX' is not one of"),
        ({"criteria.unintended_use": "yes"}, "criteria.unintended_use: 'yes' is not of type 'boolean', 'null'"),
        ({"criteria.severity": {"oecd": "incident", "aikb": 9}}, "criteria.severity.aikb: 9 is greater than"),
        ({"criteria.first_occurrence_date": {"date": "2024-13-01", "precision": "day"}},
         "criteria.first_occurrence_date"),
        ({"criteria.critical_infrastructure": ["none", "energy"]}, "criteria.critical_infrastructure: "),
        ({"criteria.harm_type": ["physical"]}, "criteria: Additional properties are not allowed ('harm_type'"),
        ({"criteria.title": ""}, "criteria.title: '' should be non-empty"),
        ({"event_type": "hazard"}, "criteria.severity.oecd: 'incident' is not one of ['hazard', 'serious-hazard', '']"),
        ({"criteria.severity": {"oecd": "serious-hazard"}},
         "criteria.severity.oecd: 'serious-hazard' is not one of ['disaster', 'incident', 'serious-incident', '']"),
        ({"x-aikb": {"kind": "hazard"}}, "x-aikb.kind: 'hazard' is not one of ['incident']"),
        ({"version": 2}, "version: 1 was expected"),
    ],
    ids=["harm-type", "severity", "scheme", "country", "type", "aikb-severity", "date", "none-alone", "unknown-key",
         "empty-title", "level-vs-event-type", "hazard-level-for-an-incident", "kind-vs-event-type", "version"],
)
def test_a_document_the_schema_refuses_is_reported_by_path_and_not_written(tmp_path, changes, expected):
    report = import_lines(tmp_path, document(**changes))
    assert report.created == 0
    [message] = messages(report).values()
    assert message.startswith(expected), message
    assert snapshot() == dict.fromkeys(snapshot(), 0)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"x-aikb": {"reported_on": "2024-02-01"}}, "x-aikb.reported_on: An incident cannot be reported before"),
        ({"identifiers": [{"scheme": "aiid", "id": "abc"}]}, "identifiers[0].id: 'ABC' is not a"),
        ({"attribution": [{"factor": "misuse", "grounding": "evidenced", "explanation": "x", "evidence": []}]},
         "attribution[0].evidence: An evidenced attribution needs at least one"),
        ({"attribution": [{"factor": "misuse", "grounding": "evidenced", "explanation": "x", "evidence": [4]}]},
         "attribution[0].evidence: 4 is not an index of criteria.supporting_materials (it has 1)"),
        ({"attribution": [{"factor": "misuse", "grounding": "evidenced", "explanation": "x", "evidence": [1]}]},
         "attribution[0].evidence: 1 is not an index of criteria.supporting_materials (it has 1)"),
        ({"criteria.supporting_materials.0.locator_type": "timestamp"},
         "criteria.supporting_materials[0]: A timestamp locator has the form HH:MM:SS"),
    ],
    ids=["reported-before-occurred", "bad-external-id", "evidenced-without-evidence", "evidence-index",
         "evidence-index-one-past",
         "timestamp-locator"],
)
def test_a_document_the_rules_refuse_leaves_nothing_half_written(tmp_path, changes, expected):
    # These fail after the incident (and its system, developer, source) were written: all of it is rolled back.
    report = import_lines(tmp_path, document(**changes))
    assert report.created == 0
    [message] = messages(report).values()
    assert message.startswith(expected), message
    assert snapshot() == dict.fromkeys(snapshot(), 0)


def test_one_bad_item_among_good_ones_in_a_set_document(tmp_path):
    bad = document("2024-03-08-0002", **{"attribution": [{"factor": "misuse", "grounding": "evidenced",
                                                          "explanation": "x", "evidence": [7]}]})
    bad["criteria"]["ai_systems"] = [{"name": "Only in the bad one", "version": "", "role": "actor",
                                      "developer": "Nobody Else Ltd"}]
    bad["criteria"]["supporting_materials"][0]["url"] = "https://example.org/only-in-the-bad-one"
    documents = [document("2024-03-08-0001"), bad, {**document("2024-03-08-0004"), "format": "something else"},
                 document("2024-03-08-0003")]
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"format": "aikb-oecd-incidents", "version": 1, "incidents": documents}))

    report = run_import(OecdImporter(), [path])

    found = messages(report)
    assert report.created == 2
    assert set(found) == {"set.json#incidents[1]", "set.json#incidents[2]"}
    assert found["set.json#incidents[1]"].startswith("attribution[0].evidence: 7 is not an index")
    assert found["set.json#incidents[2]"].startswith("format: 'aikb-oecd-incident' was expected")
    assert sorted(ImportRecord.objects.values_list("external_id", flat=True)) == ["2024-03-08-0001", "2024-03-08-0003"]
    assert not AISystem.objects.filter(name="Only in the bad one").exists()
    assert not Organisation.objects.filter(name="Nobody Else Ltd").exists()
    assert not Source.objects.filter(url="https://example.org/only-in-the-bad-one").exists()
    assert Source.objects.count() == 1  # the two good ones share theirs
    assert Incident.objects.count() == 2


def test_malformed_files_are_reported_and_good_lines_imported(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "aikb-oecd-incident", ')
    wrong_set = tmp_path / "wrong-set.json"
    wrong_set.write_text(json.dumps({"format": "aikb-oecd-incidents", "version": 1, "incidents": {}}))
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(json.dumps(document("2024-03-09-0001")).encode() + b"\n[1, 2\n" + b"\"a string\"\n")

    report = run_import(OecdImporter(), [broken, wrong_set, batch])

    found = messages(report)
    assert report.created == 1
    assert found["broken.json"].startswith("malformed JSON at line 1")
    assert found["wrong-set.json"].startswith('a aikb-oecd-incidents document needs "version": 1 and an "incidents" array')
    assert found["batch.jsonl:2"].startswith("malformed JSON at line 1")
    assert found["batch.jsonl:3"].startswith("(document): 'a string' is not of type 'object'")


def test_an_aikb_id_updates_that_entry_and_an_unknown_one_creates_it(tmp_path):
    from tests.factories import IncidentFactory

    existing = IncidentFactory(public_id="AIKB-2024-0007", kind="incident", summary="Old summary.")
    updated = document("AIKB-2024-0007", **{"criteria.description": "New summary."})
    new = document("AIKB-2024-0042")
    report = import_lines(tmp_path, updated, new)
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    existing.refresh_from_db()
    assert existing.summary == "New summary."
    assert existing.history.first().history_change_reason == "OECD document import"
    assert Incident.objects.get(public_id="AIKB-2024-0042").title == "Chatbot gave dangerous advice (AIKB-2024-0042)"
    # A later entry of that year takes the next free number, past the imported one.
    later = IncidentFactory(reported_on=existing.reported_on.replace(year=2024), occurred_on=None)
    assert later.public_id not in {"AIKB-2024-0007", "AIKB-2024-0042"}


def test_a_merged_entry_is_not_updated(tmp_path):
    from tests.factories import IncidentFactory

    survivor = IncidentFactory()
    merged = IncidentFactory(merged_into=survivor, summary="Kept.")
    report = import_lines(tmp_path, document(merged.public_id, **{"criteria.description": "Changed."}))
    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    merged.refresh_from_db()
    assert merged.summary == "Kept."


def test_a_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(document()))
    report = run_import(OecdImporter(), [path], dry_run=True)
    assert (report.created, report.errors) == (1, [])
    assert snapshot() == dict.fromkeys(snapshot(), 0)
