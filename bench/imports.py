"""Import throughput on the real public files in ../shared/data, and the
dataset export: `python -m bench imports`.

Runs in its own database (BENCH_DATABASE_NAME, default aikb_bench_imports):
incidents imported by an earlier run are deleted first, so each figure is a
first import; then the same files are imported again (nothing changes)."""

import os
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("AIKB_IMPORT_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.exists():
    DATA = Path("/work/shared/data")


def _timed(label, importer, paths, rows, target_first, target_again):
    from imports.pipeline import run_import

    started = time.perf_counter()
    report = run_import(importer(), paths)
    first = time.perf_counter() - started
    items = report.created + report.updated + report.unchanged
    print(f"{label}: {report.summary()} in {first:.1f} s")
    started = time.perf_counter()
    again = run_import(importer(), paths)
    second = time.perf_counter() - started
    print(f"{label} again: {again.summary()} in {second:.1f} s")
    rows.append((f"{label}: first import", round(items / first, 1), "items/s", f">= {target_first}"))
    rows.append((f"{label}: second run, unchanged", round((again.unchanged + len(again.errors)) / second, 1),
                 "items/s", f">= {target_again}"))


def main():
    os.environ.setdefault("BENCH_DATABASE_NAME", "aikb_bench_imports")
    from bench.database import setup_bench_database

    setup_bench_database(0, verbose=False)
    from django.db import transaction

    from editorial.dataset import export_dataset, write_dataset
    from imports.atlas import AtlasImporter
    from imports.avid import AvidImporter
    from imports.mit_risk import MitRiskImporter
    from imports.models import ImportRecord
    from incidents.models import Incident

    # Start from no imported incident (their import records go with them).
    with transaction.atomic():
        Incident.objects.filter(pk__in=ImportRecord.objects.values("incident_id")).delete()

    rows = []
    _timed("ATLAS (57 case studies)", AtlasImporter, [DATA / "atlas" / "ATLAS.yaml"], rows, 5, 100)
    _timed("AVID published reports", AvidImporter, [DATA / "avid" / "reports"], rows, 5, 100)
    _timed("MIT AI Risk Repository", MitRiskImporter, [DATA / "mit-ai-risk"], rows, 5, 100)

    started = time.perf_counter()
    document = export_dataset()
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        write_dataset(document, handle)
        size = Path(handle.name).stat().st_size
    took = time.perf_counter() - started
    records = sum(document["counts"].values())
    print(f"export: {records} records, {size / 1e6:.1f} MB in {took:.1f} s")
    rows.append(("export of the imported dataset", round(records / took), "records/s", ">= 1000"))
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
