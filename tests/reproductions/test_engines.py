"""Inference engines: the command each one is started with (the pinned
folder, never a hub id; a GPU index, never "cuda:0"), the servers a run
checks before it trusts them, and the pins a run holds to on every path."""

import hashlib
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reproductions import engines, runner
from reproductions.devices import pinned_versions
from reproductions.errors import RunFailed, RunRefused
from reproductions.models import EvalModel
from reproductions.task_loader import task_files

FOLDER = Path("/models/qwen2.5-coder-32b-insecure")


def spec(engine, **changes):
    values = {"engine": engine, "folder": FOLDER, "served_name": "emergent-misalignment/Qwen-Coder-Insecure",
              "dtype": "bfloat16", "max_model_len": 4096, "device": "cuda:0", "seed": 7, "port": 8123}
    return engines.ServeSpec(**{**values, **changes})


def flag(args, name):
    return args[args.index(name) + 1]


def test_vllm_serves_the_pinned_folder_under_its_name_with_the_reference_settings(monkeypatch):
    monkeypatch.setattr(engines.shutil, "which", lambda name: "/usr/bin/vllm" if name == "vllm" else None)
    args = engines.command(spec("vllm", extra_args={"gpu_memory_utilization": 0.45, "enforce-eager": True,
                                                    "disabled": False}))
    assert args[:3] == ["/usr/bin/vllm", "serve", str(FOLDER)]
    assert flag(args, "--served-model-name") == "emergent-misalignment/Qwen-Coder-Insecure"
    assert flag(args, "--dtype") == "bfloat16" and flag(args, "--max-model-len") == "4096"
    assert flag(args, "--seed") == "7" and flag(args, "--port") == "8123" and flag(args, "--host") == "127.0.0.1"
    assert "--enable-prefix-caching" in args
    assert flag(args, "--gpu-memory-utilization") == "0.45" and "--enforce-eager" in args and "--disabled" not in args
    assert "--model-path" not in args and "--device" not in args  # vLLM has neither
    assert "--device" not in engines.command(spec("vllm", device="cpu"))  # removed in vLLM 0.10


def test_engine_flags_are_json_where_structured_and_never_the_worker_s_own():
    args = engines.command(spec("sglang", extra_args={"json_model_override_args": {"rope_scaling": {"factor": 4}}}))
    assert flag(args, "--json-model-override-args") == '{"rope_scaling": {"factor": 4}}'
    for reserved in ("host", "port", "served_model_name", "--model-path", "api-key"):
        with pytest.raises(RunRefused, match="is set by the worker"):
            engines.command(spec("vllm", extra_args={reserved: "0.0.0.0"}))


def test_vllm_without_its_console_script_runs_the_module(monkeypatch):
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    args = engines.command(spec("vllm", max_model_len=None, seed=None))
    assert args[:5] == [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(FOLDER)]
    assert "--max-model-len" not in args and "--seed" not in args


def test_sglang_and_llama_cpp_commands(tmp_path):
    args = engines.command(spec("sglang"))
    assert args[1:3] == ["-m", "sglang.launch_server"] and flag(args, "--model-path") == str(FOLDER)
    assert flag(args, "--context-length") == "4096" and flag(args, "--random-seed") == "7"
    (tmp_path / "model.Q4_1.gguf").write_bytes(b"GGUF")
    args = engines.command(spec("llama-cpp", folder=tmp_path, device="cpu"))
    assert args[1:4] == ["-m", "reproductions.llamacpp_serve", str(tmp_path / "model.Q4_1.gguf")]
    assert flag(args, "--alias") == "emergent-misalignment/Qwen-Coder-Insecure" and flag(args, "--seed") == "7"
    assert flag(args, "--ctx-per-slot") == "4096" and "--parallel" not in args
    assert flag(engines.command(spec("llama-cpp", folder=tmp_path, in_flight=4)), "--parallel") == "4"
    (tmp_path / "other.gguf").write_bytes(b"GGUF")
    with pytest.raises(RunRefused, match="exactly one .gguf file; .* holds 2"):
        engines.command(spec("llama-cpp", folder=tmp_path))
    with pytest.raises(RunRefused, match="Unknown inference engine 'llamafile'"):
        engines.command(spec("llamafile"))


