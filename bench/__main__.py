"""One entry point for every benchmark: `python -m bench [name ...]`.

Each benchmark is a module `bench/<name>.py` whose `main()` prints its own
details and returns rows `(figure, value, unit, target)`. This runs the named
ones (all of BENCHMARKS by default), each in its own process so that one's
Django set-up or memory does not colour the next, and prints one Markdown
table with the date and the machine, ready to paste into docs/benchmarks.md.
"""

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone

BENCHMARKS = ["synthetic", "web", "api", "pdf", "gpu", "load", "spike", "imports", "export"]

ROWS_MARK = "BENCH-ROWS "


def run_one(name: str) -> list[tuple]:
    """Run bench/<name>.py's main() in a child process and collect its rows."""
    code = (
        "import json, importlib; "
        f"rows = importlib.import_module('bench.{name}').main(); "
        f"print({ROWS_MARK!r} + json.dumps([list(map(str, row)) for row in rows or []]))"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    rows = []
    for line in process.stdout.splitlines():
        if line.startswith(ROWS_MARK):
            rows = [tuple(row) for row in json.loads(line[len(ROWS_MARK):])]
        else:
            print(line)
    if process.returncode != 0:
        rows.append((f"{name}: benchmark failed", f"exit {process.returncode}", "", ""))
    return rows


def machine() -> str:
    cores = os.cpu_count()
    try:
        with open("/proc/meminfo") as meminfo:
            memory_gib = int(meminfo.readline().split()[1]) / 1024**2
    except OSError:
        memory_gib = 0
    return f"{platform.machine()}, {cores} cores, {memory_gib:.0f} GiB, Python {platform.python_version()}"


def table(results: dict[str, list[tuple]]) -> str:
    lines = [
        f"Benchmarks of {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}",
        "",
        "| benchmark | figure | value | unit | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, rows in results.items():
        for figure, value, unit, target in rows:
            lines.append(f"| {name} | {figure} | {value} | {unit} | {target} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results = {}
    for name in names:
        print(f"== {name}", flush=True)
        results[name] = run_one(name)
    print()
    print(table(results))
    return 0 if all("benchmark failed" not in row[0] for rows in results.values() for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
