"""Backfill external identifiers from what the importers already stored.

Each ImportRecord keeps the original document; the ids are read from it by
incidents.external_ids.ids_of_import, the same function the importers call
now, so an incident imported before this migration has the rows a fresh
import would give (origin "import"). Rows that exist are left alone, so
running it on a database that already has some is safe. Reversing it
deletes nothing (editors may have relied on the rows by then).
"""

from django.db import migrations

BATCH = 500


def backfill(apps, schema_editor):
    from incidents.external_ids import ids_of_import

    ImportRecord = apps.get_model("imports", "ImportRecord")
    ExternalIdentifier = apps.get_model("incidents", "ExternalIdentifier")
    existing = set(ExternalIdentifier.objects.values_list("incident_id", "scheme", "identifier"))
    rows = []
    records = ImportRecord.objects.exclude(incident=None).order_by("pk").values_list(
        "incident_id", "database", "external_id", "original"
    )
    for incident_id, database, external_id, original in records.iterator(chunk_size=BATCH):
        for scheme, identifier in ids_of_import(database, external_id, original):
            key = (incident_id, scheme, identifier)
            if key in existing:
                continue
            existing.add(key)
            rows.append(ExternalIdentifier(incident_id=incident_id, scheme=scheme, identifier=identifier, origin="import"))
        if len(rows) >= BATCH:
            ExternalIdentifier.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    if rows:
        ExternalIdentifier.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0019_oecd_criteria"),
        ("imports", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
