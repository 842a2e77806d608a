"""A pipeline check (a run on a mock, stand-in or CPU model) is never data:
its canned figure appears on its run's page and, labelled, on the incident
page, and on no public surface where figures are read as data."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from briefings.digests import DigestFilter
from briefings.selectors import digest_content, published_incident
from briefings.services import incident_briefing_html
from incidents.models import Incident, Measurement
from incidents.visibility import published_measurements
from reproductions.models import Harness, ReproductionRun
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, MeasurementFactory, MetricFactory

pytestmark = pytest.mark.django_db

CANNED = 96.5  # the mock model's canned rate: a number no real source gave


@pytest.fixture
def incident_with_a_pipeline_check():
    incident = IncidentFactory(is_published=True)
    claim = ClaimFactory(incident=incident)
    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    published = MeasurementFactory(
        metric=metric, claim=claim, evidence=EvidenceFactory(incident=incident, claim=claim), value=79.0
    )
    claim.systems.add(published.system)
    harness = Harness.objects.create(name="Mock harness", slug="mock-harness", task="x", task_version="1")
    run = ReproductionRun.objects.create(harness=harness, status="succeeded", purpose="pipeline-check")
    check = Measurement.objects.create(
        metric=metric, incident=incident, value=CANNED, sample_size=100, as_of=datetime.date.today(),
        label=f"Pipeline check (run {run.pk}, Mock harness)", reproduction_run=run,
        purpose=Measurement.Purpose.PIPELINE_CHECK,
    )
    return incident, metric, run, check


def test_the_incident_page_shows_it_apart_and_labelled(client, incident_with_a_pipeline_check):
    incident, metric, run, check = incident_with_a_pipeline_check
    page = client.get(incident.get_absolute_url()).content.decode()
    metrics, rest = page.split('id="metrics-heading"')[1].split('id="reproductions-heading"')
    assert "79%" in metrics and "96.5%" not in metrics and "Pipeline check" not in metrics
    checks = rest.split('id="pipeline-checks-heading"')[1]
    assert "96.5%" in checks and f'href="/runs/{run.pk}/"' in checks


def test_no_chart_table_or_list_of_data_shows_it(client, incident_with_a_pipeline_check):
    incident, metric, run, check = incident_with_a_pipeline_check
    for url in ["/", metric.get_absolute_url(), incident.get_absolute_url() + "#metrics"]:
        page = client.get(url).content.decode()
        data = page.split('id="pipeline-checks-heading"')[0]
        assert "96.5%" not in data and "Pipeline check (run" not in data, url
    assert list(published_measurements()) == [m for m in Measurement.objects.order_by("pk") if m.pk != check.pk]


def test_the_run_page_shows_it_as_not_data(client, incident_with_a_pipeline_check):
    incident, metric, run, check = incident_with_a_pipeline_check
    page = client.get(run.get_absolute_url()).content.decode()
    assert "pipeline check" in page and "96.5%" in page and "not data" in page


def test_the_api_lists_it_only_when_asked_and_marks_it(incident_with_a_pipeline_check):
    incident, metric, run, check = incident_with_a_pipeline_check
    api = APIClient()
    listed = api.get("/api/v1/measurements/").json()["results"]
    assert [m["purpose"] for m in listed] == ["published"] and all(m["value"] != CANNED for m in listed)
    csv = api.get("/api/v1/measurements/?format=csv").content.decode()
    assert "96.5" not in csv and "pipeline-check" not in csv
    asked = api.get("/api/v1/measurements/?purpose=pipeline-check").json()["results"]
    assert [(m["id"], m["purpose"], m["value"]) for m in asked] == [(check.pk, "pipeline-check", CANNED)]
    detail = api.get(f"/api/v1/incidents/{incident.public_id}/").json()
    assert all(m["value"] != CANNED for m in detail["key_measurements"])


def test_it_never_marks_the_incident_as_having_a_reproduction(incident_with_a_pipeline_check):
    incident, *_ = incident_with_a_pipeline_check
    assert not Incident.objects.get(pk=incident.pk).has_reproduction
    listed = APIClient().get("/api/v1/incidents/?has_reproduction=true").json()["results"]
    assert listed == []


def test_neither_the_briefing_nor_a_digest_carries_it(incident_with_a_pipeline_check):
    incident, metric, run, check = incident_with_a_pipeline_check
    html = incident_briefing_html(published_incident(incident.public_id))
    assert "79%" in html and "96.5%" not in html and "Pipeline check" not in html
    now = timezone.now()
    content = digest_content(now - datetime.timedelta(days=1), now + datetime.timedelta(days=1), DigestFilter())
    assert [row["measurement"].pk for row in content["metric_changes"]] == [
        m.pk for m in Measurement.objects.filter(purpose="published")
    ]
