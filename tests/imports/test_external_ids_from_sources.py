"""Importers record other databases' ids for the same event (ExternalIdentifier,
origin import), read from the real ATLAS and AVID files; the backfill
migration gives the same rows from the stored originals."""

import importlib
import json

import pytest
from django.apps import apps

from imports.atlas import AtlasImporter
from imports.avid import AvidImporter
from imports.models import ImportRecord
from imports.pipeline import run_import
from incidents.models import ExternalIdentifier, HistoricalIncident

from .conftest import DATA_DIR

pytestmark = pytest.mark.django_db

SUPPLY_CHAIN_BATCH = "review/ai_supply_chain_cve_reports_2021_2025_openai_gpt-4o-mini.jsonl"


def ids_of(database, external_id):
    incident = ImportRecord.objects.get(database=database, external_id=external_id).incident
    return set(incident.external_ids.values_list("scheme", "identifier"))


def all_rows():
    return set(ExternalIdentifier.objects.values_list("incident_id", "scheme", "identifier", "origin"))


def test_atlas_studies_carry_their_id_and_the_ids_their_references_name(atlas_file):
    report = run_import(AtlasImporter(), [atlas_file])
    assert report.errors == []
    assert ids_of("atlas", "AML.CS0009") == {("atlas", "AML.CS0009"), ("aiid", "6"), ("avid", "AVID-2022-V013")}
    assert ids_of("atlas", "AML.CS0022") == {("atlas", "AML.CS0022"), ("aiid", "731")}
    assert ids_of("atlas", "AML.CS0030") == {("atlas", "AML.CS0030"), ("aiid", "898")}
    assert ids_of("atlas", "AML.CS0034") == {("atlas", "AML.CS0034"), ("aiid", "819")}
    assert ids_of("atlas", "AML.CS0000") == {("atlas", "AML.CS0000")}
    assert ExternalIdentifier.objects.filter(scheme="atlas").count() == 57
    assert set(ExternalIdentifier.objects.values_list("origin", flat=True)) == {"import"}


@pytest.fixture
def supply_chain_batch(avid_dir):
    """The review batch line that cites an ATLAS case study."""
    lines = (DATA_DIR / "avid" / SUPPLY_CHAIN_BATCH).read_text().splitlines()
    line = next(line for line in lines if "atlas.mitre.org/studies/AML.CS0023" in line)
    path = avid_dir / "review" / "supply_chain.jsonl"
    path.write_text(line + "\n")
    return json.loads(line)


def test_avid_reports_carry_report_vulnerability_cve_and_cited_atlas_ids(avid_dir, supply_chain_batch):
    report = run_import(AvidImporter(), [avid_dir])
    assert report.errors == []
    # A published report: its report id and the AVID vulnerability it names.
    assert ids_of("avid", "AVID-2022-R0001") == {("avid", "AVID-2022-R0001"), ("avid", "AVID-2022-V001")}
    # A CVE entry in the review folder: its CVE id.
    assert ids_of("avid", "CVE-2026-33634") == {("cve", "CVE-2026-33634")}
    # A published CVE entry: report id and CVE id.
    assert ids_of("avid", "AVID-2026-R0003") == {("avid", "AVID-2026-R0003"), ("cve", "CVE-2024-10273")}
    # The supply-chain batch report cites ATLAS AML.CS0023 (ShadowRay).
    title = supply_chain_batch["problemtype"]["description"]["value"]
    cve = title.split()[-1]
    assert ids_of("avid", cve) == {("cve", cve), ("atlas", "AML.CS0023")}


def test_a_second_run_changes_nothing_and_keeps_editor_ids(atlas_file):
    run_import(AtlasImporter(), [atlas_file])
    incident = ImportRecord.objects.get(database="atlas", external_id="AML.CS0022").incident
    ExternalIdentifier.objects.create(incident=incident, scheme="oecd-aim", identifier="2024-03-07-8f2a", origin="editor")
    before = all_rows()
    revisions = HistoricalIncident.objects.count()

    report = run_import(AtlasImporter(), [atlas_file])

    assert report.created == 0 and report.errors == []
    assert all_rows() == before
    assert HistoricalIncident.objects.count() == revisions
    assert ("oecd-aim", "2024-03-07-8f2a") in ids_of("atlas", "AML.CS0022")


def test_a_changed_original_replaces_the_imported_ids_but_not_the_editors(atlas_file, tmp_path):
    import yaml

    run_import(AtlasImporter(), [atlas_file])
    incident = ImportRecord.objects.get(database="atlas", external_id="AML.CS0022").incident
    ExternalIdentifier.objects.create(incident=incident, scheme="aiaaic", identifier="AIAAIC1234", origin="editor")
    data = yaml.safe_load(atlas_file.read_text())
    study = next(s for s in data["case-studies"] if s["id"] == "AML.CS0022")
    study["references"] = [{"title": "AIID", "url": "https://incidentdatabase.ai/cite/732/"}]
    changed = tmp_path / "ATLAS.yaml"
    changed.write_text(yaml.safe_dump(data))

    run_import(AtlasImporter(), [changed])

    assert ids_of("atlas", "AML.CS0022") == {("atlas", "AML.CS0022"), ("aiid", "732"), ("aiaaic", "AIAAIC1234")}


def test_the_backfill_migration_gives_the_rows_the_importers_give(atlas_file, avid_dir, supply_chain_batch):
    run_import(AtlasImporter(), [atlas_file])
    run_import(AvidImporter(), [avid_dir])
    imported = all_rows()
    assert len(imported) > 60
    ExternalIdentifier.objects.all().delete()

    migration = importlib.import_module("incidents.migrations.0020_backfill_external_ids")
    migration.backfill(apps, None)

    assert all_rows() == imported
    # Run again (rows there already): nothing doubles.
    migration.backfill(apps, None)
    assert all_rows() == imported
