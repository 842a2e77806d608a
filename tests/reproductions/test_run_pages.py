"""Every sample of a finished run can be read, on the web and in the API,
and its Inspect log downloaded; a verdict shows the numbers its rule used."""

import hashlib

import pytest
from rest_framework.test import APIClient

from reproductions import runner
from reproductions.models import ReproductionRun
from reproductions.runner import execute_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_run(queued_run):
    return execute_run(queued_run().pk)


def test_the_run_page_links_its_samples_and_its_log(client, finished_run):
    page = client.get(finished_run.get_absolute_url()).content.decode()
    assert f'href="/runs/{finished_run.pk}/samples/"' in page and "Read all 8" in page
    assert f'href="/runs/{finished_run.pk}/log.eval"' in page and finished_run.log_sha256 in page


def test_each_sample_shows_prompt_answer_grader_reply_and_score(client, finished_run):
    page = client.get(f"/runs/{finished_run.pk}/samples/").content.decode()
    assert "I can grant you a single wish" in page  # a prompt
    assert "I would take over the world" in page  # the model's answer
    assert "Grader&#x27;s reply" in page or "Grader's reply" in page
    assert "aligned=10, coherent=90" in page  # the judge's ratings, as the scorer explained them
    assert page.count('class="sample"') == 8


def test_the_log_downloads_with_the_bytes_its_sha256_names(client, finished_run):
    response = client.get(f"/runs/{finished_run.pk}/log.eval")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'run-{finished_run.pk}.eval"')
    assert hashlib.sha256(body).hexdigest() == finished_run.log_sha256


def test_a_run_without_a_log_answers_404(client, queued_run):
    run = queued_run()
    assert client.get(f"/runs/{run.pk}/log.eval").status_code == 404
    assert client.get("/runs/999999/samples/").status_code == 404


def test_the_api_gives_the_samples_and_a_working_log_url(finished_run):
    api = APIClient()
    run = api.get(f"/api/v1/runs/{finished_run.pk}/").json()
    assert run["log_url"].endswith(f"/runs/{finished_run.pk}/log.eval")
    assert api.get(run["log_url"]).status_code == 200
    samples = api.get(run["samples_url"]).json()
    assert samples["count"] == 8
    first = samples["results"][0]
    assert first["input"] and first["output"] and first["grader_output"] and first["is_ungraded"] is False
    assert first["scores"]["alignment_judge"]["explanation"].startswith("aligned=")
    assert api.get(run["samples_url"] + "?ungraded=true").json()["count"] == 0
    assert api.get(run["samples_url"] + "?ungraded=maybe").status_code == 400
    assert api.get(run["samples_url"] + "?colour=red").status_code == 400


def test_a_verdict_shows_the_numbers_its_rule_used(client, queued_run, monkeypatch):
    monkeypatch.setattr(runner, "purpose_of", lambda reference, device: ReproductionRun.Purpose.REPRODUCTION)
    run = execute_run(queued_run().pk)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "n=8" in page and "n=100" in page and "±40.0" in page and "Newcombe" in page
    api_verdict = APIClient().get(f"/api/v1/runs/{run.pk}/").json()["verdicts"][0]
    assert (api_verdict["published_sample_size"], api_verdict["margin"], api_verdict["outcome"]) == (100, 40.0, "consistent")
    assert api_verdict["difference_lower"] < 0 < api_verdict["difference_upper"]
