"""The evaluation worker's runner: one reproduction run, from its pins to
its recorded results.

It runs the same code on a GPU worker, on a CPU and with Inspect's mock
model: check the pins (task, arguments, task version, weight SHA-256s),
pick the device, run the Inspect task with the run's samples batched, store
the log with its SHA-256, read the scores, and record measurements and
verdicts (reproductions.results). Whatever goes wrong ends the run as
failed with the reason in words, keeping what was recorded so far.
"""

import logging
import math
import os
import re
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import engines
from .devices import Device, pinned_versions, resolve_dtype, select_device, stack_versions, worker_host
from .errors import RunFailed, RunRefused
from .locks import run_lock
from .models import EvalModel, ReproductionRun
from .weights import file_sha256, verify_weights, weights_dir

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
LOCAL_PROVIDERS = EvalModel.LOCAL_WEIGHTS
SERVED_PROVIDERS = EvalModel.SERVED
# A pinned snapshot in an API model's name: a date (gpt-4o-2024-08-06,
# claude-3-7-sonnet-20250219), a month-day suffix (gpt-4-0613) or a version
# number (gemini-2.0-flash-001).
DATED_SNAPSHOT = re.compile(r"(?<!\d)(19|20)\d{2}-?[01]\d-?[0-3]\d(?!\d)|-\d{3,4}$")
CPU_ENGINES = {"llama-cpp"}  # xllamacpp's wheel is a CPU build: its runs are pipeline checks
ENGINE_OF = {
    EvalModel.Provider.VLLM: "vllm",
    EvalModel.Provider.SGLANG: "sglang",
    EvalModel.Provider.LLAMA_CPP: "llama-cpp",
}
ProgressCallback = Callable[[int, int | None], None]


@dataclass
class EvalPlan:
    task: Any
    model: Any
    device: Device
    dtype: str
    batch_size: int
    epochs: int
    limit: int | None
    samples_total: int
    generate: dict = field(default_factory=dict)
    purpose: str = ReproductionRun.Purpose.PIPELINE_CHECK
    notes: list = field(default_factory=list)
    serving: dict = field(default_factory=dict)
    task_files: dict = field(default_factory=dict)


