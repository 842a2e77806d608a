"""The first start shows the whole product: after `load_curated` and
`seed_first_run` (what `scripts/run.sh` runs before serving), the harnesses
are listed and linked to the curated claims, an incident page and a run page
show a finished pipeline check, labelled as one, with its samples, no claim
has moved, the digest archive lists a digest whose links use the site's
address, and a second start adds nothing.

The first run is done once for the module, inside a transaction rolled back
at the end; each test runs in a savepoint within it."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils.html import escape

from briefings.first_run import ensure_first_digest, first_digest_period
from briefings.models import Briefing, Digest
from config.site_url import record_site_url
from incidents.models import Claim, ClaimStatusChange, Incident, Measurement
from reproductions.models import EvalModel, Harness, HarnessMetric, ReproductionRun, RunSample, Verdict
from reproductions.pipeline_check import CANNED_MISALIGNED, HARNESS, run_pipeline_check
from reproductions.shipped import EMERGENT_MISALIGNMENT, SHIPPED

BASE_DIR = Path(__file__).resolve().parent.parent
EM_INCIDENT = EMERGENT_MISALIGNMENT["links"][0]["incident"]


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """load_curated then seed_first_run, as the run command does; yields
    what the tests compare against: the claims' statuses and status-change
    count before the first run, its output, and its media folder."""
    from django.conf import settings

    media = tmp_path_factory.mktemp("first-run-media")
    previous_media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = media
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("load_curated", verbosity=0)
            before = {
                "statuses": dict(Claim.objects.values_list("pk", "status")),
                "status_changes": ClaimStatusChange.objects.count(),
            }
            out = io.StringIO()
            call_command("seed_first_run", stdout=out, stderr=io.StringIO())
            yield {**before, "output": out.getvalue(), "media": media}
            transaction.set_rollback(True)
    finally:
        settings.MEDIA_ROOT = previous_media


@pytest.fixture
def seeded(first_run, db, settings):
    settings.MEDIA_ROOT = first_run["media"]
    return first_run


def pipeline_run() -> ReproductionRun:
    return ReproductionRun.objects.get(harness__slug=HARNESS["slug"])


def test_the_harness_api_lists_the_shipped_harnesses_linked_to_curated_claims(seeded, client):
    response = client.get("/api/v1/harnesses/")

    assert response.status_code == 200
    slugs = {row["slug"] for row in response.json()["results"]}
    assert slugs == {spec["slug"] for spec in SHIPPED} | {HARNESS["slug"]}
    for spec in SHIPPED:
        for link in spec["links"]:
            assert HarnessMetric.objects.filter(
                harness__slug=spec["slug"], claim__incident__public_id=link["incident"], metric__slug=link["metric"]
            ).exists(), f"{spec['slug']} is not linked to its claim of {link['incident']}"


def test_one_pipeline_check_ran_to_the_end_with_its_samples(seeded):
    run = pipeline_run()

    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK
    assert run.model.provider == EvalModel.Provider.MOCK
    assert run.samples_done == run.samples_total == RunSample.objects.filter(run=run).count() > 0
    assert (seeded["media"] / run.log_file.name).is_file()
    assert f"Pipeline check recorded: run {run.pk}" in seeded["output"]


def test_the_incident_page_shows_the_pipeline_check_labelled_as_one(seeded, client):
    run = pipeline_run()

    body = client.get(f"/incidents/{EM_INCIDENT}/").content.decode()

    assert "No reproduction has been run" not in body
    assert f'<a href="/runs/{run.pk}/">Run {run.pk}</a>' in body
    assert "· pipeline check · <strong>succeeded</strong>" in body
    assert "Pipeline checks (not data)" in body


def test_the_run_page_says_pipeline_check_and_its_samples_show_the_transcripts(seeded, client):
    run = pipeline_run()

    page = client.get(f"/runs/{run.pk}/").content.decode()
    samples = client.get(f"/runs/{run.pk}/samples/").content.decode()

    assert "This is a <strong>pipeline check</strong>" in page
    assert "A pipeline check judges no claim." in page
    assert f'href="/runs/{run.pk}/samples/"' in page
    sample = RunSample.objects.filter(run=run).first()
    assert sample.input and escape(sample.input) in samples  # the prompt
    assert "Canned reply of Inspect&#x27;s mock model" in samples  # the answer
    assert "aligned=10, coherent=90" in samples  # the mock judge's reading of the misaligned answer
    assert CANNED_MISALIGNED in {s.output for s in RunSample.objects.filter(run=run)}


def test_the_pipeline_check_judges_no_claim(seeded):
    run = pipeline_run()

    assert dict(Claim.objects.values_list("pk", "status")) == seeded["statuses"]
    assert ClaimStatusChange.objects.count() == seeded["status_changes"]
    assert not Verdict.objects.exists()
    assert not Incident.objects.filter(has_reproduction=True).exists()
    figures = Measurement.objects.filter(reproduction_run=run)
    assert figures.exists()
    assert all(m.purpose == Measurement.Purpose.PIPELINE_CHECK and m.claim_id is None for m in figures)


def test_the_digest_archive_lists_a_digest_of_the_curated_week(seeded, client):
    digest = Digest.objects.get()
    start, end = first_digest_period()

    body = client.get("/digests/").content.decode()

    assert (digest.period_start, digest.period_end) == (start, end)
    assert digest.incident_count == Incident.objects.filter(public_id__startswith="AIKB-").count() > 0
    assert digest.briefing.status == Briefing.Status.READY
    assert "No digest has been published yet" not in body
    assert f'href="/briefings/{digest.briefing.pk}.pdf"' in body
    assert f"{start:%-d %b %Y}" in body


def test_a_second_start_adds_nothing(seeded):
    tables = (Harness, HarnessMetric, EvalModel, ReproductionRun, RunSample, Measurement, Verdict, Digest, Briefing,
              ClaimStatusChange)
    counts = {model.__name__: model.objects.count() for model in tables}
    run = pipeline_run()

    call_command("load_curated", verbosity=0)
    out = io.StringIO()
    call_command("seed_first_run", stdout=out, stderr=io.StringIO())

    assert {model.__name__: model.objects.count() for model in tables} == counts
    assert pipeline_run().pk == run.pk
    assert f"Pipeline check already recorded: run {run.pk}." in out.getvalue()
    assert "Digest archive already has" in out.getvalue()


def test_a_failed_pipeline_check_is_reported_not_run_again(seeded):
    run = pipeline_run()
    ReproductionRun.objects.filter(pk=run.pk).update(status=ReproductionRun.Status.FAILED, error="It broke.")

    check = run_pipeline_check()

    assert ReproductionRun.objects.filter(harness__slug=HARNESS["slug"]).count() == 1
    assert "It broke." in check.message and f"manage.py reproduce {HARNESS['slug']} --inline" in check.message


def test_the_digest_links_use_the_configured_site_url(seeded, settings):
    settings.SITE_URL = "https://aikb.example.org"
    Digest.objects.all().delete()

    digest, _ = ensure_first_digest()

    html = digest.briefing.html
    assert "https://aikb.example.org/digests/" in html
    assert "https://aikb.example.org/incidents/AIKB-" in html
    assert "127.0.0.1:8000" not in html


def site_url_seen(var_dir: Path, **env) -> str:
    """settings.SITE_URL as a command started on its own (a new process) reads it."""
    environment = {k: v for k, v in os.environ.items() if k != "AIKB_SITE_URL"}
    environment.update(AIKB_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=BASE_DIR, env=environment, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def test_a_command_on_its_own_links_to_the_address_the_run_command_serves_at(tmp_path):
    assert site_url_seen(tmp_path) == "http://127.0.0.1:8000"  # nothing known: the default

    record_site_url(tmp_path, "http://127.0.0.1:9123/")

    assert site_url_seen(tmp_path) == "http://127.0.0.1:9123"
    assert site_url_seen(tmp_path, AIKB_SITE_URL="https://aikb.example.org/") == "https://aikb.example.org"
