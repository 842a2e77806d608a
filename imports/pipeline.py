"""The import loop shared by every importer.

Each item is written in its own transaction: a bad item rolls back alone and
is reported with its location, and the batch goes on. An item whose original
document is unchanged since the last import is not touched, so a second run
writes nothing. A dry run does every write and rolls each one back, so it
reports exactly what a real run would do and leaves the database as it was.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.text import without_control_characters

from .models import ImportRecord, ImportRun
from .reading import RawItem


class ImportItemError(Exception):
    """An item that cannot be imported, with the message a person reads."""


@dataclass
class Applied:
    """What an importer's `apply` wrote for one item."""

    incident: object
    source: object = None
    # False when the item matched an incident and wrote nothing to it (the
    # run counts it unchanged); importers that cannot tell leave it True.
    changed: bool = True


@dataclass
class ItemError:
    location: str
    external_id: str
    message: str

    def as_dict(self):
        return {"location": self.location, "external_id": self.external_id, "message": self.message}

    def __str__(self):
        where = f"{self.location} [{self.external_id}]" if self.external_id else self.location
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[ItemError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped, {len(self.errors)} errors"
        )


class _RollBack(Exception):
    """Raised inside a dry run's transaction to undo the item's writes."""


def canonical_json(document) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)


def document_sha256(document) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def jsonable(document):
    """The document as plain JSON types (YAML gives dates), for JSONField storage."""
    return json.loads(canonical_json(document))


def describe_error(error: Exception) -> str:
    if isinstance(error, ImportItemError):
        return str(error)
    if isinstance(error, ValidationError):
        if hasattr(error, "message_dict"):
            return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
        return " ".join(error.messages)
    return f"{type(error).__name__}: {error}"


class Importer:
    """What each database's importer provides."""

    database: str = ""

    def __init__(self):
        # Taxonomy terms looked up during the run (see upserts.taxonomy_term).
        self.term_cache: dict = {}

    def rolled_back(self) -> None:
        """An item's transaction was rolled back: forget what was looked up
        inside it, since it may have been created there and is gone now."""
        self.term_cache.clear()

    def read(self, paths) -> Iterable[RawItem]:
        raise NotImplementedError

    def identify(self, item: RawItem) -> str:
        """The item's external identifier; raise ImportItemError when it has none."""
        raise NotImplementedError

    def is_published(self, item: RawItem) -> bool:
        raise NotImplementedError

    def release(self, item: RawItem) -> str:
        return ""

    def existing_incident(self, external_id: str, item: RawItem):
        """The incident an item with no ImportRecord yet updates (an entry of
        ours named by its public id, imports.oecd); None creates one."""
        return None

    def apply(self, item: RawItem, external_id: str, incident, published: bool) -> Applied:
        """Create (incident is None) or update the incident from the document."""
        raise NotImplementedError


def _without_control_characters(value):
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, list):
        return [_without_control_characters(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_control_characters(item) for key, item in value.items()}
    return value


def run_import(
    importer: Importer,
    paths,
    dry_run: bool = False,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> ImportReport:
    """Import every item the importer reads from `paths`; returns the report
    and records the run (not for a dry run, which writes nothing)."""
    report = ImportReport()
    seen: dict[str, str] = {}
    # One query for every stored digest, so unchanged items cost no query at all.
    known = dict(
        ImportRecord.objects.filter(database=importer.database).values_list("external_id", "original_sha256")
    )
    items = importer.read(paths)
    if progress is not None:
        items = progress(items)
    for item in items:
        _import_one(importer, item, seen, known, report, dry_run)
    if not dry_run:
        ImportRun.objects.create(
            database=importer.database,
            paths=[str(p) for p in paths],
            finished_at=timezone.now(),
            created_count=report.created,
            updated_count=report.updated,
            unchanged_count=report.unchanged,
            skipped_count=report.skipped,
            error_count=len(report.errors),
            errors=[error.as_dict() for error in report.errors],
        )
    return report


def _import_one(importer: Importer, item: RawItem, seen: dict, known: dict, report: ImportReport, dry_run: bool) -> None:
    if item.error:
        report.errors.append(ItemError(item.location, "", item.error))
        return
    try:
        external_id = importer.identify(item)
    except ImportItemError as error:
        report.errors.append(ItemError(item.location, "", str(error)))
        return
    if external_id in seen:
        report.errors.append(
            ItemError(item.location, external_id, f"duplicate external id, first read at {seen[external_id]}")
        )
        return
    seen[external_id] = item.location

    original = jsonable(item.document)
    digest = document_sha256(original)
    if known.get(external_id) == digest:
        report.unchanged += 1
        return
    record = (
        ImportRecord.objects.select_related("incident")
        .filter(database=importer.database, external_id=external_id)
        .first()
    )
    incident = record.incident if record is not None else importer.existing_incident(external_id, item)
    if incident is not None and incident.merged_into_id:
        report.skipped += 1
        report.notes.append(f"{item.location} [{external_id}]: merged into another incident; not updated")
        return

    is_new = record is None
    try:
        with transaction.atomic():
            # Control characters in a feed's text are dropped, not imported
            # (incidents.text): the record is kept as it came, the entry reads clean.
            readable = replace(item, document=_without_control_characters(item.document))
            applied = importer.apply(readable, external_id, incident, importer.is_published(item))
            if is_new:
                record = ImportRecord(database=importer.database, external_id=external_id)
            record.incident = applied.incident
            record.source = applied.source
            record.release = importer.release(item)[:100]
            record.location = item.location[:500]
            record.original = original
            record.original_sha256 = digest
            record.save()
            if dry_run:
                raise _RollBack
    except _RollBack:
        importer.rolled_back()
    except Exception as error:  # noqa: BLE001 - one bad item must not stop the batch
        importer.rolled_back()
        report.errors.append(ItemError(item.location, external_id, describe_error(error)))
        return
    if incident is None:
        report.created += 1
    elif not applied.changed:
        report.unchanged += 1
    else:
        report.updated += 1
