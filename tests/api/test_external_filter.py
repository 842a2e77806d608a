"""`?external=scheme:id` finds the entry another database records under that
id; bad input is a 400 naming the value; the lookup uses the index."""

import pytest
from django.db import connection

from api.filters import IncidentFilterSet
from imports.atlas import AtlasImporter
from imports.pipeline import run_import
from incidents.models import ExternalIdentifier, Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def public_ids(response):
    assert response.status_code == 200, response.content
    return {item["public_id"] for item in response.json()["results"]}


def test_aiid_6_finds_the_atlas_study_that_cites_it(client):
    from tests.imports.conftest import DATA_DIR

    run_import(AtlasImporter(), [DATA_DIR / "atlas" / "ATLAS.yaml"])
    study = ExternalIdentifier.objects.get(scheme="atlas", identifier="AML.CS0009").incident

    assert public_ids(client.get("/api/v1/incidents/?external=aiid:6")) == {study.public_id}
    assert public_ids(client.get("/api/v1/incidents/?external=avid:avid-2022-v013")) == {study.public_id}
    found = client.get("/api/v1/incidents/?external=aiid:6").json()["results"][0]
    assert {"scheme": "aiid", "id": "6", "url": "https://incidentdatabase.ai/cite/6/"} in found["external_ids"]
    # Alternatives, and a scheme alone (has one there).
    either = public_ids(client.get("/api/v1/incidents/?external=aiid:6&external=aiid:731"))
    assert len(either) == 2 and study.public_id in either
    assert len(public_ids(client.get("/api/v1/incidents/?external=aiid&page_size=100"))) == 4
    assert public_ids(client.get("/api/v1/incidents/?external=aiid:7")) == set()


def test_the_filter_combines_with_others_and_hides_drafts(client):
    shown, hidden = IncidentFactory(kind="hazard"), IncidentFactory(is_published=False)
    for incident in (shown, hidden):
        ExternalIdentifier.objects.create(incident=incident, scheme="cve", identifier="CVE-2024-12345")
    assert public_ids(client.get("/api/v1/incidents/?external=cve:CVE-2024-12345")) == {shown.public_id}
    assert public_ids(client.get("/api/v1/incidents/?external=cve:CVE-2024-12345&kind=incident")) == set()


@pytest.mark.parametrize("value, expected", [
    ("foo:1", "Unknown scheme 'foo'; use aiid, oecd-aim, avid, atlas, aiaaic, cve."),
    ("aiid:abc", "'abc' is not a valid aiid identifier (AI Incident Database); it looks like aiid:634."),
    ("atlas:aml.t0043", "'aml.t0043' is not a valid atlas identifier"),
    ("aiid:", "Give the AI Incident Database identifier"),
])
def test_bad_input_is_a_400_naming_the_value(client, value, expected):
    response = client.get(f"/api/v1/incidents/?external={value}")
    assert response.status_code == 400
    errors = response.json()["errors"]["external"]
    assert any(expected in str(message) for message in errors), errors


def test_the_lookup_uses_the_external_id_index():
    incident = IncidentFactory()
    ExternalIdentifier.objects.bulk_create(
        ExternalIdentifier(incident=incident, scheme="aiid", identifier=str(n), origin="import") for n in range(1, 400)
    )
    filterset = IncidentFilterSet({"external": ["aiid:6"]}, queryset=Incident.objects.all())
    assert filterset.is_valid(), filterset.errors
    sql, params = filterset.qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ExternalIdentifier._meta.db_table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "external_id_lookup" in plan, plan