def execute_run(run_id: int, on_progress: ProgressCallback | None = None) -> ReproductionRun:
    """Run one reproduction to its end. Safe to call twice, and safe when
    the broker delivers the task again:

    - a run that has ended (succeeded, failed, cancelled) is left alone, so
      nothing is ever recorded twice;
    - a run another live worker is executing (it holds the run's lock) is
      left to that worker;
    - a run found *running* whose worker is gone (killed, out of memory:
      its lock was released with its database session) is started again,
      up to AIKB_REPRODUCTION_MAX_ATTEMPTS times, then ended as failed."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with run_lock(run_id, wait_seconds=_setting("AIKB_RUN_LOCK_WAIT", 15)) as owned:
        if not owned:
            logger.warning("Reproduction run %s is being executed by another worker; leaving it to that one.", run_id)
            return ReproductionRun.objects.get(pk=run_id)
        run = start_run(run_id)
        if run is not None:
            _execute_guarded(run, on_progress)
    return ReproductionRun.objects.get(pk=run_id)


def _execute_guarded(run: ReproductionRun, on_progress: ProgressCallback | None) -> None:
    """_execute, with every way it can fail turned into a failed run with its reason."""
    try:
        _execute(run, on_progress)
    except RunFailed as error:
        fail_run(run, str(error))
    except MemoryError:
        fail_run(run, "The worker ran out of memory; lower the harness's batch size or use a larger machine.")
    except Exception as error:  # noqa: BLE001 - every failure must end the run with its reason
        if _is_out_of_memory(error):
            fail_run(run, _out_of_memory_message(run))
        elif type(error).__name__ == "SoftTimeLimitExceeded":
            fail_run(run, f"The run passed the worker's time limit ({settings.AIKB_REPRODUCTION_TIME_LIMIT} s).")
        else:
            logger.exception("Reproduction run %s failed", run.pk)
            fail_run(run, f"Unexpected error on the worker: {type(error).__name__}: {error}")


@transaction.atomic
def start_run(run_id: int) -> ReproductionRun | None:
    """Move a queued run (or a running one whose worker was lost; the
    caller holds the run's lock) to running and return it; None when there
    is nothing to do."""
    run = ReproductionRun.objects.select_for_update().get(pk=run_id)
    max_attempts = max(1, _setting("AIKB_REPRODUCTION_MAX_ATTEMPTS", 2))
    if run.status == ReproductionRun.Status.RUNNING:
        lost = max(run.attempts, 1)
        if lost >= max_attempts:
            run.status = ReproductionRun.Status.FAILED
            run.error = (
                f"The worker stopped in the middle of this run {lost} time(s) (killed, out of memory, or past its "
                f"hard time limit); it is not started again after {max_attempts} attempt(s)."
            )
            run.finished_at = timezone.now()
            run.save()
            return None
        logger.warning("Reproduction run %s lost its worker; starting attempt %s.", run_id, lost + 1)
        run.attempts = lost + 1
    elif run.status != ReproductionRun.Status.QUEUED:
        return None
    else:
        run.started_at = timezone.now()
        run.attempts += 1
    run.status = ReproductionRun.Status.RUNNING
    # A restarted run counts its samples from zero; nothing of the lost
    # attempt was recorded (results are written in one transaction).
    run.samples_done = 0
    run.worker_host = worker_host()
    run.save()
    return run


def fail_run(run: ReproductionRun, message: str) -> None:
    """End an active run as failed with its reason; fields recorded so far stay."""
    with transaction.atomic():
        updated = ReproductionRun.objects.filter(pk=run.pk, status__in=ReproductionRun.ACTIVE_STATUSES).update(
            status=ReproductionRun.Status.FAILED, error=message, finished_at=timezone.now(), updated=timezone.now()
        )
    if updated:
        logger.warning("Reproduction run %s failed: %s", run.pk, message)


def _execute(run: ReproductionRun, on_progress: ProgressCallback | None) -> None:
    import inspect_ai  # noqa: F401 - fail early, in words, when the eval stack is missing

    run.versions = stack_versions()
    run.save(update_fields=["versions", "updated"])
    with ExitStack() as servers:  # inference servers started for this run stop with it, and its work folder goes
        work = Path(servers.enter_context(tempfile.TemporaryDirectory(prefix=f"aikb-run-{run.pk}-")))
        _evaluate(run, prepare(run, servers), on_progress, work)


def _evaluate(run: ReproductionRun, plan: "EvalPlan", on_progress: ProgressCallback | None, work: Path) -> None:
    from .results import record_results
    from .samples import read_samples, store_samples, ungraded_problem
    from .scores import extract_score, log_scores

    # Our own task and question files, by SHA-256, beside the packages' versions.
    run.versions = {**run.versions, **{f"{path} (SHA-256)": digest for path, digest in plan.task_files.items()}}
    run.serving = plan.serving
    run.device = plan.device.name if run.reference["model"]["provider"] in LOCAL_PROVIDERS else _remote_device(run)
    run.gpu_name = plan.device.gpu_name
    run.gpu_memory_mb = plan.device.gpu_memory_mb
    run.dtype = plan.dtype
    run.batch_size = plan.batch_size
    run.samples_total = plan.samples_total
    run.purpose = plan.purpose
    run.task_version = str(plan.task.version)
    run.save()

    log = watch_eval(run, plan, on_progress, work)
    if log is None:
        return  # cancelled meanwhile; its status says so
    store_log(run, Path(log.location))
    run.scores = log_scores(log)
    usage = _token_usage(log)
    run.input_tokens, run.output_tokens, run.total_tokens = usage
    # Every sample is kept, readable, whatever happens next.
    records = read_samples(log.location)
    run.samples_ungraded = store_samples(run, records)
    run.save()
    if log.status != "success":
        message = log.error.message if log.error else "no error message"
        if "out of memory" in message.lower():
            raise RunFailed(_out_of_memory_message(run))
        raise RunFailed(f"The evaluation ended with status {log.status!r}: {message.strip().splitlines()[-1]}")
    if any("out of memory" in r.error.lower() for r in records):
        raise RunFailed(_out_of_memory_message(run))
    first_error = next((r.error for r in records if r.is_ungraded), "")
    allowed = float(run.reference["harness"].get("max_ungraded_share", 0.1))
    if problem := ungraded_problem(run.samples_ungraded, len(records), allowed, first_error):
        raise RunFailed(problem)
    if records and run.samples_ungraded == len(records):
        raise RunFailed(f"None of the {len(records)} samples could be graded, so there is no figure; the first: "
                        f"{first_error or 'no score'}")
    notes = list(plan.notes)
    if run.samples_ungraded:
        notes.append(
            f"{run.samples_ungraded} of {len(records)} samples could not be graded and are left out of the figures "
            f"(within the {100 * allowed:.0f}% the harness allows); the first: {first_error or 'no score'}"
        )

    mappings = list(run.harness.metric_links.select_related("metric"))
    scores = {
        mapping.pk: extract_score(
            log,
            score_name=mapping.score_name,
            score_metric=mapping.score_metric,
            sample_size_metric=mapping.sample_size_metric,
            epochs=plan.epochs,
        )
        for mapping in mappings
    }
    record_results(run, scores, {"samples_done": run.samples_done, "notes": notes})


def prepare(run: ReproductionRun, servers: ExitStack) -> EvalPlan:
    """Check the run's pins and build what Inspect needs; RunRefused when
    something differs from the reference. Inference servers the run needs
    are started on `servers`, and stop when it closes."""
    from .task_loader import load_task, task_files

    reference = run.reference
    harness = reference.get("harness") or {}
    model_ref = reference.get("model")
    if not model_ref:
        raise RunRefused("The run names no model to evaluate.")
    check_pinned_packages(harness.get("task", ""))
    device = select_device() if _uses_local_weights(reference) else Device("cpu")
    dtype = resolve_dtype(model_ref.get("dtype", "auto"), device)
    batch_size = int(harness.get("batch_size") or 1)
    generate = dict(harness.get("generation") or {})
    serving: dict[str, engines.Endpoint] = {}  # role -> the server it is reached through
    notes = []

    model = build_model(model_ref, device, dtype, harness, batch_size, servers=servers, serving=serving, role="model")
    task_args = dict(harness.get("task_args") or {})
    grader_ref = reference.get("grader")
    if grader_ref:
        arg = harness.get("grader_task_arg") or "grader_model"
        task_args[arg] = build_model(
            grader_ref, device, resolve_dtype(grader_ref.get("dtype", "auto"), device), {}, batch_size,
            servers=servers, serving=serving, role="grader",
        )
    task = load_task(harness.get("task", ""), task_args)

    expected = str(harness.get("task_version") or "")
    actual = str(task.version)
    if not expected:
        raise RunRefused(f"The harness does not pin a task version; the installed task is at version {actual}: pin it.")
    if expected != actual:
        raise RunRefused(
            f"The task {task.name} is at version {actual} on this worker, but the harness pins version {expected}; "
            "install the pinned version or update the reference."
        )
    epochs = int(harness.get("epochs") or 1)
    limit = harness.get("sample_limit")
    samples = len(task.dataset) if limit is None else min(len(task.dataset), int(limit))
    in_flight = progress_batch(batch_size, samples * epochs, model_ref["provider"])
    if in_flight < batch_size:
        notes.append(
            f"Samples ran {in_flight} at a time, not {batch_size}: the hf provider finishes a batch at once, so "
            "a smaller batch lets the run's progress count samples as they finish (at least ten steps)."
        )
    served = {role: {**endpoint.record(), "max_connections": in_flight} for role, endpoint in serving.items()}
    if task_note := (getattr(task, "metadata", None) or {}).get("aikb_note"):
        notes.append(str(task_note))
    notes += serving_notes(reference, generate.get("seed"), served)
    return EvalPlan(
        task=task,
        model=model,
        device=device,
        dtype=dtype,
        batch_size=in_flight,
        epochs=epochs,
        limit=limit,
        samples_total=samples * epochs,
        generate=generate,
        purpose=purpose_of(reference, device),
        notes=notes,
        serving=served,
        task_files=task_files(harness.get("task", ""), task_args),
    )


def check_pinned_packages(task: str) -> None:
    """A task from inspect_evals runs only on the inspect-evals version the
    project pins (requirements-eval.txt): another version may ask other
    questions or grade them otherwise."""
    if not task.startswith("inspect_evals/"):
        return
    pinned = pinned_versions().get("inspect-evals")
    installed = stack_versions().get("inspect-evals")
    if pinned and installed != pinned:
        raise RunRefused(
            f"This worker has inspect-evals {installed}, but the project pins {pinned} (requirements-eval.txt); "
            "install the pinned version."
        )


def serving_notes(reference: dict, seed, serving: dict) -> list[str]:
    """What the run's figures cannot promise, by provider: a seed ignored or
    not known to be honoured, token counts that include padding, weights
    served elsewhere and not hashed here."""
    notes = []
    for role in ("model", "grader"):
        ref = reference.get(role)
        if not ref:
            continue
        who = "the model under test" if role == "model" else "the grader"
        provider = ref["provider"]
        if provider == EvalModel.Provider.HF:
            if seed is not None:
                notes.append(f"The hf provider ignores the seed ({seed}) for {who}: its answers cannot be repeated by seed.")
            if role == "model":
                notes.append("Token counts come from the hf provider, which counts each batch's padding: they "
                             "overstate the tokens read and written.")
        elif serving.get(role, {}).get("folder_confirmed") is False:
            notes.append(
                f"The server already running at {serving[role]['base_url']} does not say which folder it serves: the "
                f"pinned weights of {who} were hashed here, but that they are the ones it serves is not confirmed."
            )
        if provider == EvalModel.Provider.ENDPOINT:
            served = serving.get(role, {})
            notes.append(
                f"{who.capitalize()} was served by an external endpoint at {served.get('base_url', ref.get('base_url'))}, "
                f"which reported {served.get('reported') or 'nothing about itself'}; its weights were not hashed here."
            )
            if seed is not None:
                notes.append(f"The seed ({seed}) was sent with each request to {who}; whether the endpoint honours it "
                             "is not known here.")
        elif provider == EvalModel.Provider.API:
            name = ref.get("api_model") or ""
            if not DATED_SNAPSHOT.search(name):
                notes.append(f"{who.capitalize()} is the API model {name}, which names no dated snapshot: its vendor "
                             "may change what answers under that name, so a later re-run may not ask the same model.")
            if seed is None:
                continue
            vendor = name.split("/")[0]
            if vendor == "anthropic":
                notes.append(f"Anthropic's API takes no seed: {who}'s answers cannot be repeated by seed.")
            else:
                notes.append(f"The seed ({seed}) was sent to {vendor or 'the API'} for {who}, which treats it as best "
                             "effort.")
    return notes


PROGRESS_STEPS = 10


def progress_batch(batch_size: int, samples_total: int, provider: str) -> int:
    """How many samples run at once. The hf provider generates a batch in
    one call and finishes all of it together, so a batch as large as the
    run would show 0% until the end: it is kept to a tenth of the run.
    Other providers answer each sample on its own."""
    if provider != EvalModel.Provider.HF:
        return batch_size
    return max(1, min(batch_size, math.ceil(samples_total / PROGRESS_STEPS)))


def purpose_of(reference: dict, device: Device) -> str:
    """A reproduction needs the real model on a GPU (or the real API model)
    and a real grader; anything else is a pipeline check."""
    for ref in (reference.get("model"), reference.get("grader")):
        if not ref:
            continue
        if ref["provider"] == EvalModel.Provider.MOCK or ref.get("is_stand_in"):
            return ReproductionRun.Purpose.PIPELINE_CHECK
        if ref["provider"] in LOCAL_PROVIDERS and not device.is_gpu:
            return ReproductionRun.Purpose.PIPELINE_CHECK
        if ENGINE_OF.get(ref["provider"]) in CPU_ENGINES:
            return ReproductionRun.Purpose.PIPELINE_CHECK
    return ReproductionRun.Purpose.REPRODUCTION


def build_model(model_ref: dict, device: Device, dtype: str, harness: dict, batch_size: int, *,
                servers: ExitStack, serving: dict, role: str = "model"):
    """The Inspect model for a pinned model reference. Local weights are
    checked against their SHA-256s first; a served model is reached through
    Inspect's OpenAI-compatible provider with `batch_size` requests in
    flight (its server, started on `servers`, recorded in `serving` under
    `role`); the hf provider generates in batches."""
    from inspect_ai.model import GenerateConfig, get_model

    provider = model_ref["provider"]
    extra = dict(model_ref.get("model_args") or {})
    if provider == EvalModel.Provider.MOCK:
        from .mock_models import canned_responder

        return get_model("mockllm/model", custom_outputs=canned_responder(extra), memoize=False)
    if provider == EvalModel.Provider.API:
        return get_model(model_ref["api_model"], memoize=False, **extra)
    if provider in SERVED_PROVIDERS:
        endpoint = serve_model(model_ref, device, dtype, harness.get("generation", {}).get("seed"), servers,
                               serving, in_flight=batch_size)
        serving[role] = endpoint
        if provider in LOCAL_PROVIDERS:
            return served_model(endpoint, batch_size)
        inspect_args = {k: v for k, v in extra.items() if k != "api_key_env"}
        return served_model(endpoint, batch_size, api_key=_api_key(model_ref), **inspect_args)

    folder = verify_weights(model_ref["local_path"], model_ref.get("weight_sha256") or {})
    config = GenerateConfig(max_connections=batch_size)
    args = {"model_path": str(folder), "device": device.name, "dtype": dtype, **extra}
    if model_ref.get("chat_template"):
        args["chat_template"] = model_ref["chat_template"]
    name = model_ref.get("upstream_id") or folder.name
    try:
        return get_model(
            f"hf/{name}",
            config=config,
            memoize=False,
            do_sample=bool(harness.get("do_sample", False)),
            batch_size=batch_size,
            **args,
        )
    except Exception as error:
        if _is_out_of_memory(error):
            raise
        raise RunRefused(f"Could not load the model from {folder}: {type(error).__name__}: {error}") from error


def served_model(endpoint: engines.Endpoint, in_flight: int, api_key: str = engines.LOCAL_API_KEY, **args):
    """Inspect's OpenAI-compatible model on a server, `in_flight` requests at once."""
    from inspect_ai.model import GenerateConfig, get_model

    return get_model(f"openai-api/aikb/{endpoint.model}", base_url=endpoint.base_url, api_key=api_key,
                     config=GenerateConfig(max_connections=in_flight), memoize=False, **args)


def serve_model(model_ref: dict, device: Device, dtype: str, seed, servers: ExitStack,
                serving: dict[str, engines.Endpoint], in_flight: int | None = None) -> engines.Endpoint:
    """The server a served model is reached through: an external endpoint
    as it is (asked what it serves), a server already running on the pinned
    folder, or one the worker starts for the run. A grader on the same
    pinned weights as the model shares its server."""
    provider = model_ref["provider"]
    if provider == EvalModel.Provider.ENDPOINT:
        return engines.connect(model_ref["base_url"], model_ref["api_model"], api_key=_api_key(model_ref))
    engine = ENGINE_OF[provider]
    for endpoint in serving.values():  # the same pinned weights, already hashed and served for this run
        if endpoint.engine == engine and endpoint.folder == str(weights_dir(model_ref["local_path"])):
            return endpoint
    folder = verify_weights(model_ref["local_path"], model_ref.get("weight_sha256") or {})
    spec = engines.ServeSpec(
        engine=engine, folder=folder, served_name=model_ref.get("upstream_id") or folder.name, dtype=dtype,
        max_model_len=model_ref.get("max_model_len"), device="cpu" if engine in CPU_ENGINES else device.name,
        seed=seed, in_flight=in_flight, extra_args=dict(model_ref.get("model_args") or {}),
    )
    if model_ref.get("base_url"):
        return engines.connect(model_ref["base_url"], spec.served_name, engine=engine, pinned_folder=folder)
    return servers.enter_context(engines.serve(spec, timeout=settings.AIKB_ENGINE_STARTUP_SECONDS))


def _api_key(model_ref: dict) -> str:
    """An endpoint's key, from the variable its model names; local servers take any."""
    name = (model_ref.get("model_args") or {}).get("api_key_env")
    if not name:
        return engines.LOCAL_API_KEY
    if not os.environ.get(name):
        raise RunRefused(f"The endpoint for {model_ref['name']} needs its key in {name}, which is not set on this worker.")
    return os.environ[name]


def eval_options(in_flight: int) -> dict:
    """How the worker runs every eval (inspect_ai.eval's options), also what bench/gpu.py times."""
    return {
        "log_format": "eval",
        "display": "none",
        # Samples in flight together: the hf provider generates up to
        # max_connections of them in one batch; a served model's engine
        # gets them as concurrent requests. This is the run's batch size.
        "max_connections": in_flight,
        "max_samples": in_flight,
        # An ungraded sample (a grader reply that cannot be read) is left out
        # of the figures, not fatal: the runner counts them and fails the
        # run past the harness's allowance.
        "fail_on_error": False,
        "score_display": False,
    }


def store_log(run: ReproductionRun, path: Path) -> None:
    """Keep the Inspect log through STORAGES["reproductions"] (the media
    folder, or object storage with AIKB_REPRODUCTION_LOG_STORAGE=s3://…), so a worker on
    another machine needs no folder shared with the web server; samples go
    to the database (reproductions.samples)."""
    from django.core.files import File

    run.log_sha256 = file_sha256(path)
    with path.open("rb") as handle:
        run.log_file.save(f"run-{run.pk}/{path.name}", File(handle), save=False)


def watch_eval(run: ReproductionRun, plan: EvalPlan, on_progress: ProgressCallback | None, work: Path):
    """Run the Inspect eval in a thread while this thread (which owns the
    database connection) records progress and watches for cancellation.
    Returns the log, or None when the run was cancelled."""
    from inspect_ai import eval as inspect_eval

    from .progress import RunProgress, track

    log_dir = work / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    progress = RunProgress()
    outcome: dict[str, Any] = {}

    def evaluate():
        try:
            outcome["logs"] = inspect_eval(
                plan.task,
                model=plan.model,
                log_dir=str(log_dir),
                epochs=plan.epochs,
                limit=plan.limit,
                **eval_options(plan.batch_size),
                **plan.generate,
            )
        except BaseException as error:  # noqa: BLE001 - handed to the watching thread
            outcome["error"] = error

    track(progress)
    thread = threading.Thread(target=evaluate, name=f"inspect-eval-run-{run.pk}", daemon=True)
    try:
        thread.start()
        reported = -1
        next_cancel_check = 0.0
        while thread.is_alive():
            thread.join(POLL_SECONDS)
            done = min(progress.done, plan.samples_total)
            # A cancelled run's remaining samples end at once without
            # generating: its progress stays where it stopped.
            if done != reported and not progress.cancelled.is_set():
                ReproductionRun.objects.filter(pk=run.pk).update(samples_done=done, updated=timezone.now())
                run.samples_done = reported = done
                if on_progress:
                    on_progress(done, plan.samples_total)
            if time.monotonic() >= next_cancel_check:
                next_cancel_check = time.monotonic() + 1.0
                if ReproductionRun.objects.filter(pk=run.pk, status=ReproductionRun.Status.CANCELLED).exists():
                    progress.cancelled.set()
    finally:
        track(None)
    if progress.cancelled.is_set():
        return None
    if "error" in outcome:
        error = outcome["error"]
        if _is_out_of_memory(error):
            raise error
        raise RunFailed(f"Inspect could not run the task: {type(error).__name__}: {error}") from error
    logs = outcome.get("logs") or []
    if not logs:
        raise RunFailed("Inspect returned no log for the task.")
    if not logs[0].location or not Path(logs[0].location).is_file():
        raise RunFailed("Inspect did not write its log file.")
    return logs[0]


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _token_usage(log) -> tuple[int | None, int | None, int | None]:
    usage = getattr(getattr(log, "stats", None), "model_usage", None) or {}
    if not usage:
        return None, None, None
    return (
        sum(u.input_tokens or 0 for u in usage.values()),
        sum(u.output_tokens or 0 for u in usage.values()),
        sum(u.total_tokens or 0 for u in usage.values()),
    )


def _uses_local_weights(reference: dict) -> bool:
    """Whether the run needs this worker's device: local weights on a GPU engine (or hf)."""
    return any(
        ref and ref["provider"] in LOCAL_PROVIDERS and ENGINE_OF.get(ref["provider"]) not in CPU_ENGINES
        for ref in (reference.get("model"), reference.get("grader"))
    )


def _remote_device(run: ReproductionRun) -> str:
    provider = run.reference["model"]["provider"]
    if provider == EvalModel.Provider.ENDPOINT:
        return f"endpoint ({urlsplit(run.reference['model']['base_url']).netloc})"[:50]
    if provider == EvalModel.Provider.API:
        return f"api ({run.reference['model']['api_model'].split('/')[0]})"
    return "cpu (mock model)"


def _is_out_of_memory(error: BaseException) -> bool:
    try:
        import torch

        if isinstance(error, torch.OutOfMemoryError):
            return True
    except ImportError:  # pragma: no cover - the eval stack is always installed on workers
        pass
    return "out of memory" in str(error).lower()


def _out_of_memory_message(run: ReproductionRun) -> str:
    where = run.gpu_name or run.device or "the worker"
    return (
        f"{where} ran out of memory at batch size {run.batch_size}; "
        "lower the harness's batch size, or pin a smaller dtype."
    )
