"""Trigram matching (pg_trgm) for typos in titles and names.

pg_trgm ships with PostgreSQL's contrib package, which production servers and
the test machines have, but the embedded pgserver wheel does not: there the
extension and its indexes are skipped and search falls back to full text
alone (incidents.search.trigram_available)."""

from django.db import migrations

INDEXES = [
    ("incident_title_trgm", "incidents_incident", "title"),
    ("org_name_trgm", "incidents_organisation", "name"),
    ("system_name_trgm", "incidents_aisystem", "name"),
]


def create_trigram_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in INDEXES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop_trigram_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name, _, _ in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_initial")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
