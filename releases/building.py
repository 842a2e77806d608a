"""A release's files, as bytes that depend on the data and the release
date alone: the same data gives the same bytes, on any day it is built
(tests/releases/test_rebuild.py rebuilds a release and compares hashes).

- dataset.json: every public table in one document (releases.contents),
  written as `manage.py export` writes its file;
- one CSV per table, and one per many-to-many link (incidents_taxonomy.csv),
  rows sorted by id, columns in a fixed order;
- schema.json: the JSON Schema of dataset.json (releases.schema);
- README.md: what it is, the licence, how to cite it, the changelog;
- SHA256SUMS: the SHA-256 of each of those, as `sha256sum -c` reads it;
- aikb-dataset-<date>.zip: all of the above in one folder, entries in
  name order, each dated midnight of the release date, with fixed
  permissions and compression, so the archive is byte-stable too (for a
  given zlib: its bytes are recorded with the release, never rebuilt).

Nothing written reads the clock: the only date in the files is the
release's.
"""

import csv
import datetime
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse

from editorial.dataset import write_dataset
from incidents.citations import absolute_url
from incidents.licence import LICENCE_NAME, LICENCE_TITLE, LICENCE_URL
from incidents.text import for_csv

from . import changelog as changes
from . import citations
from .contents import TABLES, public_document, rows_of
from .schema import check, dataset_schema

DATASET = "dataset.json"
SCHEMA = "schema.json"
README = "README.md"
CHECKSUMS = "SHA256SUMS"
MEDIA_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
}
PLAIN_TEXT = "text/plain; charset=utf-8"


def archive_name(version: datetime.date) -> str:
    return f"aikb-dataset-{version.isoformat()}.zip"


def media_type(name: str) -> str:
    return next((kind for suffix, kind in MEDIA_TYPES.items() if name.endswith(suffix)), PLAIN_TEXT)


@dataclass(frozen=True)
class BuiltFile:
    name: str
    content: bytes
    description: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def entry(self) -> dict:
        """How the release row lists it."""
        return {"name": self.name, "bytes": len(self.content), "sha256": self.sha256,
                "media_type": media_type(self.name), "description": self.description}


@dataclass(frozen=True)
class BuiltRelease:
    version: datetime.date
    files: tuple[BuiltFile, ...]  # the archive first, then in the order the page lists them
    counts: dict[str, int]
    changelog: dict

    def file(self, name: str) -> BuiltFile:
        return next(f for f in self.files if f.name == name)


# CSV: the cell rules of every CSV we write (incidents.text.for_csv): no
# control characters, no formula a spreadsheet would run.

