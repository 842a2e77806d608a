"""What an incident list item shows besides the incident's own columns:
its organisations, AI systems and taxonomy slugs, for a whole page at once.

One SQL statement, written out: built with the ORM, the same queries
(each with a join, an order and the page's 100 ids) spent several times
longer in Python than in the database, a large share of a cold 100-item
API page (figures: docs/benchmarks.md, 'Why the indexes and query
shapes'). Table names come from the models, so a renamed table still
reads the right one.
"""

from django.db import connection

from incidents.models import (
    AISystem,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Organisation,
    TaxonomyTerm,
)

# Each row: part, incident id, role, slug, name, in the part's own order
# (organisations and systems by role, name and link; taxonomy by scheme,
# code, name and term), which the list's items keep. The order's columns
# stay in the database: returned, they were a third of what was read.
# Sorted by incident first, the names are compared only within an
# incident: comparing text in the database's collation was most of the
# sort's time.
_PARTS_SQL = """
SELECT part, incident_id, role, slug, name FROM (
SELECT 0 AS part, link.incident_id, link.role, target.slug, target.name,
       link.role AS k1, target.name AS k2, '' AS k3, link.id AS k4
  FROM {organisation_links} link JOIN {organisations} target ON target.id = link.organisation_id
 WHERE link.incident_id = ANY(%(ids)s)
UNION ALL
SELECT 1, link.incident_id, link.role, target.slug, target.name,
       link.role, target.name, '', link.id
  FROM {system_links} link JOIN {systems} target ON target.id = link.system_id
 WHERE link.incident_id = ANY(%(ids)s)
UNION ALL
SELECT 2, link.incident_id, NULL, term.slug, NULL,
       term.scheme, term.code, term.name, term.id
  FROM {taxonomy_links} link JOIN {terms} term ON term.id = link.taxonomyterm_id
 WHERE link.incident_id = ANY(%(ids)s)
) parts
ORDER BY part, incident_id, k1, k2, k3, k4
"""


def _parts_sql() -> str:
    quote = connection.ops.quote_name
    return _PARTS_SQL.format(
        organisation_links=quote(IncidentOrganisation._meta.db_table),
        organisations=quote(Organisation._meta.db_table),
        system_links=quote(IncidentSystem._meta.db_table),
        systems=quote(AISystem._meta.db_table),
        taxonomy_links=quote(Incident.taxonomy.through._meta.db_table),
        terms=quote(TaxonomyTerm._meta.db_table),
    )


def attach_list_links(incidents) -> None:
    """Set `list_organisations` and `list_systems` ((slug, name, role)
    each) and `list_taxonomy` (slugs) on each incident of a page (see
    IncidentListSerializer), in one query."""
    ids = [incident.pk for incident in incidents]
    organisations, systems, taxonomy = ({pk: [] for pk in ids} for _ in range(3))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_parts_sql(), {"ids": ids})
            for part, pk, role, slug, name in cursor.fetchall():
                if part == 0:
                    organisations[pk].append((slug, name, role))
                elif part == 1:
                    systems[pk].append((slug, name, role))
                else:
                    taxonomy[pk].append(slug)
    for incident in incidents:
        pk = incident.pk
        incident.list_organisations = organisations[pk]
        incident.list_systems = systems[pk]
        incident.list_taxonomy = taxonomy[pk]
