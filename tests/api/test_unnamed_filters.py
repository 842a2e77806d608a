"""A list whose request names none of its filters skips django-filter
(api.views.ApiViewMixin.filter_queryset). That is only right while every
filter set leaves the rows as they are when none of its parameters is
given: checked here for each one the API serves, so that a filter with a
default value (which would apply without being named) fails this test."""

import pytest
from django.http import QueryDict

from api.urls import router

pytestmark = pytest.mark.django_db

FILTERED = sorted(
    (prefix, viewset) for prefix, viewset, _ in router.registry if getattr(viewset, "filterset_class", None) is not None
)


def test_the_api_has_filter_sets_to_check():
    assert {"incidents", "claims", "evidence", "measurements", "sources"} <= {prefix for prefix, _ in FILTERED}


@pytest.mark.parametrize("prefix, viewset", FILTERED, ids=[prefix for prefix, _ in FILTERED])
def test_a_filter_set_given_none_of_its_parameters_changes_nothing(rf, prefix, viewset):
    filterset_class = viewset.filterset_class
    queryset = filterset_class._meta.model.objects.order_by("pk")
    request = rf.get(f"/api/v1/{prefix}/?page_size=5&ordering=id")
    request.user = None
    filterset = filterset_class(QueryDict("page_size=5&ordering=id"), queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    assert str(filterset.qs.query) == str(queryset.query)


def test_a_named_filter_still_filters(client, rich_incident):
    rich_incident(severity=2)
    rich_incident(severity=5)
    everything = client.get("/api/v1/incidents/").json()
    severe = client.get("/api/v1/incidents/?severity=5").json()
    assert everything["count"] == 2
    assert severe["count"] == 1 and severe["results"][0]["severity"] == 5


def test_an_invalid_filter_value_is_still_refused(client):
    response = client.get("/api/v1/incidents/?severity=9")
    assert response.status_code == 400
    assert "severity" in response.json()["errors"]