def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return for_csv(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return for_csv(str(value))


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def csv_files(document: dict) -> list[BuiltFile]:
    """One CSV per table (id, then its fields in the schema's order) and
    one per many-to-many link (the two ids), rows sorted by id."""
    built = []
    tables = rows_of(document)
    for table in TABLES:
        records = tables[table.name]  # in id order (releases.contents)
        fields = table.fields()
        own = [f.name for f in fields if not f.many_to_many]
        built.append(BuiltFile(
            f"{table.name}.csv",
            _csv(["id", *own], ([r["pk"], *(r["fields"][name] for name in own)] for r in records)),
            f"{table.description} {_rows(len(records))}.",
        ))
        for link in (f for f in fields if f.many_to_many):
            through = link.remote_field.through._meta
            ends = [through.get_field(link.m2m_field_name()).name,
                    through.get_field(link.m2m_reverse_field_name()).name]
            pairs = sorted((r["pk"], target) for r in records for target in r["fields"][link.name])
            built.append(BuiltFile(
                f"{table.name}_{link.name}.csv", _csv(ends, pairs),
                f"The {link.name.replace('_', ' ')} of each row of {table.name}.csv, one pair of ids a row: "
                f"{_rows(len(pairs))}.",
            ))
    return built


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _dataset_bytes(document: dict) -> bytes:
    out = io.StringIO()
    write_dataset(document, out)
    return out.getvalue().encode("utf-8")


def _json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def checksums(files: list[BuiltFile]) -> bytes:
    """`sha256sum` format: "<hex>  <name>", one a line, in name order."""
    return "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name)).encode("ascii")


def zip_bytes(version: datetime.date, files: list[BuiltFile]) -> bytes:
    """Every file in a folder named for the release, byte-stable (module docstring)."""
    folder = archive_name(version).removesuffix(".zip")
    stamp = (version.year, version.month, version.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for f in sorted(files, key=lambda f: f.name):
            info = zipfile.ZipInfo(f"{folder}/{f.name}", date_time=stamp)
            info.create_system = 3  # Unix, wherever it is built, so the permissions below are read
            info.external_attr = 0o100444 << 16  # a regular file, read-only
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, f.content, compresslevel=9)
    return out.getvalue()


_MARKDOWN_SIGNS = re.compile(r"([\\`*_\[\]<>#|])")


def markdown_text(text: str) -> str:
    """Editors' text on one line of Markdown, shown as written (its signs escaped)."""
    return _MARKDOWN_SIGNS.sub(r"\\\1", " ".join(str(text).split()))


def _as_markdown(changelog: dict) -> dict:
    return {key: [{name: markdown_text(value) if isinstance(value, str) else value for name, value in item.items()}
                  for item in items] if isinstance(items, list) else items
            for key, items in changelog.items()}


def readme(version: datetime.date, counts: dict[str, int], changelog: dict, files: list[BuiltFile]) -> bytes:
    changelog = _as_markdown(changelog)
    text = render_to_string("releases/README.md", {
        "version": version,
        "title": citations.release_title(version),
        "url": citations.release_url(version),
        "latest_url": absolute_url(reverse("release-latest")),
        "incidents": counts["incidents"],
        "files": files,
        "licence": {"name": LICENCE_NAME, "title": LICENCE_TITLE, "url": LICENCE_URL},
        "citation_text": citations.release_citation_text(version),
        "citation_bibtex": citations.release_bibtex(version),
        "changelog": changelog,
        "summary": changes.summary(changelog),
    })
    return text.encode("utf-8")


def build_release(version: datetime.date, previous_document: dict | None) -> BuiltRelease:
    """Every file of the release of `version` from the data now, its
    changelog against `previous_document` (the previous release's
    dataset.json, decoded; None for the first). Raises
    releases.schema.SchemaMismatch when the data breaks the schema."""
    dataset = _dataset_bytes(public_document(version))
    # Compared and checked as its text reads, the way readers will.
    document = json.loads(dataset)
    schema = dataset_schema(absolute_url(reverse("release-file", args=[version.isoformat(), SCHEMA])))
    check(document, schema)
    counts = {table.name: document["counts"][table.label] for table in TABLES}
    changelog = changes.compare(previous_document, document)
    data = [
        BuiltFile(DATASET, dataset, "Every table in one JSON document, described by schema.json; loads into an "
                  "empty installation with `manage.py import_export`."),
        BuiltFile(SCHEMA, _json_bytes(schema), "The JSON Schema (draft 2020-12) of dataset.json."),
        *csv_files(document),
    ]
    about = "What the release holds, its licence, how to cite it, what changed."
    # The README lists every file, itself included (by name and description only).
    listed = [*data, BuiltFile(README, b"", about)]
    listed[-1] = BuiltFile(README, readme(version, counts, changelog, listed), about)
    sums = BuiltFile(CHECKSUMS, checksums(listed),
                     "The SHA-256 of every other file; check with `sha256sum -c SHA256SUMS`.")
    contents = [*listed, sums]
    archive = BuiltFile(archive_name(version), zip_bytes(version, contents), "Every file of the release in one zip.")
    ordered = [archive, *sorted(contents, key=lambda f: f.name.endswith(".csv"))]  # stable: CSV files last
    return BuiltRelease(version, tuple(ordered), counts, changelog)
