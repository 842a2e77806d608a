"""`manage.py export` then `manage.py import_export` into an empty database:
nothing lost, identifiers kept."""

import datetime
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from editorial.dataset import FORMAT, VERSION
from imports.avid import AvidImporter
from imports.pipeline import run_import
from incidents.models import Incident, IncidentRelation, Measurement
from reproductions.models import Verdict
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    MeasurementFactory,
    TaxonomyTermFactory,
)
from tests.imports.conftest import DATA_DIR
from tests.reproductions.factories import HarnessMetricFactory, RunFactory

pytestmark = pytest.mark.django_db

AVID_REPORT = DATA_DIR / "avid" / "reports/2026/AVID-2026-R0003.json"


def build_dataset():
    call_command("load_curated", verbosity=0)
    incident = IncidentFactory()
    incident.taxonomy.add(TaxonomyTermFactory(), TaxonomyTermFactory())
    claim = ClaimFactory(incident=incident)
    evidence = EvidenceFactory(incident=incident, claim=claim)
    MeasurementFactory(evidence=evidence, incident=incident, claim=claim)
    IncidentOrganisationFactory(incident=incident)
    duplicate = IncidentFactory(merged_into=incident)
    IncidentRelation.objects.create(from_incident=duplicate, to_incident=incident, relation_type=IncidentRelation.Type.SAME_EVENT)
    link = HarnessMetricFactory(claim=claim)
    run = RunFactory(harness=link.harness, status="succeeded")
    reproduced = MeasurementFactory(
        incident=incident, claim=claim, evidence=None, reproduction_run=run, metric=link.metric, value=55.0,
        purpose=Measurement.Purpose.REPRODUCTION,
    )
    Verdict.objects.create(
        run=run, claim=claim, outcome="consistent", reason="Within tolerance.", harness_metric=link, measurement=reproduced
    )
    # A time whose microseconds are below a millisecond must survive exactly.
    Incident.objects.filter(pk=incident.pk).update(updated=datetime.datetime(2025, 1, 2, 3, 4, 5, 123, tzinfo=datetime.UTC))
    hidden = IncidentFactory(is_published=False, title="A draft nobody may see")
    EvidenceFactory(incident=hidden)
    run_import(AvidImporter(), [AVID_REPORT])
    return incident, duplicate, hidden


def empty_the_database():
    labels = [m for app in ("incidents", "reproductions", "imports") for m in apps.get_app_config(app).get_models()]
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in labels)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the test's deferred foreign keys first
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def read(path):
    document = json.loads(path.read_text())
    document.pop("exported_at")
    return document


def test_export_then_import_into_an_empty_database_keeps_everything(tmp_path):
    incident, duplicate, hidden = build_dataset()
    first = tmp_path / "first.json"
    call_command("export", "--output", str(first), verbosity=0)
    exported = read(first)
    assert exported["format"] == FORMAT and exported["version"] == VERSION
    assert exported["counts"]["incidents.incident"] == Incident.objects.filter(is_published=True).count()
    for label in ("incidents.claim", "incidents.evidence", "incidents.measurement", "imports.importrecord",
                  "reproductions.harness", "reproductions.verdict", "incidents.incidentrelation"):
        assert exported["counts"][label] > 0, label
    public_ids = {r["fields"]["public_id"] for r in exported["records"] if r["model"] == "incidents.incident"}
    assert {incident.public_id, duplicate.public_id} <= public_ids
    assert hidden.public_id not in public_ids

    empty_the_database()
    assert not Incident.objects.exists()
    call_command("import_export", str(first), verbosity=0)
    second = tmp_path / "second.json"
    call_command("export", "--output", str(second), verbosity=0)

    assert read(second) == exported
    restored = Incident.objects.get(pk=incident.pk)
    assert restored.public_id == incident.public_id
    assert restored.updated.microsecond == 123
    assert set(restored.taxonomy.values_list("pk", flat=True)) == set(incident.taxonomy.values_list("pk", flat=True))
    assert Incident.objects.get(pk=duplicate.pk).merged_into_id == incident.pk
    assert restored.history.first().history_change_reason == "Loaded from a dataset export"
    # New rows get fresh keys and fresh public ids after the loaded ones.
    newcomer = IncidentFactory()
    assert newcomer.pk > max(r["pk"] for r in exported["records"] if r["model"] == "incidents.incident")
    assert newcomer.public_id not in public_ids


def test_import_refuses_a_database_that_is_not_empty(tmp_path):
    IncidentFactory()
    path = tmp_path / "export.json"
    call_command("export", "--output", str(path), verbosity=0)
    with pytest.raises(CommandError, match="empty database only"):
        call_command("import_export", str(path), verbosity=0)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not a JSON export"),
        (json.dumps({"format": "other"}), "not an export of this knowledge base"),
        (json.dumps({"format": FORMAT, "version": 99, "records": []}), "version 99 is not supported"),
        (json.dumps({"format": FORMAT, "version": VERSION, "records": [{"model": "auth.user", "pk": 1, "fields": {}}]}),
         "unknown record types: auth.user"),
    ],
)
def test_import_rejects_files_it_cannot_read(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_export", str(path), verbosity=0)
