"""Inference engines: the OpenAI-compatible servers a worker evaluates
served models through.

One module owns how a server is started on a pinned weights folder (the
command line and environment for each engine), how the worker waits for it
to answer, what the server says it serves, and how it is stopped. The
runner asks for an `Endpoint` per model (the model under test, and the
grader when it is served too) and hands Inspect's OpenAI-compatible
provider its address, so samples go to the engine in flight together and
the engine's continuous batching and prefix caching do the scheduling.

Engines:

- vllm: `vllm serve <folder>`, the default on GPUs;
- sglang: `python -m sglang.launch_server --model-path <folder>`;
- llama-cpp: llama.cpp's server on a GGUF file (reproductions.llamacpp_serve,
  prebuilt by xllamacpp), which runs on a CPU: pipeline checks, tests and
  the CPU benchmark. (transformers serve was tried and left out: it drops
  log-probabilities, answers one request at a time and its /v1/models
  fails without a hub cache.)

A server already running (a model's `base_url`) is used as it is: the
worker asks it what it serves and refuses a run whose pinned folder it does
not serve.
"""

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import RunFailed, RunRefused

ENGINE_PACKAGES = {"vllm": "vllm", "sglang": "sglang", "llama-cpp": "xllamacpp"}  # engine -> what installs it
ENGINES = tuple(ENGINE_PACKAGES)
PROJECT_ROOT = Path(__file__).resolve().parents[1]  # where `python -m reproductions.…` finds us
STARTUP_SECONDS = 900  # a 32B model loads in minutes
STOP_SECONDS = 30
POLL_SECONDS = 0.5
LOCAL_API_KEY = "aikb-local"  # engines started here accept any key; the client needs one


@dataclass(frozen=True)
class ServeSpec:
    """What to serve, where and how: everything the command line says."""

    engine: str
    folder: Path
    served_name: str
    dtype: str = "auto"
    max_model_len: int | None = None
    device: str = "cpu"  # "cpu" or "cuda:N" as this worker sees it
    seed: int | None = None
    in_flight: int | None = None  # requests the run sends together (llama.cpp's slots)
    extra_args: dict = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 0


@dataclass
class Endpoint:
    """A server the run talks to, and what it reported about itself."""

    engine: str
    base_url: str  # ends in /v1
    model: str  # the name requests ask for
    started_here: bool
    folder: str = ""  # the pinned weights folder, for local weights
    folder_confirmed: bool = True  # False: a running server that does not say which folder it serves
    reported: dict = field(default_factory=dict)
    command: list = field(default_factory=list)
    startup_seconds: float | None = None

    def record(self) -> dict:
        return asdict(self)


def gpu_environment(device: str, environ: dict | None = None) -> dict:
    """The child's environment: CUDA_VISIBLE_DEVICES holds a physical GPU
    index (never "cuda:0"), mapped through this worker's own
    CUDA_VISIBLE_DEVICES when it has one (one worker per GPU)."""
    env = dict(os.environ if environ is None else environ)
    if not device.startswith("cuda"):
        env["CUDA_VISIBLE_DEVICES"] = ""
        return env
    index = int(device.partition(":")[2] or 0)
    visible = [part.strip() for part in env.get("CUDA_VISIBLE_DEVICES", "").split(",") if part.strip()]
    if visible:
        if index >= len(visible):
            raise RunRefused(f"{device} is not among this worker's GPUs (CUDA_VISIBLE_DEVICES={','.join(visible)}).")
        env["CUDA_VISIBLE_DEVICES"] = visible[index]
    else:
        env["CUDA_VISIBLE_DEVICES"] = str(index)
    return env


# Flags the worker sets itself: a model's extra flags may not move the server
# off loopback, onto another port or other weights, or rename what it serves.
RESERVED_FLAGS = {"host", "port", "model", "model-path", "served-model-name", "alias", "tokenizer", "api-key"}


def _flags(extra: dict) -> list[str]:
    """Extra engine flags from a model's settings: {"gpu-memory-utilization": 0.45, "enforce-eager": true,
    "hf-overrides": {...}} (objects and lists as JSON, as the engines read them)."""
    args = []
    for name, value in extra.items():
        key = str(name).lstrip("-").replace("_", "-")
        if key in RESERVED_FLAGS:
            raise RunRefused(f"The engine flag --{key} is set by the worker; remove it from the model's settings.")
        flag = "--" + key
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (dict, list)):
            args += [flag, json.dumps(value)]
        else:
            args += [flag, str(value)]
    return args


