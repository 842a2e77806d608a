"""OECD-shaped documents: every curated entry's document validates against
the schema, and importing the export changes nothing in the database it came
from and rebuilds the same documents in an empty one."""

import copy
import json

import jsonschema
import pytest
from django.apps import apps
from django.db import connection

from imports.models import ImportRecord, ImportRun
from imports.oecd import OecdImporter
from imports.pipeline import run_import
from incidents.curated import load_curated
from incidents.models import (
    AISystem,
    CausalAttribution,
    Evidence,
    ExternalIdentifier,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Organisation,
    Source,
)
from incidents.oecd import CRITERIA
from incidents.oecd_document import documents_for, set_header
from incidents.oecd_schema import incident_schema, incident_validator, read_only_paths, set_schema, set_validator
from incidents.visibility import public_incidents

pytestmark = pytest.mark.django_db


@pytest.fixture
def curated():
    load_curated(verbosity=0)


def public_documents():
    return documents_for(public_incidents().order_by("public_id"))


def write_set(path, documents):
    path.write_text(json.dumps({**set_header(), "incidents": documents}, ensure_ascii=False))
    return path


def history_counts():
    """Rows of every history table: a write that changed something leaves one."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("incidents").get_models()
        if model.__name__.startswith("Historical")
    }


def table_counts():
    models = (Incident, Evidence, Source, AISystem, Organisation, IncidentOrganisation, IncidentSystem,
              ExternalIdentifier, CausalAttribution)
    return {model.__name__: model.objects.count() for model in models}


def without_read_only(document):
    document = copy.deepcopy(document)
    for path in read_only_paths():
        *parents, last = path.split(".")
        target = document
        for name in parents:
            target = target[name]
        target.pop(last, None)
    return document


def test_both_schemas_are_valid_draft_2020_12_schemas():
    for schema in (incident_schema(), set_schema()):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
    # One property per OECD criterion, in the registry's order.
    assert list(incident_schema()["properties"]["criteria"]["properties"]) == [c.key for c in CRITERIA]
    assert set(read_only_paths()) == {"url", "criteria.model", "criteria.steps_to_reproduce", "completeness"}


def test_every_curated_document_validates(curated):
    documents = public_documents()
    assert len(documents) == public_incidents().count() > 5
    validator = incident_validator()
    for document in documents:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], document["id"]
        assert list(document["criteria"]) == [c.key for c in CRITERIA]
    set_validator().validate({**set_header(), "incidents": documents})


def test_importing_the_export_into_its_own_database_changes_nothing(curated, tmp_path):
    documents = public_documents()
    path = write_set(tmp_path / "export.json", documents)
    tables, histories = table_counts(), history_counts()

    report = run_import(OecdImporter(), [path])

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(documents))
    assert table_counts() == tables
    assert history_counts() == histories  # no revision of anything
    assert public_documents() == documents
    # The entries are now known by their ids; a second run reads nothing new.
    assert ImportRecord.objects.filter(database="oecd-json").count() == len(documents)
    again = run_import(OecdImporter(), [path])
    assert again.errors == []
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(documents))
    assert history_counts() == histories
    assert ImportRun.objects.filter(database="oecd-json").count() == 2


def empty_the_database():
    models = [m for app in ("incidents", "reproductions", "imports") for m in apps.get_app_config(app).get_models()]
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def test_importing_the_export_into_an_empty_database_gives_the_same_documents(curated, tmp_path):
    documents = public_documents()
    path = write_set(tmp_path / "export.json", documents)
    empty_the_database()
    assert Incident.objects.count() == 0

    report = run_import(OecdImporter(), [path])

    assert report.errors == []
    assert report.created == len(documents)
    again = public_documents()
    assert [d["id"] for d in again] == [d["id"] for d in documents]
    assert [without_read_only(d) for d in again] == [without_read_only(d) for d in documents]
    # A second run: all unchanged, nothing written.
    histories = history_counts()
    second = run_import(OecdImporter(), [path])
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, len(documents), [])
    assert history_counts() == histories


def rich_entries():
    """Two entries with every criterion filled and every relation the document carries."""
    from tests.factories import (
        AISystemFactory,
        CausalAttributionFactory,
        EvidenceFactory,
        ExternalIdentifierFactory,
        IncidentFactory,
        IncidentOrganisationFactory,
        IncidentSystemFactory,
        OrganisationFactory,
        SourceFactory,
    )
    from tests.reproductions.factories import HarnessMetricFactory

    lab, deployer, bank, press = (OrganisationFactory(name=name) for name in ("Lab One", "Deployer Co", "A Bank", "Press"))
    incident = IncidentFactory(
        title="Trading agent emptied customer accounts",
        oecd_severity="serious-incident", harm_types=["economic-property", "physical"], ai_relation=["use", "malfunction"],
        ai_relation_note="The agent acted on a misread instruction.", submitter_type="editor",
        submitter_name="AIKB editors", countries=["FR", "DE"], harm_quantification="EUR 2 million",
        unintended_use=False, affected_stakeholders=["consumers"], rights_impacts="Property.",
        ai_principles=["safety", "accountability"], industries=["K"], business_functions=["sales"],
        critical_infrastructure=["banking"], deployment_breadth="broad", training_data="Market data.",
        ai_tasks=["goal-driven-optimisation"], autonomy_level="human-on-the-loop", systems_interacting=True,
        actions_taken="Withdrawn.",
    )
    base = AISystemFactory(name="Base model", version="1", developer=lab, family="Base")
    agent = AISystemFactory(name="Trader", version="2.1", developer=lab, family="", base_system=base,
                            usage_rights="open-weights")
    IncidentSystemFactory(incident=incident, system=agent, role="actor")
    IncidentSystemFactory(incident=incident, system=AISystemFactory(name="Checker", version="", developer=None,
                                                                    family=""), role="involved")
    for organisation, role in ((lab, "developer"), (deployer, "deployer"), (bank, "affected"), (press, "researcher")):
        IncidentOrganisationFactory(incident=incident, organisation=organisation, role=role)
    paper = SourceFactory(title="Incident report")
    response = SourceFactory(title="Our reply", kind="response", responding_organisation=deployer, url="")
    first = EvidenceFactory(incident=incident, source=paper, locator="2")
    EvidenceFactory(incident=incident, source=response, quote="We withdrew it.", stance="context", locator="1")
    third = EvidenceFactory(incident=incident, source=paper, quote="It sold everything.", locator="3")
    CausalAttributionFactory(incident=incident, factor="model-behaviour", grounding="evidenced", evidence=[first, third])
    CausalAttributionFactory(incident=incident, factor="misuse", explanation="Perhaps it was prompted to.")
    ExternalIdentifierFactory(incident=incident, scheme="aiid", identifier="634", origin="editor")
    ExternalIdentifierFactory(incident=incident, scheme="oecd-aim", identifier="2024-03-07-8f2a", origin="import")
    HarnessMetricFactory(claim__incident=incident)
    hazard = IncidentFactory(title="A probe found a jailbreak", kind="research-finding", oecd_severity="serious-hazard",
                             occurred_on=None, reported_on=None, critical_infrastructure=["none"])
    EvidenceFactory(incident=hazard, source=paper, quote="A jailbreak works.", locator="9")
    return incident, hazard


def test_a_document_carries_every_criterion_and_relation(tmp_path):
    incident, hazard = rich_entries()
    document, hazard_document = documents_for([incident, hazard])
    incident_validator().validate(document)
    incident_validator().validate(hazard_document)
    criteria = document["criteria"]
    assert document["event_type"] == "incident" and hazard_document["event_type"] == "hazard"
    assert criteria["severity"] == {"oecd": "serious-incident", "aikb": 3}
    assert criteria["first_occurrence_date"] == {"date": "2025-06-01", "precision": "month"}
    assert hazard_document["criteria"]["first_occurrence_date"] is None
    assert [m["locator"] for m in criteria["supporting_materials"]] == ["2", "1", "3"]
    assert criteria["supporting_materials"][1]["responding_organisation"] == "Deployer Co"
    assert document["attribution"] == [
        {"factor": "misuse", "grounding": "speculative", "explanation": "Perhaps it was prompted to.", "evidence": []},
        {"factor": "model-behaviour", "grounding": "evidenced", "explanation": document["attribution"][1]["explanation"],
         "evidence": [0, 2]},
    ]
    assert [(i["scheme"], i["id"]) for i in document["identifiers"]] == [
        ("aikb", incident.public_id), ("aiid", "634"), ("oecd-aim", "2024-03-07-8f2a")]
    assert criteria["usage_rights"] == [{"system": "Trader", "version": "2.1", "usage_rights": "open-weights"}]
    assert criteria["model"] == [{"system": "Trader", "version": "2.1", "family": "",
                                  "base_system": {"name": "Base model", "version": "1"}}]
    assert criteria["developers_deployers"] == [{"name": "Deployer Co", "role": "deployer"},
                                                {"name": "Lab One", "role": "developer"}]
    assert document["x-aikb"]["organisations"] == [{"name": "A Bank", "role": "affected"},
                                                   {"name": "Press", "role": "researcher"}]
    assert len(criteria["steps_to_reproduce"]) == 1
    assert document["completeness"] == {"met": 29, "of": 29, "mandatory_complete": True, "mandatory_missing": []}


def test_rich_entries_round_trip_through_an_empty_database(tmp_path):
    documents = documents_for(rich_entries())
    path = write_set(tmp_path / "export.json", documents)
    tables, histories = table_counts(), history_counts()
    same = run_import(OecdImporter(), [path])
    assert (same.created, same.updated, same.unchanged, same.errors) == (0, 0, 2, [])
    assert (table_counts(), history_counts()) == (tables, histories)

    empty_the_database()
    report = run_import(OecdImporter(), [path])

    assert (report.created, report.errors) == (2, [])
    again = documents_for(Incident.objects.order_by("id"))
    assert [without_read_only(d) for d in again] == [without_read_only(d) for d in documents]
    # The import's own ids are marked so; the harness link is ours, not the document's.
    assert set(ExternalIdentifier.objects.values_list("origin", flat=True)) == {"import"}
    assert again[0]["criteria"]["steps_to_reproduce"] == []


def test_the_command_imports_a_set_and_reports(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = write_set(tmp_path / "export.json", documents_for(rich_entries()))
    out = StringIO()
    call_command("import_oecd", str(path), "--dry-run", stdout=out, stderr=StringIO(), verbosity=0)
    assert out.getvalue().startswith("Dry run, nothing written: would have 0 created, 0 updated, 2 unchanged")
