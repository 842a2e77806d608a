"""Search as people expect it, on every set-up: pg_trgm and unaccent are
required now (the embedded server is PostgreSQL 18 with contrib, and the
server set-up needs postgresql-contrib), the stored vectors ignore accents
(the `aikb_english` configuration: unaccent, then the English stemmer), and
a vocabulary of words with a trigram index corrects mistyped words
(incidents.search)."""

import django.contrib.postgres.indexes
from django.db import migrations, models

EXTENSIONS = ("pg_trgm", "unaccent")

CONFIGURATION_SQL = """
CREATE TEXT SEARCH CONFIGURATION aikb_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION aikb_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""

TRIGRAM_INDEXES = [
    ("incident_title_trgm", "incidents_incident", "title"),
    ("org_name_trgm", "incidents_organisation", "name"),
    ("system_name_trgm", "incidents_aisystem", "name"),
]

# As incidents.search.REFRESH_SQL and the vocabulary's SQL were when written.
REFRESH_SQL = """
UPDATE incidents_incident AS i SET search_vector =
    setweight(to_tsvector('aikb_english', coalesce(i.title, '')), 'A')
    || setweight(to_tsvector('aikb_english', coalesce(i.summary, '')), 'B')
    || setweight(to_tsvector('aikb_english', coalesce(i.body, '')), 'C')
    || setweight(to_tsvector('aikb_english', coalesce(
        (SELECT string_agg(e.quote, ' ') FROM incidents_evidence AS e WHERE e.incident_id = i.id), ''
    )), 'D')
"""

# The words of what the public may see: published incidents not merged
# away, their evidence, and organisations and AI systems not named by
# hidden incidents alone.
_PUBLIC = "SELECT id FROM incidents_incident WHERE is_published AND merged_into_id IS NULL"
VOCABULARY_SQL = rf"""
INSERT INTO incidents_searchword (word)
SELECT DISTINCT word FROM (
    SELECT unnest(tsvector_to_array(to_tsvector('simple', unaccent(
        coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(body, ''))))) AS word
    FROM incidents_incident WHERE id IN ({_PUBLIC})
    UNION ALL
    SELECT unnest(tsvector_to_array(to_tsvector('simple', unaccent(quote)))) FROM incidents_evidence
    WHERE incident_id IN ({_PUBLIC})
    UNION ALL
    SELECT unnest(tsvector_to_array(to_tsvector('simple', unaccent(name)))) FROM incidents_organisation AS o
    WHERE EXISTS (SELECT 1 FROM incidents_incidentorganisation l WHERE l.organisation_id = o.id AND l.incident_id IN ({_PUBLIC}))
       OR NOT EXISTS (SELECT 1 FROM incidents_incidentorganisation l WHERE l.organisation_id = o.id)
    UNION ALL
    SELECT unnest(tsvector_to_array(to_tsvector('simple', unaccent(name)))) FROM incidents_aisystem AS s
    WHERE EXISTS (SELECT 1 FROM incidents_incidentsystem l WHERE l.system_id = s.id AND l.incident_id IN ({_PUBLIC}))
       OR NOT EXISTS (SELECT 1 FROM incidents_incidentsystem l WHERE l.system_id = s.id)
) AS words
WHERE length(word) BETWEEN 3 AND 40 AND word ~ '^[[:alpha:]]+$'
ON CONFLICT DO NOTHING
"""


def require_extensions(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", [list(EXTENSIONS)])
        missing = set(EXTENSIONS) - {name for (name,) in cursor.fetchall()}
        if missing:
            raise RuntimeError(
                f"PostgreSQL lacks the extension(s) {', '.join(sorted(missing))} that search needs. Install "
                "PostgreSQL's contrib modules (Debian: apt-get install postgresql-contrib), or leave "
                "DATABASE_URL unset to use the embedded PostgreSQL 18, which has them."
            )
        for name in EXTENSIONS:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'aikb_english'")
        if cursor.fetchone() is None:
            cursor.execute(CONFIGURATION_SQL)
        # Skipped by migration 0003 where pg_trgm was missing then.
        for name, table, column in TRIGRAM_INDEXES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop_configuration(apps, schema_editor):
    schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS aikb_english")


def refresh(apps, schema_editor):
    schema_editor.execute(REFRESH_SQL)
    schema_editor.execute(VOCABULARY_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0016_incident_publish_permission'),
    ]

    operations = [
        migrations.RunPython(require_extensions, drop_configuration),
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('word', models.CharField(max_length=40, primary_key=True, serialize=False)),
            ],
            options={
                'indexes': [django.contrib.postgres.indexes.GinIndex(fields=['word'], name='searchword_trgm', opclasses=['gin_trgm_ops'])],
            },
        ),
        migrations.RunPython(refresh, migrations.RunPython.noop),
    ]