def command(spec: ServeSpec) -> list[str]:
    """The command line that serves `spec.folder` (never a hub id) under
    `spec.served_name` on `spec.host:spec.port`."""
    folder = str(spec.folder)
    if spec.engine == "vllm":
        executable = shutil.which("vllm")
        head = [executable, "serve", folder] if executable else [
            sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", folder]
        args = head + ["--served-model-name", spec.served_name, "--host", spec.host, "--port", str(spec.port),
                       "--dtype", spec.dtype, "--enable-prefix-caching", "--generation-config", "vllm"]
        if spec.max_model_len:
            args += ["--max-model-len", str(spec.max_model_len)]
        if spec.seed is not None:
            args += ["--seed", str(spec.seed)]
        # No --device: vLLM removed it (0.10); a CPU build finds its platform, and the GPU is CUDA_VISIBLE_DEVICES.
    elif spec.engine == "sglang":
        args = [sys.executable, "-m", "sglang.launch_server", "--model-path", folder,
                "--served-model-name", spec.served_name, "--host", spec.host, "--port", str(spec.port),
                "--dtype", spec.dtype]
        if spec.max_model_len:
            args += ["--context-length", str(spec.max_model_len)]
        if spec.seed is not None:
            args += ["--random-seed", str(spec.seed)]
        if not spec.device.startswith("cuda"):
            args += ["--device", "cpu"]
    elif spec.engine == "llama-cpp":
        args = [sys.executable, "-m", "reproductions.llamacpp_serve", str(gguf_file(spec.folder)),
                "--alias", spec.served_name, "--host", spec.host, "--port", str(spec.port)]
        if spec.in_flight:
            args += ["--parallel", str(spec.in_flight)]
        if spec.max_model_len:
            args += ["--ctx-per-slot", str(spec.max_model_len)]
        if spec.seed is not None:
            args += ["--seed", str(spec.seed)]
    else:
        raise RunRefused(f"Unknown inference engine {spec.engine!r}; this worker knows {', '.join(ENGINES)}.")
    return args + _flags(spec.extra_args)


def gguf_file(folder: Path) -> Path:
    """The one GGUF file of a llama-cpp model's pinned folder."""
    files = sorted(Path(folder).glob("*.gguf"))
    if len(files) != 1:
        raise RunRefused(f"A llama-cpp model's folder must hold exactly one .gguf file; {folder} holds {len(files)}.")
    return files[0]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def list_models(base_url: str, api_key: str | None = None, timeout: float = 10.0) -> list[dict]:
    """What an OpenAI-compatible server says it serves (GET /v1/models)."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - an operator's server
        body = json.load(response)
    return [entry for entry in body.get("data", []) if isinstance(entry, dict)]


def describe(entries: list[dict], name: str) -> dict:
    """The entry for `name`, keeping what identifies the weights (id, root,
    owner, maximum length), or {} when the server does not list it."""
    for entry in entries:
        if entry.get("id") == name:
            keys = ("id", "root", "parent", "owned_by", "max_model_len", "created")
            return {key: entry[key] for key in keys if key in entry}
    return {}


@contextmanager
def serve(spec: ServeSpec, *, timeout: float = STARTUP_SECONDS):
    """Start the engine on `spec`, wait until it answers, yield its
    Endpoint, and stop it (its whole process group) however the run ends.
    RunFailed, with the end of the server's own log, when it does not start."""
    port = spec.port or free_port(spec.host)
    spec = ServeSpec(**{**asdict(spec), "port": port, "folder": Path(spec.folder)})
    args = command(spec)
    package = ENGINE_PACKAGES[spec.engine]
    if importlib.util.find_spec(package) is None and (args[0] == sys.executable or shutil.which(args[0]) is None):
        raise RunRefused(f"The {spec.engine} engine is not installed on this worker (pip install {package}).")
    log = tempfile.NamedTemporaryFile(prefix=f"aikb-{spec.engine}-", suffix=".log", delete=False)  # noqa: SIM115
    base_url = f"http://{spec.host}:{port}/v1"
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        args, stdout=log, stderr=subprocess.STDOUT, env=gpu_environment(spec.device), start_new_session=True,
        cwd=PROJECT_ROOT, preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, before exec
    )
    try:
        name = spec.served_name
        entries = _wait_until_serving(process, base_url, timeout, log.name, spec.engine, name)
        endpoint = Endpoint(
            engine=spec.engine, base_url=base_url, model=name, started_here=True, folder=str(spec.folder),
            reported=describe(entries, name), command=args, startup_seconds=round(time.monotonic() - started, 1),
        )
        yield endpoint
    finally:
        stop(process)
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _die_with_parent() -> None:
    """In the server's process, before exec: SIGTERM when the worker dies
    (hard time limit, OOM killer), so no server outlives its run holding the
    GPU. Linux only; elsewhere the run's own stop is all there is."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_until_serving(process, base_url: str, timeout: float, log_path: str, engine: str, name: str) -> list[dict]:
    """The server's model list once it serves `name` (another process that
    took the port first would not)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RunFailed(
                f"The {engine} server stopped before it answered (exit code {process.returncode}): "
                f"{_tail(log_path)}"
            )
        try:
            entries = list_models(base_url, LOCAL_API_KEY, timeout=5)
            if describe(entries, name):
                return entries
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
            pass
        if time.monotonic() >= deadline:
            raise RunFailed(f"The {engine} server did not answer within {timeout:.0f} s: {_tail(log_path)}")
        time.sleep(POLL_SECONDS)


