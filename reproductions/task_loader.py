"""Finding a harness's Inspect task and checking its arguments."""

from pathlib import Path

from django.conf import settings

from .errors import RunRefused


def resolve_spec(spec: str) -> str:
    """A task file of ours (path.py@task) is given relative to the project;
    a registry name (inspect_evals/agentic_misalignment) is left as it is."""
    if not spec:
        raise RunRefused("The harness names no task.")
    path_part, _, function = spec.partition("@")
    if not path_part.endswith(".py"):
        return spec
    path = Path(path_part)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    if not path.is_file():
        raise RunRefused(f"The task file {path_part} does not exist on this worker.")
    return f"{path}@{function}" if function else str(path)


def load_task(spec: str, task_args: dict):
    """The Inspect Task object, or RunRefused saying why it cannot be built:
    an unknown task, an argument it does not take, or arguments it rejects."""
    from inspect_ai._eval.loader import load_tasks
    from inspect_ai._util.error import PrerequisiteError
    from inspect_ai._util.registry import registry_info, registry_lookup

    resolved = resolve_spec(spec)
    try:
        tasks = load_tasks([resolved], {})
    except PrerequisiteError as error:
        # The task says what this machine lacks (e.g. the egress probe's Docker): its words, no more.
        raise RunRefused(f"This worker cannot run the task {spec!r}: {error.message}") from error
    except (IndexError, LookupError) as error:
        raise RunRefused(
            f"Unknown task {spec!r}: Inspect finds no such task (is its package installed on the worker?)."
        ) from error
    except Exception as error:  # noqa: BLE001 - a task that cannot even load is refused in words
        message = str(error)
        if "not found" in message.lower():
            raise RunRefused(f"Unknown task {spec!r}: {message}") from error
        raise RunRefused(f"The task {spec!r} could not be loaded: {type(error).__name__}: {message}") from error
    if not tasks:
        raise RunRefused(
            f"Unknown task {spec!r}: Inspect finds no such task (is its package installed on the worker?)."
        )
    if len(tasks) != 1:
        raise RunRefused(f"{spec!r} names {len(tasks)} tasks; name exactly one (path.py@task).")
    function = registry_lookup("task", tasks[0].name)
    if function is not None:
        params = set(registry_info(function).metadata.get("params", []))
        unknown = sorted(set(task_args) - params)
        if unknown:
            raise RunRefused(
                f"The task {tasks[0].name} does not take the argument(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(params)) or 'none'}."
            )
    try:
        tasks = load_tasks([resolved], task_args)
    except PrerequisiteError as error:
        raise RunRefused(f"This worker cannot run the task {spec!r}: {error.message}") from error
    except Exception as error:  # noqa: BLE001 - the task's own validation, reported as it words it
        raise RunRefused(f"The task {spec!r} rejected its arguments: {type(error).__name__}: {error}") from error
    return tasks[0]


def task_files(spec: str, task_args: dict) -> dict[str, str]:
    """SHA-256 of the files a run's task reads that are ours, not a
    package's: the task file (path.py@task) and any task argument naming a
    file (a question file), so a run says exactly what it asked."""
    from .weights import file_sha256

    files = {}
    path_part = spec.partition("@")[0]
    candidates = [path_part] if path_part.endswith(".py") else []
    candidates += [value for value in task_args.values() if isinstance(value, str) and value.strip()]
    for candidate in candidates:
        path = Path(candidate)
        if not path.is_absolute():
            path = Path(settings.BASE_DIR) / path
        try:
            if path.is_file():
                files[candidate] = file_sha256(path)
        except OSError:
            continue
    return files
