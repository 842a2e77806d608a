"""The MIT AI Risk Repository spreadsheet: risks become hazards classified by
its causal and domain taxonomies."""

import openpyxl
import pytest

from imports.mit_risk import SHEET, MitRiskImporter
from imports.models import ImportRecord
from imports.pipeline import run_import
from incidents.models import Evidence, Incident, TaxonomyTerm

pytestmark = pytest.mark.django_db


def test_risks_become_hazards_classified_by_both_taxonomies(mit_file):
    report = run_import(MitRiskImporter(), [mit_file])

    assert report.errors == []
    assert report.created == 26  # 11 categories and 15 subcategories in the first 40 rows
    assert set(Incident.objects.values_list("kind", flat=True)) == {Incident.Kind.HAZARD}
    record = ImportRecord.objects.get(database="mit-risk", external_id="01.01.00")
    incident = record.incident
    assert incident.title == "Type 1: Diffusion of responsibility"
    assert incident.reported_on.year == 2023
    assert record.location.endswith(f"!{SHEET} row 5")
    domain = {(t.code, t.name) for t in incident.taxonomy.filter(scheme=TaxonomyTerm.Scheme.MIT_DOMAIN)}
    assert domain == {("6", "Socioeconomic and Environmental"), ("6.5", "Governance failure")}
    causal = {t.name for t in incident.taxonomy.filter(scheme=TaxonomyTerm.Scheme.MIT_CAUSAL)}
    assert causal == {"Human", "Unintentional", "Other"}
    assert TaxonomyTerm.objects.get(scheme=TaxonomyTerm.Scheme.MIT_CAUSAL, name="Human").parent.name == "Entity"
    # The definition and the three additional-evidence rows are quoted from the paper.
    evidence = Evidence.objects.filter(incident=incident)
    assert evidence.count() == 5
    assert {e.source.title for e in evidence} == {"TASRA: a Taxonomy and Analysis of Societal-Scale Risks from AI"}
    assert len(record.original["additional_evidence"]) == 3


def test_second_run_changes_nothing(mit_file):
    run_import(MitRiskImporter(), [mit_file])
    revisions = Incident.history.count()
    evidence = Evidence.objects.count()
    report = run_import(MitRiskImporter(), [mit_file])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 26)
    assert Incident.history.count() == revisions
    assert Evidence.objects.count() == evidence


def test_changed_row_updates_the_hazard_and_leaves_a_revision(mit_file):
    run_import(MitRiskImporter(), [mit_file])
    workbook = openpyxl.load_workbook(mit_file)
    workbook[SHEET]["K5"] = "A revised definition."
    workbook.save(mit_file)

    report = run_import(MitRiskImporter(), [mit_file])

    assert (report.created, report.updated) == (0, 1)
    incident = ImportRecord.objects.get(external_id="01.01.00").incident
    assert incident.summary == "A revised definition."
    assert incident.history.first().history_change_reason == "Imported from MIT AI Risk Repository 01.01.00"
    assert Evidence.objects.filter(incident=incident, quote="A revised definition.").exists()


def test_command_dry_run(mit_file, capsys):
    from django.core.management import call_command

    call_command("import_mit_risk", str(mit_file), "--dry-run")
    out, err = capsys.readouterr()
    assert "Dry run, nothing written: would have 26 created" in out
    assert "items" in err  # the progress bar
    assert not Incident.objects.exists()
