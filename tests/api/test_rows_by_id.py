"""A list page's rows, read by id in one statement (api.pagination.RowsById),
are the instances the ORM would have given: same values, same deferred
columns, only the rows of the queryset, in one query."""

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from api.pagination import RowsById
from incidents.models import Incident
from incidents.visibility import public_incidents
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

DEFERRED = ("search_vector", "body")


def fields_of(incident):
    return {field.attname: getattr(incident, field.attname) for field in Incident._meta.concrete_fields
            if field.name not in DEFERRED}


def test_the_rows_are_the_orms_instances():
    IncidentFactory(occurred_on=None, reported_on=None)
    IncidentFactory(title="Ünïcode — title", severity=5)
    ids = list(Incident.objects.values_list("pk", flat=True))
    orm = {incident.pk: incident for incident in Incident.objects.defer(*DEFERRED).filter(pk__in=ids)}
    with CaptureQueriesContext(connection) as queries:
        rows = RowsById(Incident.objects.all(), deferred=DEFERRED).filter(pk__in=ids)
    assert len(queries) == 1
    assert sorted(row.pk for row in rows) == sorted(ids)
    for row in rows:
        expected = orm[row.pk]
        assert type(row) is Incident
        assert fields_of(row) == fields_of(expected)
        assert row.get_deferred_fields() == expected.get_deferred_fields() == {"search_vector", "body"}
        assert row._state.db == expected._state.db and row._state.adding is False
        assert row.body == Incident.objects.get(pk=row.pk).body  # read on first use, as the ORM's


def test_only_the_querysets_rows_are_read():
    shown = IncidentFactory(is_published=True)
    draft = IncidentFactory(is_published=False)
    rows = RowsById(public_incidents(), deferred=DEFERRED).filter(pk__in=[shown.pk, draft.pk])
    assert [row.pk for row in rows] == [shown.pk]


def test_no_ids_read_no_rows():
    IncidentFactory()
    assert RowsById(Incident.objects.all()).filter(pk__in=[]) == []


def test_an_annotated_queryset_is_read_through_the_orm():
    incident = IncidentFactory()
    rows = RowsById(Incident.objects.annotate(marked=Value(7))).filter(pk__in=[incident.pk])
    assert [row.marked for row in rows] == [7]
