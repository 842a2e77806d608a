"""Representative subsets of the real public files in /work/shared/data (or
$AIKB_IMPORT_DATA_DIR), so the suite stays fast while reading real documents."""

import os
import shutil
from pathlib import Path

import pytest

DATA_DIR = Path(os.environ.get("AIKB_IMPORT_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data"))
if not DATA_DIR.exists():
    DATA_DIR = Path("/work/shared/data")

# One report of each shape: data_version 0.1 bias detection, 0.3.3 Inspect
# measurement, 0.3.3 CVE with CVSS, a third-party report, and a review-folder CVE.
AVID_REPORTS = [
    "reports/2022/AVID-2022-R0001.json",
    "reports/2025/AVID-2025-R0003.json",
    "reports/2026/AVID-2026-R0003.json",
    "reports/2026/AVID-2026-R0059.json",
    "reports/review/CVE-2026-33634_report.json",
]
AVID_BATCH = "review/odin_disclosures_20260219_112946.jsonl"


def pytest_collection_modifyitems(items):
    if DATA_DIR.exists():
        return
    reason = f"the shared data folder {DATA_DIR} is absent"
    importing = [item for item in items if "tests/imports" in str(item.fspath)]
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        # In CI a missing folder is a broken set-up, not a reason to skip a whole area quietly.
        raise pytest.UsageError(f"CI: {reason}; set AIKB_IMPORT_DATA_DIR to the importers' data ({len(importing)} tests need it)")
    for item in importing:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def avid_dir(tmp_path):
    """A folder laid out like avid/: published reports, a review folder and a JSONL batch (first 3 lines)."""
    root = tmp_path / "avid"
    for name in AVID_REPORTS:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA_DIR / "avid" / name, target)
    batch = root / AVID_BATCH
    batch.parent.mkdir(parents=True, exist_ok=True)
    lines = (DATA_DIR / "avid" / AVID_BATCH).read_bytes().splitlines(keepends=True)[:3]
    batch.write_bytes(b"".join(lines))
    return root


@pytest.fixture
def atlas_file():
    return DATA_DIR / "atlas" / "ATLAS.yaml"


@pytest.fixture
def mit_file(tmp_path):
    """The real spreadsheet's header and its first 40 data rows (two papers,
    categories, subcategories and additional evidence) in a workbook of the same shape."""
    import openpyxl

    from imports.mit_risk import SHEET

    source = openpyxl.load_workbook(DATA_DIR / "mit-ai-risk" / "AI-Risk-Repository-V3-2025-03-26.xlsx", read_only=True)
    rows = list(source[SHEET].iter_rows(values_only=True, max_row=43))
    source.close()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "mit-subset.xlsx"
    workbook.save(path)
    return path
