"""MITRE ATLAS case studies from the real ATLAS.yaml distribution."""

import pytest
import yaml

from imports.atlas import AtlasImporter
from imports.models import ImportRecord
from imports.pipeline import run_import
from incidents.models import Incident, TaxonomyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def atlas_document(atlas_file_path):
    return yaml.safe_load(atlas_file_path.read_text())


@pytest.fixture(scope="module")
def atlas_file_path():
    from .conftest import DATA_DIR

    return DATA_DIR / "atlas" / "ATLAS.yaml"


def test_every_case_study_becomes_an_incident_with_its_techniques(atlas_file, atlas_document):
    report = run_import(AtlasImporter(), [atlas_file])

    studies = atlas_document["case-studies"]
    assert report.errors == []
    assert report.created == len(studies) == 57
    first = studies[0]
    record = ImportRecord.objects.get(database="atlas", external_id=first["id"])
    incident = record.incident
    assert incident.title == first["name"]
    assert incident.kind == Incident.Kind.RESEARCH_FINDING  # an exercise
    assert incident.occurred_precision == "year"
    assert record.release == f"ATLAS {atlas_document['version']}"
    assert record.source.url == f"https://atlas.mitre.org/studies/{first['id']}"
    # Every procedure step is in the body, and every technique it maps to is a term.
    for step in first["procedure"]:
        assert step["technique"] in incident.body
    codes = set(incident.taxonomy.filter(scheme=TaxonomyTerm.Scheme.BEHAVIOUR).values_list("code", flat=True))
    assert {step["technique"] for step in first["procedure"]} <= codes
    sub = TaxonomyTerm.objects.get(code="AML.T0000.001")
    assert sub.parent.code == "AML.T0000"
    assert record.original["id"] == first["id"]

    # Running it again changes nothing.
    revisions = Incident.history.count()
    report = run_import(AtlasImporter(), [atlas_file])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 57)
    assert Incident.history.count() == revisions


def test_changed_case_study_updates_incident_and_techniques(atlas_document, tmp_path):
    # The real distribution cut to its first three case studies, to stay fast.
    document = atlas_document | {"case-studies": [dict(s) for s in atlas_document["case-studies"][:3]]}
    original = tmp_path / "original" / "ATLAS.yaml"
    original.parent.mkdir()
    original.write_text(yaml.safe_dump(document, sort_keys=False))
    run_import(AtlasImporter(), [original])
    study = document["case-studies"][0]
    study["name"] = "Renamed case study"
    study["procedure"] = study["procedure"][:1]
    changed = tmp_path / "ATLAS.yaml"
    changed.write_text(yaml.safe_dump(document, sort_keys=False))

    report = run_import(AtlasImporter(), [changed])

    assert (report.created, report.updated) == (0, 1)
    incident = ImportRecord.objects.get(external_id=study["id"]).incident
    assert incident.title == "Renamed case study"
    assert incident.history.first().history_change_reason == f"Imported from MITRE ATLAS {study['id']}"
    codes = set(incident.taxonomy.filter(scheme=TaxonomyTerm.Scheme.BEHAVIOUR).values_list("code", flat=True))
    assert codes == {study["procedure"][0]["technique"]}


def test_dry_run_reports_every_case_study_and_writes_nothing(atlas_document, tmp_path):
    # Ten case studies that share techniques: each item's rolled-back terms must not leak into the next.
    studies = [dict(study) for study in atlas_document["case-studies"][:10]]
    # A technique used twice in one case study, and again in the next one.
    repeated = studies[0]["procedure"][0]
    studies[0]["procedure"] = [*studies[0]["procedure"], repeated]
    studies[1]["procedure"] = [*studies[1]["procedure"], repeated]
    document = atlas_document | {"case-studies": studies}
    path = tmp_path / "ATLAS.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))

    report = run_import(AtlasImporter(), [path], dry_run=True)

    assert report.errors == []
    assert report.created == 10
    assert not Incident.objects.exists()
    assert not TaxonomyTerm.objects.exists()
