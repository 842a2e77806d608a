"""Load test: 32 concurrent clients against the production server set-up.

Starts gunicorn as docs/operations.md recommends (gthread workers; settings below) on the
benchmark database (BENCH_INCIDENTS synthetic incidents, default 100,000),
runs locust headless from another process on loopback for
BENCH_LOAD_SECONDS (default 300) with BENCH_LOAD_USERS (default 32) clients
mixing search, list, detail and CSV export, samples the resident memory of
the web processes every 5 s, and prints requests/s, p50/p95/p99, errors and
memory at the start and end of the run. The web processes share one Redis
cache, as the production set-up (docs/operations.md) has them (BENCH_LOAD_CACHE_URL, default
`redis://127.0.0.1:6379/9`, emptied first so that no earlier run warms it;
set it empty for per-process caches). Needs `pip install -r
requirements-bench.txt` (locust).
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.database import setup_bench_database

BASE_DIR = Path(__file__).resolve().parent.parent
# The production set-up docs/operations.md recommends for a 2-core machine.
GUNICORN_ARGS = ["--workers", "3", "--worker-class", "gthread", "--threads", "4",
                 "--max-requests", "5000", "--max-requests-jitter", "500", "--timeout", "30"]


def web_memory_mib(master: psutil.Process) -> float:
    processes = [master, *master.children(recursive=True)]
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def empty_shared_cache(url: str, variable: str = "BENCH_LOAD_CACHE_URL") -> None:
    """Empty a benchmark's Redis cache database, or stop with a clear message
    naming the variable that sets it."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"The benchmark's cache {url} cannot be reached ({exc}): start Redis, "
                         f"or set {variable} to one that runs.") from None


def write_public_ids(path: Path) -> None:
    from incidents.visibility import public_incidents

    ids = public_incidents().order_by("?").values_list("public_id", flat=True)[:5000]
    path.write_text("\n".join(ids))


def main() -> list[tuple]:
    incidents = int(os.environ.get("BENCH_INCIDENTS", "100000"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "300"))
    users = int(os.environ.get("BENCH_LOAD_USERS", "32"))
    if not shutil.which("locust", path=str(Path(sys.executable).parent)):
        print("locust is not installed: pip install -r requirements-bench.txt")
        return [("load test", "skipped: locust missing", "", "")]
    cache_url = os.environ.get("BENCH_LOAD_CACHE_URL", "redis://127.0.0.1:6379/9")
    if cache_url:
        empty_shared_cache(cache_url)
    setup_bench_database(incidents)
    work = Path(tempfile.mkdtemp(prefix="aikb-load-"))
    write_public_ids(work / "ids.txt")
    # The 32 simulated readers share one loopback address: the per-address
    # anonymous API rate would turn most of their calls into 429s.
    env = {**os.environ, "AIKB_VAR_DIR": str(work / "var"), "AIKB_LOAD_IDS": str(work / "ids.txt"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "AIKB_API_RATE_ANON": "1000000/minute",
           "AIKB_CACHE_URL": cache_url}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                   cwd=BASE_DIR, env=env, check=True)
    port = 8765
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", *GUNICORN_ARGS],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    memory = []
    try:
        time.sleep(5)
        master = psutil.Process(web.pid)
        locust = subprocess.Popen(
            [str(Path(sys.executable).parent / "locust"), "-f", str(BASE_DIR / "bench" / "locustfile.py"),
             "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host",
             f"http://127.0.0.1:{port}", "--csv", str(work / "stats"), "--only-summary"],
            cwd=BASE_DIR, env=env, stdout=open(work / "locust.log", "w"), stderr=subprocess.STDOUT,
        )
        while locust.poll() is None:
            memory.append(web_memory_mib(master))
            time.sleep(5)
    finally:
        web.terminate()
        try:
            web.wait(timeout=60)  # gunicorn lets in-flight requests finish first
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
    with open(work / "stats_stats.csv") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    for name, row in rows.items():
        print(f"{name:18} {row['Request Count']:>7} requests {row['Failure Count']:>5} failures  "
              f"p50 {row['50%']} ms  p95 {row['95%']} ms  p99 {row['99%']} ms")
    window = max(1, len(memory) // 5)
    start_mib = sum(memory[1:window + 1]) / max(1, len(memory[1:window + 1]))
    end_mib = sum(memory[-window:]) / window
    failures = work / "stats_failures.csv"
    if int(total["Failure Count"]) and failures.exists():
        print("failures:")
        print(failures.read_text()[-3000:])
    if int(total["Request Count"]) == 0:
        print((work / "locust.log").read_text()[-3000:])
    shutil.rmtree(work, ignore_errors=True)
    label = f"{users} clients, {seconds} s, {incidents} incidents, {'shared' if cache_url else 'per-process'} cache"
    return [
        (f"requests/s ({label})", f"{float(total['Requests/s']):.1f}", "req/s", ""),
        ("errors", total["Failure Count"], "requests", "0"),
        ("p50", total["50%"], "ms", ""),
        ("p95", total["95%"], "ms", ""),
        ("p99", total["99%"], "ms", ""),
        ("web memory, first fifth of the run", f"{start_mib:.0f}", "MiB", ""),
        ("web memory, last fifth of the run", f"{end_mib:.0f}", "MiB", "flat"),
    ]
