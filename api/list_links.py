"""What an incident list item shows besides the incident's own columns:
its organisations, AI systems and taxonomy slugs, the ids other databases
gave it (external ids) and whether it has evidence (the OECD criterion
"supporting materials"), for a whole page at once.

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
    Evidence,
    ExternalIdentifier,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Organisation,
    TaxonomyTerm,
)

# Each row: part, incident id, role, slug, name, in the part's own order
# (organisations and systems by role, name and link; taxonomy by scheme,
# code, name and term; external ids by scheme and id, as the model's
# ordering), which the list's items keep. Part 3's role and slug are the
# scheme and id; part 4 is one row per incident with evidence, its count
# in `role`. The order's columns
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
UNION ALL
SELECT 3, ext.incident_id, ext.scheme, ext.identifier, NULL,
       ext.scheme, ext.identifier, '', ext.id
  FROM {external_ids} ext
 WHERE ext.incident_id = ANY(%(ids)s)
UNION ALL
SELECT 4, ev.incident_id, count(*)::text, NULL, NULL,
       NULL, NULL, '', 0
  FROM {evidence} ev
 WHERE ev.incident_id = ANY(%(ids)s)
 GROUP BY ev.incident_id
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
        external_ids=quote(ExternalIdentifier._meta.db_table),
        evidence=quote(Evidence._meta.db_table),
    )


def attach_list_links(incidents) -> None:
    """Set `list_organisations` and `list_systems` ((slug, name, role)
    each), `list_taxonomy` (slugs), `list_external_ids` ((scheme, id)
    each) and `list_evidence_count` on each incident of a page (see
    IncidentListSerializer), in one query."""
    ids = [incident.pk for incident in incidents]
    organisations, systems, taxonomy, external = ({pk: [] for pk in ids} for _ in range(4))
    evidence = dict.fromkeys(ids, 0)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_parts_sql(), {"ids": ids})
            for part, pk, role, slug, name in cursor.fetchall():
                if part == 0:
                    organisations[pk].append((slug, name, role))
                elif part == 1:
                    systems[pk].append((slug, name, role))
                elif part == 2:
                    taxonomy[pk].append(slug)
                elif part == 3:
                    external[pk].append((role, slug))
                else:
                    evidence[pk] = int(role)
    for incident in incidents:
        pk = incident.pk
        incident.list_organisations = organisations[pk]
        incident.list_systems = systems[pk]
        incident.list_taxonomy = taxonomy[pk]
        incident.list_external_ids = external[pk]
        incident.list_evidence_count = evidence[pk]
