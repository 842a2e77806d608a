"""Every filter and sort the incident list offers is backed by an index."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def indexed_columns(table):
    """Columns that lead some index of `table` (so a filter on them can use it)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if c["index"] and c["columns"]}


def index_definitions(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(
    "table, column",
    [
        # Choice facets, the year facet (occurred_on), sorts and the published filter.
        ("incidents_incident", "kind"),
        ("incidents_incident", "status"),
        ("incidents_incident", "severity"),
        ("incidents_incident", "setting"),
        ("incidents_incident", "occurred_on"),
        ("incidents_incident", "reported_on"),
        ("incidents_incident", "is_published"),
        ("incidents_incident", "search_vector"),
        # Related facets go through their link tables, both ways.
        ("incidents_incidentorganisation", "incident_id"),
        ("incidents_incidentorganisation", "organisation_id"),
        ("incidents_incidentsystem", "incident_id"),
        ("incidents_incidentsystem", "system_id"),
        ("incidents_incident_taxonomy", "incident_id"),
        ("incidents_incident_taxonomy", "taxonomyterm_id"),
        # Has-reproduction reads each verdict's incident; a claim's verdicts
        # and an incident's claims are looked up by their foreign keys.
        ("reproductions_verdict", "incident_id"),
        ("reproductions_verdict", "claim_id"),
        ("incidents_claim", "incident_id"),
        # Facet values are looked up by slug.
        ("incidents_organisation", "slug"),
        ("incidents_aisystem", "slug"),
        ("incidents_taxonomyterm", "slug"),
    ],
)
def test_filter_column_is_indexed(table, column):
    assert column in indexed_columns(table)


@pytest.mark.parametrize(
    "table, column",
    [("incidents_incident", "title"), ("incidents_organisation", "name"), ("incidents_aisystem", "name")],
)
def test_names_matched_for_typos_have_trigram_indexes(table, column):
    assert any("gin_trgm_ops" in d and f"({column} " in d for d in index_definitions(table))


def test_search_vectors_are_stored_in_the_row_not_the_toast_table():
    """MAIN storage: long texts leave the row before the vector does, so a
    search reads each vector without a second lookup (migration 0005)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'incidents_incident'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone() == ("m",)