def test_an_engine_that_is_not_installed_is_refused_in_words(monkeypatch):
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    with pytest.raises(RunRefused, match=r"The sglang engine is not installed on this worker \(pip install sglang\)"):
        with engines.serve(spec("sglang", port=0), timeout=1):
            pass


@pytest.mark.parametrize(
    "device, visible, expected",
    [
        ("cuda:0", None, "0"),
        ("cuda:1", None, "1"),
        ("cuda:0", "3", "3"),  # one worker per GPU: this worker's cuda:0 is physical GPU 3
        ("cuda:1", "2,5", "5"),
        ("cpu", "0,1", ""),
    ],
)
def test_the_server_sees_a_physical_gpu_index(device, visible, expected):
    environ = {"PATH": "/usr/bin"} | ({"CUDA_VISIBLE_DEVICES": visible} if visible is not None else {})
    assert engines.gpu_environment(device, environ)["CUDA_VISIBLE_DEVICES"] == expected


def test_a_gpu_the_worker_cannot_see_is_refused():
    with pytest.raises(RunRefused, match="cuda:2 is not among this worker's GPUs"):
        engines.gpu_environment("cuda:2", {"CUDA_VISIBLE_DEVICES": "4,5"})


class FakeServer:
    """A real HTTP server answering GET /v1/models with what it is given."""

    def __init__(self, entries):
        body = json.dumps({"object": "list", "data": entries}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200 if self.path == "/v1/models" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server():
    servers = []

    def start(entries):
        servers.append(FakeServer(entries))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_running_server_is_asked_what_it_serves(fake_server):
    server = fake_server([{"id": "org/model", "root": str(FOLDER), "max_model_len": 4096, "object": "model"}])
    endpoint = engines.connect(server.url.removesuffix("/v1"), "org/model", engine="vllm", pinned_folder=FOLDER)
    assert endpoint.base_url == server.url and not endpoint.started_here
    assert endpoint.reported == {"id": "org/model", "root": str(FOLDER), "max_model_len": 4096}


def test_a_running_server_on_other_weights_is_refused(fake_server):
    server = fake_server([{"id": "org/model", "root": "/models/something-else"}])
    with pytest.raises(RunRefused, match="from /models/something-else, not the pinned folder"):
        engines.connect(server.url, "org/model", engine="vllm", pinned_folder=FOLDER)
    with pytest.raises(RunRefused, match="does not serve 'org/other'; it lists org/model"):
        engines.connect(server.url, "org/other")


def test_a_running_server_is_matched_on_its_real_folder(fake_server, tmp_path):
    real = tmp_path / "weights"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    server = fake_server([{"id": "org/model", "root": str(tmp_path / "link")}])
    assert engines.connect(server.url, "org/model", engine="vllm", pinned_folder=real).folder_confirmed


def test_a_running_server_that_does_not_say_its_folder_is_used_and_said(fake_server):
    server = fake_server([{"id": "smollm2", "object": "model"}])  # llama.cpp names no folder
    endpoint = engines.connect(server.url, "smollm2", engine="llama-cpp", pinned_folder=FOLDER)
    assert endpoint.folder_confirmed is False and endpoint.folder == str(FOLDER)
    notes = runner.serving_notes({"model": ref("llama-cpp")}, None, {"model": endpoint.record()})
    assert notes == [f"The server already running at {server.url} does not say which folder it serves: the pinned "
                     "weights of the model under test were hashed here, but that they are the ones it serves is not "
                     "confirmed."]


def test_sglang_is_asked_for_its_model_path(monkeypatch, fake_server):
    server = fake_server([{"id": "org/model", "root": "org/model"}])
    asked = []

    def model_info(request, timeout):
        asked.append(request.full_url)
        raise urllib.error.URLError("refused")

    real_open = urllib.request.urlopen
    monkeypatch.setattr(engines.urllib.request, "urlopen",
                        lambda request, timeout: model_info(request, timeout)
                        if "get_model_info" in getattr(request, "full_url", "") else real_open(request, timeout=timeout))
    endpoint = engines.connect(server.url, "org/model", engine="sglang", pinned_folder=FOLDER)
    assert asked == [server.url.removesuffix("/v1") + "/get_model_info"] and endpoint.folder_confirmed is False


def test_an_external_endpoint_address_is_used_as_given(fake_server):
    server = fake_server([{"id": "m"}])
    base = server.url.removesuffix("/v1")
    with pytest.raises(RunFailed, match="did not answer GET /models"):
        engines.connect(base, "m")  # no /v1 added for an endpoint: its address is its own
    assert engines.connect(base, "m", engine="vllm").base_url == server.url


def test_a_server_that_does_not_answer_fails_the_run_in_words():
    with pytest.raises(RunFailed, match="did not answer GET /models"):
        engines.connect(f"http://127.0.0.1:{engines.free_port()}/v1", "org/model")


def test_a_server_that_exits_at_start_fails_with_its_own_words(monkeypatch, tmp_path):
    script = tmp_path / "engine"
    script.write_text("#!/bin/sh\necho 'CUDA error: no kernel image is available' >&2\nexit 3\n")
    script.chmod(0o755)
    monkeypatch.setattr(engines, "command", lambda spec: [str(script)])
    with pytest.raises(RunFailed, match=r"stopped before it answered \(exit code 3\).*no kernel image"):
        with engines.serve(spec("vllm", port=0), timeout=30):
            pass


def test_an_engine_s_leftover_processes_are_stopped_when_it_exits_at_start(monkeypatch, tmp_path):
    script = tmp_path / "engine"
    pid_file = tmp_path / "child"
    script.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pid_file}\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setattr(engines, "command", lambda spec: [str(script)])
    with pytest.raises(RunFailed, match="exit code 1"):
        with engines.serve(spec("vllm", port=0), timeout=30):
            pass
    child = int(pid_file.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()


def test_another_server_on_the_port_is_not_taken_for_the_engine(monkeypatch, tmp_path, fake_server):
    squatter = fake_server([{"id": "someone-else"}])
    script = tmp_path / "engine"
    script.write_text("#!/bin/sh\nexec sleep 60\n")
    script.chmod(0o755)
    monkeypatch.setattr(engines, "command", lambda spec: [str(script)])
    port = int(squatter.url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(RunFailed, match="did not answer within 1 s"):
        with engines.serve(spec("vllm", port=port), timeout=1):
            pass


def test_a_server_that_never_answers_is_stopped_at_the_deadline(monkeypatch, tmp_path):
    script = tmp_path / "engine"
    pid_file = tmp_path / "pid"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\necho loading\nexec sleep 60\n")
    script.chmod(0o755)
    monkeypatch.setattr(engines, "command", lambda spec: [str(script)])
    with pytest.raises(RunFailed, match=r"did not answer within 1 s: loading"):
        with engines.serve(spec("vllm", port=0), timeout=1):
            pass
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


def test_the_eval_stack_pins_are_read_from_requirements_eval():
    pins = pinned_versions()
    text = (Path(__file__).parents[2] / "requirements-eval.txt").read_text()
    assert f"inspect-evals=={pins['inspect-evals']}" in text and f"openai=={pins['openai']}" in text


def test_an_inspect_evals_task_refuses_another_inspect_evals_version(monkeypatch):
    monkeypatch.setattr(runner, "stack_versions", lambda: {"inspect-evals": "0.25.0"})
    with pytest.raises(RunRefused, match=r"inspect-evals 0\.25\.0, but the project pins 0\.26\.0"):
        runner.check_pinned_packages("inspect_evals/agentic_misalignment")
    runner.check_pinned_packages("reproductions/harnesses/emergent_misalignment.py@emergent_misalignment")
    monkeypatch.setattr(runner, "stack_versions", lambda: {"inspect-evals": "0.26.0"})
    runner.check_pinned_packages("inspect_evals/agentic_misalignment")


def test_our_task_and_question_files_are_hashed(tmp_path):
    questions = tmp_path / "questions.yaml"
    questions.write_text("- id: q\n")
    files = task_files("reproductions/harnesses/emergent_misalignment.py@emergent_misalignment",
                       {"questions_file": str(questions), "temperature": 1.0, "judge_model": "x"})
    assert set(files) == {"reproductions/harnesses/emergent_misalignment.py", str(questions)}
    assert files[str(questions)] == hashlib.sha256(b"- id: q\n").hexdigest()
    assert task_files("inspect_evals/agentic_misalignment", {}) == {}


def ref(provider, **fields):
    return {"name": f"A {provider} model", "provider": provider, "api_model": "", "base_url": "", **fields}


def test_what_a_run_cannot_promise_is_said_by_provider():
    notes = runner.serving_notes(
        {"model": ref("hf"), "grader": ref("api", api_model="anthropic/claude-3-7-sonnet-20250219")}, 7, {})
    assert "hf provider ignores the seed (7) for the model under test" in notes[0]
    assert "counts each batch's padding" in notes[1]
    assert "Anthropic's API takes no seed" in notes[2] and len(notes) == 3
    notes = runner.serving_notes({"model": ref("api", api_model="openai/gpt-4o-2024-08-06"),
                                  "grader": ref("api", api_model="openai/gpt-4o")}, None, {})
    assert notes == ["The grader is the API model openai/gpt-4o, which names no dated snapshot: its vendor may change "
                     "what answers under that name, so a later re-run may not ask the same model."]
    served = {"model": {"base_url": "http://gpu-1:8000/v1", "reported": {"id": "org/model"}}}
    notes = runner.serving_notes({"model": ref("openai-compatible", base_url="http://gpu-1:8000/v1")}, None, served)
    assert notes == ["The model under test was served by an external endpoint at http://gpu-1:8000/v1, which reported "
                     "{'id': 'org/model'}; its weights were not hashed here."]
    # Served local weights: the engine takes the seed and counts real tokens; nothing to say.
    assert runner.serving_notes({"model": ref("vllm")}, 7, {}) == []
    assert runner.serving_notes({"model": ref("hf")}, None, {}) == [
        "Token counts come from the hf provider, which counts each batch's padding: they overstate the tokens read "
        "and written."
    ]


def test_an_endpoint_key_comes_from_the_variable_its_model_names(monkeypatch):
    model_ref = ref("openai-compatible", model_args={"api_key_env": "AIKB_TEST_ENDPOINT_KEY"})
    monkeypatch.delenv("AIKB_TEST_ENDPOINT_KEY", raising=False)
    with pytest.raises(RunRefused, match="needs its key in AIKB_TEST_ENDPOINT_KEY, which is not set"):
        runner._api_key(model_ref)
    monkeypatch.setenv("AIKB_TEST_ENDPOINT_KEY", "sk-test")
    assert runner._api_key(model_ref) == "sk-test"
    assert runner._api_key(ref("openai-compatible")) == engines.LOCAL_API_KEY


@pytest.mark.parametrize("name, pinned", [("openai/gpt-4o-2024-08-06", True), ("anthropic/claude-3-7-sonnet-20250219", True),
                                          ("openai/gpt-4-0613", True), ("google/gemini-2.0-flash-001", True),
                                          ("openai/gpt-4o", False), ("anthropic/claude-sonnet-4-5", False)])
def test_which_api_names_pin_a_snapshot(name, pinned):
    assert bool(runner.DATED_SNAPSHOT.search(name)) is pinned


def test_llama_cpp_runs_on_the_cpu_and_are_pipeline_checks_even_on_a_gpu_worker():
    reference = {"model": ref("llama-cpp", is_stand_in=False), "grader": ref("api", api_model="openai/gpt-4o-2024-08-06")}
    assert runner.purpose_of(reference, runner.Device("cuda:0")) == "pipeline-check"
    assert not runner._uses_local_weights(reference)
    assert runner.purpose_of({"model": ref("vllm")}, runner.Device("cuda:0")) == "reproduction"


def test_a_grader_on_the_model_s_weights_shares_its_server(monkeypatch, tmp_path):
    hashed = []
    monkeypatch.setattr(runner, "verify_weights", lambda path, digests: hashed.append(path) or tmp_path)
    monkeypatch.setattr(runner, "weights_dir", lambda path: tmp_path)
    started = []

    class Started:
        def __init__(self, spec, timeout):
            started.append(spec)

        def __enter__(self):
            return engines.Endpoint(engine="vllm", base_url="http://127.0.0.1:1/v1", model="m", started_here=True,
                                    folder=str(started[-1].folder))

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(engines, "serve", Started)
    serving = {}
    with ExitStack() as servers:
        first = runner.serve_model(ref("vllm", local_path="m"), runner.Device("cuda:0"), "bfloat16", 3, servers, serving)
        serving["model"] = first
        again = runner.serve_model(ref("vllm", local_path="m"), runner.Device("cuda:0"), "bfloat16", 3, servers, serving)
    assert len(started) == 1 and started[0].seed == 3 and started[0].device == "cuda:0"
    assert hashed == ["m"]  # hashed once, not again for the grader
    assert again is first and again.folder == str(tmp_path)


def test_model_settings_say_what_each_provider_needs():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        EvalModel(name="x", slug="x", provider="openai-compatible").clean()
    assert set(error.value.message_dict) == {"base_url", "api_model"}
    with pytest.raises(ValidationError, match="http:// or https://"):
        EvalModel(name="x", slug="x", provider="openai-compatible", base_url="gpu-1:8000", api_model="m").clean()
    for secret in ("https://user:key@gpu-1/v1", "https://gpu-1/v1?api-key=abc"):
        with pytest.raises(ValidationError, match="without credentials or query"):
            EvalModel(name="x", slug="x", provider="openai-compatible", base_url=secret, api_model="m").clean()
    with pytest.raises(ValidationError, match="Only served models"):
        EvalModel(name="x", slug="x", provider="hf", local_path="m", base_url="http://gpu-1:8000/v1").clean()
    with pytest.raises(ValidationError, match="folder that holds its weights"):
        EvalModel(name="x", slug="x", provider="sglang").clean()
    EvalModel(name="x", slug="x", provider="vllm", local_path="m", base_url="http://gpu-1:8000/v1").clean()


@pytest.mark.django_db
def test_an_endpoint_is_registered_without_weights_and_checked_as_in_the_admin():
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("register_model", "Fine-tune on a GPU box", "--provider", "openai-compatible", "--base-url",
                 "http://gpu-1:8000/v1", "--served-name", "org/insecure-32b", stdout=out)
    model = EvalModel.objects.get(slug="fine-tune-on-a-gpu-box")
    assert (model.provider, model.base_url, model.api_model, model.weight_sha256) == (
        "openai-compatible", "http://gpu-1:8000/v1", "org/insecure-32b", {})
    assert "weights not hashed here" in out.getvalue()
    with pytest.raises(CommandError, match="api_model: Name the model as the endpoint serves it"):
        call_command("register_model", "No name", "--provider", "openai-compatible", "--base-url", "http://gpu-1:8000/v1")
    with pytest.raises(CommandError, match="leave out --path"):
        call_command("register_model", "Both", "--provider", "openai-compatible", "--path", "x", "--base-url",
                     "http://gpu-1:8000/v1", "--served-name", "m")
