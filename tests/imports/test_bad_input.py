"""Bad input: each bad item is reported with its location, the good ones are
imported, and no item is ever half-written."""

import json
import shutil

import pytest
import yaml

from imports.atlas import AtlasImporter
from imports.avid import AvidImporter
from imports.mit_risk import MitRiskImporter
from imports.models import ImportRecord
from imports.pipeline import run_import
from incidents.models import Incident, IncidentOrganisation, Organisation

from .conftest import DATA_DIR

pytestmark = pytest.mark.django_db

GOOD_REPORT = DATA_DIR / "avid" / "reports/2026/AVID-2026-R0003.json"


def good_report(report_id="AVID-2026-R9001", title="A good report"):
    document = json.loads(GOOD_REPORT.read_text())
    document["metadata"]["report_id"] = report_id
    document["problemtype"]["description"]["value"] = title
    return document


def messages(report):
    return {error.location.rsplit("/", 1)[-1]: error.message for error in report.errors}


def test_bad_jsonl_lines_are_reported_by_line_and_good_lines_imported(tmp_path):
    missing_title = good_report("AVID-2026-R9003")
    missing_title["problemtype"]["description"]["value"] = ""
    unknown_class = good_report("AVID-2026-R9004", "Unknown class")
    unknown_class["problemtype"]["classof"] = "Alien Sighting"
    no_date = good_report("AVID-2026-R9005", "No date")
    del no_date["reported_date"]
    lines = [
        json.dumps(good_report("AVID-2026-R9001")).encode(),
        b'{"data_type": "AVID", "broken": ',
        "caf\u00e9".encode("latin-1"),
        json.dumps(missing_title).encode(),
        json.dumps(unknown_class).encode(),
        json.dumps(no_date).encode(),
        json.dumps(good_report("AVID-2026-R9001", "Same id again")).encode(),
        json.dumps({"data_type": "other"}).encode(),
        json.dumps(good_report("AVID-2026-R9002", "Another good report")).encode(),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")

    report = run_import(AvidImporter(), [batch])

    found = messages(report)
    assert report.created == 2
    assert set(found) == {f"batch.jsonl:{n}" for n in (2, 3, 4, 5, 6, 7, 8)}
    assert found["batch.jsonl:2"].startswith("malformed JSON at line 1, column")
    assert "not UTF-8" in found["batch.jsonl:3"]
    assert "problemtype.description.value" in found["batch.jsonl:4"]
    assert "unknown problemtype.classof 'Alien Sighting'" in found["batch.jsonl:5"]
    assert "reported_date" in found["batch.jsonl:6"]
    assert "duplicate external id, first read at" in found["batch.jsonl:7"]
    assert "not an AVID report" in found["batch.jsonl:8"]
    assert sorted(ImportRecord.objects.values_list("external_id", flat=True)) == ["AVID-2026-R9001", "AVID-2026-R9002"]
    assert Incident.objects.get(import_records__external_id="AVID-2026-R9001").title == "A good report"


def test_an_item_failing_midway_leaves_nothing_behind(tmp_path):
    # The artifact check fails after the incident and its organisations were written.
    document = good_report("AVID-2026-R9010", "Fails after writing")
    document["affects"]["developer"] = ["A Brand New Lab"]
    document["affects"]["artifacts"] = [{"type": "Spaceship", "name": "X"}]
    path = tmp_path / "AVID-2026-R9010.json"
    path.write_text(json.dumps(document))

    report = run_import(AvidImporter(), [path])

    assert report.created == 0
    assert "unknown affects.artifacts type 'Spaceship'" in report.errors[0].message
    assert report.errors[0].location.endswith("AVID-2026-R9010.json")
    assert not Incident.objects.exists()
    assert not Organisation.objects.filter(name="A Brand New Lab").exists()
    assert not IncidentOrganisation.objects.exists()
    assert not ImportRecord.objects.exists()


def test_wrong_encoding_and_malformed_json_files(tmp_path):
    (tmp_path / "latin1.json").write_bytes(json.dumps(good_report("AVID-2026-R9020", "Caf\u00e9"), ensure_ascii=False).encode("latin-1"))
    (tmp_path / "broken.json").write_text('{"data_type": "AVID",\n  "metadata": }')
    (tmp_path / "good.json").write_text(json.dumps(good_report("AVID-2026-R9021")))

    report = run_import(AvidImporter(), [tmp_path])

    found = messages(report)
    assert report.created == 1
    assert "not UTF-8 text (byte" in found["latin1.json"]
    assert found["broken.json"].startswith("malformed JSON at line 2, column 15")


def test_a_100_mb_batch_is_streamed_and_its_oversized_line_reported(tmp_path, settings):
    settings.AIKB_IMPORT_MAX_LINE_BYTES = 1024 * 1024
    batch = tmp_path / "huge.jsonl"
    with batch.open("wb") as handle:
        handle.write(json.dumps(good_report("AVID-2026-R9030")).encode() + b"\n")
        handle.write(b'{"padding": "')
        block = b"x" * (1024 * 1024)
        for _ in range(100):
            handle.write(block)
        handle.write(b'"}\n')
        handle.write(json.dumps(good_report("AVID-2026-R9031", "After the huge line")).encode() + b"\n")
    assert batch.stat().st_size > 100 * 1024 * 1024

    report = run_import(AvidImporter(), [batch])

    assert report.created == 2
    [error] = report.errors
    assert error.location.endswith("huge.jsonl:2")
    assert "over the limit of 1,048,576 bytes" in error.message


def test_a_file_over_the_size_limit_is_refused_and_others_imported(tmp_path, settings):
    settings.AIKB_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # a sparse 100 MB file
    (tmp_path / "good.json").write_text(json.dumps(good_report("AVID-2026-R9040")))

    report = run_import(AvidImporter(), [tmp_path])

    assert report.created == 1
    assert "104,857,600 bytes, over the import limit" in messages(report)["huge.json"]


def test_malformed_yaml_is_reported_with_line_and_column(tmp_path):
    path = tmp_path / "ATLAS.yaml"
    path.write_text("id: ATLAS\ncase-studies:\n  - id: AML.CS9000\n    name: [unclosed\n")
    report = run_import(AtlasImporter(), [path])
    [error] = report.errors
    assert error.location.startswith(f"{path}:")
    assert error.message.startswith("malformed YAML")
    assert report.created == 0


def test_atlas_case_studies_with_missing_fields_or_unknown_values(tmp_path):
    document = yaml.safe_load((DATA_DIR / "atlas" / "ATLAS.yaml").read_text())
    good = document["case-studies"][0]
    no_summary = dict(document["case-studies"][1])
    del no_summary["summary"]
    odd_type = dict(document["case-studies"][2], **{"case-study-type": "rumour"})
    no_id = {k: v for k, v in document["case-studies"][3].items() if k != "id"}
    document["case-studies"] = [good, no_summary, odd_type, no_id, dict(good)]
    path = tmp_path / "ATLAS.yaml"
    path.write_text(yaml.safe_dump(document))

    report = run_import(AtlasImporter(), [path])

    assert report.created == 1
    found = {error.location.split(": ", 1)[1]: error.message for error in report.errors}
    assert "missing required field(s): summary" in found[f"case-studies[1] ({no_summary['id']})"]
    assert "unknown case-study-type 'rumour'" in found[f"case-studies[2] ({odd_type['id']})"]
    assert found["case-studies[3]"] == "missing required field id"
    assert found[f"case-studies[4] ({good['id']})"].startswith("duplicate external id")


def write_csv(path, rows):
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def test_mit_csv_with_bad_rows(mit_file, tmp_path):
    import openpyxl

    from imports.mit_risk import SHEET

    workbook = openpyxl.load_workbook(mit_file, read_only=True)
    rows = [list(r) for r in workbook[SHEET].iter_rows(values_only=True)]
    workbook.close()
    # Row 5 (01.01.00) gets an unknown level, row 9 (01.02.00) an unknown causal value.
    rows[4][7] = "Risk Galaxy"
    rows[8][14] = "9 - Martians"
    path = tmp_path / "mit.csv"
    write_csv(path, rows)

    report = run_import(MitRiskImporter(), [path])

    found = {error.location.rsplit(" ", 2)[-1]: error for error in report.errors}
    assert "unknown Category level 'Risk Galaxy'" in found["5"].message
    assert "unknown Entity value '9 - Martians'" in found["9"].message
    assert found["9"].external_id == "01.02.00"
    # The additional evidence of the bad row 5 has no parent left.
    assert "has no risk row 01.01.00" in found["6"].message
    assert report.created == 24
    assert not ImportRecord.objects.filter(external_id__in=["01.01.00", "01.02.00"]).exists()
    assert ImportRecord.objects.filter(external_id="01.03.00").exists()


def test_malformed_csv_is_reported_with_its_line(tmp_path):
    path = tmp_path / "mit.csv"
    path.write_text('Title,QuickRef\n"Unclosed "quote" here,x\n')
    report = run_import(MitRiskImporter(), [path])
    [error] = report.errors
    assert error.location == f"{path} line 2"
    assert error.message.startswith("malformed CSV")


def test_mit_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    shutil.copyfile(GOOD_REPORT, path)
    report = run_import(MitRiskImporter(), [path])
    assert "not a readable .xlsx workbook" in report.errors[0].message
