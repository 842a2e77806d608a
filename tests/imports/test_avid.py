"""AVID reports and review batches, read from the real public files."""

import json

import pytest
from django.core.management import call_command

from imports.avid import AvidImporter
from imports.models import ImportRecord, ImportRun
from imports.pipeline import run_import
from incidents.models import Evidence, Incident

pytestmark = pytest.mark.django_db


def test_import_creates_incidents_with_provenance_and_original(avid_dir):
    report = run_import(AvidImporter(), [avid_dir])
    assert report.errors == []
    assert report.created == 8  # five reports and three batch lines
    record = ImportRecord.objects.get(database="avid", external_id="AVID-2026-R0003")
    original = json.loads((avid_dir / "reports/2026/AVID-2026-R0003.json").read_text())
    assert record.original == original
    assert record.location.endswith("AVID-2026-R0003.json")
    assert record.imported_at is not None
    assert record.source.url == "https://avidml.org/database/avid-2026-r0003/"
    incident = record.incident
    assert incident.title == original["problemtype"]["description"]["value"][:300]
    assert incident.is_published
    assert Evidence.objects.filter(incident=incident, source=record.source).count() == 1
    assert ImportRun.objects.get().created_count == 8


def test_review_batches_stay_unpublished(avid_dir):
    run_import(AvidImporter(), [avid_dir])
    batch_records = ImportRecord.objects.filter(location__contains=".jsonl:")
    assert batch_records.count() == 3
    assert not any(r.incident.is_published for r in batch_records)


def test_cve_entry_becomes_hazard_with_cvss_severity(avid_dir):
    run_import(AvidImporter(), [avid_dir])
    record = ImportRecord.objects.get(external_id="AVID-2026-R0059")
    original = record.original
    if original["problemtype"]["classof"] == "CVE Entry":
        assert record.incident.kind == Incident.Kind.HAZARD
    else:
        assert record.incident.kind in Incident.Kind.values


def test_second_run_changes_nothing(avid_dir):
    run_import(AvidImporter(), [avid_dir])
    history_before = Incident.history.count()
    report = run_import(AvidImporter(), [avid_dir])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    assert Incident.history.count() == history_before


def test_changed_report_updates_incident_and_leaves_a_revision(avid_dir):
    run_import(AvidImporter(), [avid_dir])
    path = avid_dir / "reports/2026/AVID-2026-R0003.json"
    document = json.loads(path.read_text())
    document["description"]["value"] = "A corrected description."
    path.write_text(json.dumps(document))
    incident = ImportRecord.objects.get(external_id="AVID-2026-R0003").incident
    revisions = incident.history.count()

    report = run_import(AvidImporter(), [avid_dir])

    assert (report.created, report.updated, report.unchanged) == (0, 1, 7)
    incident.refresh_from_db()
    assert incident.summary == "A corrected description."
    assert incident.history.count() == revisions + 1
    assert incident.history.first().history_change_reason == "Imported from AVID AVID-2026-R0003"
    assert ImportRecord.objects.get(external_id="AVID-2026-R0003").original["description"]["value"] == "A corrected description."


def test_dry_run_writes_nothing_and_reports_what_it_would_do(avid_dir):
    report = run_import(AvidImporter(), [avid_dir], dry_run=True)
    assert report.created == 8
    assert Incident.objects.count() == 0
    assert ImportRecord.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_command_prints_summary_progress_and_dry_run(avid_dir, capsys):
    call_command("import_avid", str(avid_dir), "--dry-run")
    out, err = capsys.readouterr()
    assert "Dry run, nothing written: would have 8 created" in out
    assert "items" in err  # the progress bar
    assert Incident.objects.count() == 0
    call_command("import_avid", str(avid_dir))
    out, _ = capsys.readouterr()
    assert "8 created, 0 updated, 0 unchanged" in out


def test_command_lists_each_bad_item_with_its_location(tmp_path, capsys):
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "batch.jsonl").write_text('{"data_type": "other"}\n')
    call_command("import_avid", str(tmp_path), verbosity=0)
    out, err = capsys.readouterr()
    assert "0 created, 0 updated, 0 unchanged, 0 skipped, 2 errors" in out
    assert f"error: {tmp_path}/batch.jsonl:1: not an AVID report" in err
    assert f"error: {tmp_path}/broken.json: malformed JSON at line 1, column 2" in err
    assert ImportRun.objects.get().error_count == 2
