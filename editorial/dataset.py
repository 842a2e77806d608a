"""The published dataset as one versioned JSON document (`manage.py export`)
and loading it back into an empty database (`manage.py import_export`).

The document's shape is described in editorial/export_schema.md. Records
keep their primary keys and public ids, so links, citations and API
addresses stay valid after a move to a new database.
"""

import datetime
import json
from collections.abc import Callable, Iterable

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from incidents.visibility import IN_DATASET, in_dataset_q

FORMAT = "aikb-dataset"
VERSION = 1
HISTORY_REASON = "Loaded from a dataset export"


class DatasetError(Exception):
    """The file is not a dataset this version can load, or the database is not empty."""


def _published_incidents(model):
    # Merged entries stay in the dataset so their public ids keep redirecting (incidents.visibility).
    return model.objects.filter(IN_DATASET)


def _sections() -> list[tuple[str, Callable]]:
    """(model label, queryset of what is exported), parents before children."""
    published = in_dataset_q("incident")
    claim_published = in_dataset_q("claim__incident")

    def everything(model):
        return model.objects.all()

    def where(condition):
        return lambda model: model.objects.filter(condition)

    return [
        ("incidents.organisation", everything),
        ("incidents.aisystem", everything),
        ("incidents.taxonomyterm", everything),
        ("incidents.publicidcounter", everything),
        ("incidents.incident", _published_incidents),
        ("incidents.incidentorganisation", where(published)),
        ("incidents.incidentsystem", where(published)),
        ("incidents.incidentrelation", _relations_between_published),
        ("incidents.source", everything),
        ("incidents.claim", where(published)),
        ("incidents.evidence", where(published)),
        ("incidents.externalidentifier", where(published)),
        ("incidents.causalattribution", where(published)),
        ("incidents.metric", everything),
        ("reproductions.evalmodel", everything),
        ("reproductions.harness", everything),
        ("reproductions.harnessmetric", where(claim_published)),
        ("reproductions.reproductionrun", everything),
        ("reproductions.runsample", everything),
        ("incidents.measurement", where(published)),
        ("reproductions.verdict", where(claim_published)),
        ("incidents.claimstatuschange", where(claim_published)),
        ("imports.importrecord", where(published)),
        ("reporting.seriousincidentreport", where(published)),
        ("reporting.reportsubmission", where(in_dataset_q("report__incident"))),
    ]


def _relations_between_published(model):
    ids = _published_incidents(apps.get_model("incidents.incident")).values("id")
    return model.objects.filter(from_incident__in=ids, to_incident__in=ids)


# Fields that are not content: derived (rebuilt on load) or about accounts.
DROPPED_FIELDS = {
    "incidents.incident": {"search_vector", "has_reproduction"},  # kept by the database
    "reproductions.reproductionrun": {"requested_by"},
}


def export_dataset(progress: Callable[[Iterable], Iterable] | None = None) -> dict:
    """The published dataset as a JSON-ready dict (see export_schema.md)."""
    records, counts = [], {}
    sections = _sections()
    for label, queryset_of in progress(sections) if progress else sections:
        model = apps.get_model(label)
        queryset = queryset_of(model).order_by("pk")
        dropped = DROPPED_FIELDS.get(label, set())
        names = [f.name for f in model._meta.local_fields if not f.primary_key and f.name not in dropped]
        # Many-to-many fields with their own model (incident organisations) are sections of their own.
        many = [f.name for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]
        names += many
        rows = serializers.serialize(
            "python", queryset.prefetch_related(*many) if many else queryset.iterator(chunk_size=2000), fields=names
        )
        counts[label] = len(rows)
        records.extend({"model": row["model"], "pk": row["pk"], "fields": row["fields"]} for row in rows)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "records": records,
    }


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times with all their microseconds (Django's encoder keeps milliseconds),
    so a re-export of a loaded dataset is identical to the original."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def write_dataset(document: dict, handle) -> None:
    json.dump(document, handle, cls=ExactJSONEncoder, ensure_ascii=False, indent=1, sort_keys=False)
    handle.write("\n")


def check_document(document) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DatasetError(f'not an export of this knowledge base ("format" is not "{FORMAT}")')
    if document.get("version") != VERSION:
        raise DatasetError(f"export format version {document.get('version')!r} is not supported (this code reads {VERSION})")
    if not isinstance(document.get("records"), list):
        raise DatasetError('"records" must be a list')
    known = {label for label, _ in _sections()}
    unknown = sorted({str(r.get("model")) for r in document["records"] if isinstance(r, dict)} - known)
    if unknown:
        raise DatasetError("unknown record types: " + ", ".join(unknown))


def import_dataset(document: dict, progress: Callable[[Iterable], Iterable] | None = None) -> dict:
    """Load an export into an empty database, keeping every primary key; all
    or nothing. Returns the count per record type."""
    check_document(document)
    Incident = apps.get_model("incidents.incident")
    if Incident.objects.exists():
        raise DatasetError("the database already holds incidents; import_export loads into an empty database only")
    counts: dict[str, int] = {}
    saved: dict[str, list] = {}
    records = document["records"]
    with transaction.atomic():
        try:
            objects = serializers.deserialize("python", progress(records) if progress else records)
            for deserialized in objects:
                deserialized.save()
                label = deserialized.object._meta.label_lower
                counts[label] = counts.get(label, 0) + 1
                saved.setdefault(label, []).append(deserialized.object)
        except serializers.base.DeserializationError as error:
            raise DatasetError(f"a record cannot be loaded: {error}") from None
        _reset_sequences([apps.get_model(label) for label in counts])
        # Every tracked record starts its history here, so later edits have something to diff against.
        for label, objs in saved.items():
            history = getattr(apps.get_model(label), "history", None)
            if history is not None:
                history.bulk_history_create(objs, batch_size=1000, default_change_reason=HISTORY_REASON)
    from incidents.search import refresh_search_vectors

    refresh_search_vectors()
    return counts


def _reset_sequences(models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