def stop(process) -> None:
    """SIGTERM to the server's whole process group (an engine's own workers
    too, even when its first process has already exited), SIGKILL after
    STOP_SECONDS."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        process.poll()
        return
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left
    except ProcessLookupError:
        pass
    process.wait()


def _tail(path: str, lines: int = 5) -> str:
    try:
        text = Path(path).read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no server log)"
    return " | ".join(text[-lines:]) or "(the server wrote nothing)"


def connect(base_url: str, name: str, *, engine: str = "", api_key: str | None = None,
            pinned_folder: Path | None = None) -> Endpoint:
    """A server already running: check it answers and serves `name`. An
    external endpoint's address is used as given; a server of one of our
    engines answers under /v1, and must say it serves the pinned folder
    (`folder_confirmed` is False when it does not say which folder)."""
    base_url = base_url.rstrip("/")
    if engine in ENGINES and not base_url.endswith("/v1"):
        base_url += "/v1"
    try:
        entries = list_models(base_url, api_key)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError) as error:
        raise RunFailed(f"The server at {base_url} did not answer GET /models: {error}") from error
    reported = describe(entries, name)
    if not reported:
        listed = ", ".join(str(entry.get("id")) for entry in entries) or "nothing"
        raise RunRefused(f"The server at {base_url} does not serve {name!r}; it lists {listed}.")
    endpoint = Endpoint(engine=engine or "external", base_url=base_url, model=name, started_here=False,
                        reported=reported)
    if pinned_folder is None:
        return endpoint
    served_from = _served_folder(engine, base_url, reported, api_key)
    endpoint.folder = str(pinned_folder)
    if served_from is None:
        endpoint.folder_confirmed = False
    elif Path(served_from).resolve() != Path(pinned_folder).resolve():
        raise RunRefused(
            f"The server at {base_url} serves {name!r} from {served_from}, not the pinned folder "
            f"{pinned_folder}; start it on the pinned folder or let the worker start it."
        )
    return endpoint


def _served_folder(engine: str, base_url: str, reported: dict, api_key: str | None) -> str | None:
    """The weights folder a running server says it serves: vLLM's `root`
    (its --model), SGLang's /get_model_info `model_path`; None when the
    server does not say (llama.cpp)."""
    if engine == "sglang":
        request = urllib.request.Request(base_url.removesuffix("/v1") + "/get_model_info")
        if api_key:
            request.add_header("Authorization", f"Bearer {api_key}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - an operator's server
                return json.load(response).get("model_path")
        except (urllib.error.URLError, OSError, ValueError):
            return None
    root = reported.get("root")
    return root if root and root != reported.get("id") else None
