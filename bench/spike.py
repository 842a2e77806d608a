"""Spike test: many anonymous readers on one incident while an editor changes it.

An incident in the news: BENCH_SPIKE_USERS (default 200) readers open one
published incident for BENCH_SPIKE_SECONDS (default 300) without pause, 80 %
its page and 20 % its PDF briefing, while an editor saves a change to it
every BENCH_SPIKE_EDIT_SECONDS (default 30). Then the same readers fetch, for
BENCH_SPIKE_STATIC_SECONDS (default 60), a static file of the page's size
served by the same gunicorn through whitenoise: the most requests/s this
machine and server set-up can give, the limit the spike is compared with.

The set-up is bench/load.py's: gunicorn with its settings on loopback, the
benchmark database with BENCH_SPIKE_INCIDENTS synthetic incidents (default
100,000; BENCH_DATABASE_NAME default `aikb_bench_100k`), the web processes
sharing one Redis cache (BENCH_SPIKE_CACHE_URL, default
`redis://127.0.0.1:6379/9`, emptied first), locust headless in another
process, the web processes' memory sampled every 5 s. The incident chosen is
the curated one with the most evidence, else the synthetic one with the most.

The editor runs here, with Django on the same database and cache, and
changes the incident with a plain `save()` in autocommit, as the admin
does: the signals start a new data generation the web processes see. Each
change writes a marker into the summary (restored at the end), so that each
page served says which change it shows; each PDF says it by its
X-Content-SHA256. A response with `X-Cache: MISS` was rendered by that
request; `HIT` was served from the cache (waiting for another request's
render included). Renders per change counts the MISS responses of each
version of the incident; without the header every request rendered. For the
PDF, the new Briefing rows per version are counted too. The run's Briefing
rows are deleted at the end: their files lived in the run's own folder.

The static phase's p95 is printed beside the spike's: readers that ask
again the moment they are answered wait, on average, their number divided
by the requests/s (Little's law), so with 200 of them on 2 cores even the
static file's p95 is that queue's.

Targets: 0 errors, p95 under 100 ms, at least half the static file's
requests/s, exactly one render per change of each representation, memory
flat (last fifth of the run within 10 % of the first). Needs `pip install -r
requirements-bench.txt` (locust). Run: `python -m bench spike`.
"""

import bisect
import csv
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.database import setup_bench_database
from bench.load import GUNICORN_ARGS, empty_shared_cache, web_memory_mib

BASE_DIR = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100
TARGET_STATIC_RATIO = 0.5
MEMORY_GROWTH_ALLOWED = 0.10
STATIC_FILE = "bench-spike/incident.html"
MARKER = re.compile(r"spike-edit-[0-9a-f]+-[0-9]+")
MARKER_BYTES = re.compile(MARKER.pattern.encode())
# The marker and the blank line before it, to take a crashed run's marker out of the summary.
MARKER_PARAGRAPH = re.compile(r"\s*" + MARKER.pattern + r"\s*$")


def marker(run: str, change: int) -> str:
    return f"spike-edit-{run}-{change}"


# --- what the readers record (called in the locust process) ---------------

def response_version(name: str, headers, body: bytes | None) -> str:
    """Which version of the incident a response shows: the PDF's content
    hash, or the page's edit marker; empty when it does not say."""
    if name == "pdf":
        return headers.get("X-Content-SHA256", "") if headers else ""
    found = MARKER_BYTES.search(body or b"")
    return found.group().decode() if found else ""


def log_row(name, start_time, response, exception) -> list:
    """One line of the request log: start time, name, status, X-Cache,
    version, and whether the response set a cookie."""
    headers = getattr(response, "headers", None) or {}
    status = 0 if exception is not None else getattr(response, "status_code", 0) or 0
    body = getattr(response, "content", None) if status == 200 and name == "page" else None
    return [f"{start_time:.3f}", name, status, headers.get("X-Cache", ""),
            response_version(name, headers, body) if status == 200 else "", "1" if headers.get("Set-Cookie") else ""]


# --- renders per change ------------------------------------------------------

@dataclass(frozen=True)
class Logged:
    started: float
    name: str
    status: int
    cache: str
    version: str
    set_cookie: bool = False


@dataclass(frozen=True)
class Renders:
    """Renders of each version of one representation, in the order the
    versions were first served."""

    counts: tuple[int, ...]
    header_seen: bool

    @property
    def exactly_one(self) -> bool:
        return bool(self.counts) and all(count == 1 for count in self.counts)

    def describe(self) -> str:
        if not self.counts:
            return "no successful response"
        text = (f"{len(self.counts)} versions, renders per version min {min(self.counts)} "
                f"max {max(self.counts)} mean {statistics.mean(self.counts):.1f} "
                f"(in order: {', '.join(map(str, self.counts))})")
        return text if self.header_seen else text + " (no X-Cache header: every request rendered)"


def read_log(path: Path) -> list[Logged]:
    with open(path, newline="") as handle:
        return [Logged(float(started), name, int(status), cache, version, set_cookie == "1")
                for started, name, status, cache, version, set_cookie in csv.reader(handle)]


def renders_per_version(responses: list[Logged], change_times: list[float]) -> dict[str, Renders]:
    """For each representation, how many times each version of the incident
    was rendered: its successful responses marked `X-Cache: MISS`, or all of
    them when no response of that representation carried the header. A
    response that does not say its version is taken to show the last change
    made before the request started. A version served only from the cache
    counts 0 renders (it was rendered before the run: a stale cache)."""
    result = {}
    for name in sorted({response.name for response in responses}):
        served = [response for response in responses if response.name == name and response.status == 200]
        header_seen = any(response.cache for response in served)
        counts: dict[str, int] = {}
        for response in served:
            key = response.version or f"after change {bisect.bisect_right(change_times, response.started) - 1}"
            rendered = response.cache == "MISS" if header_seen else True
            counts[key] = counts.get(key, 0) + rendered
        result[name] = Renders(tuple(counts.values()), header_seen)
    return result


def memory_figures(samples: list[float]) -> tuple[float, float, float]:
    """Mean of the first and of the last fifth of the samples, and the peak.
    The first sample, taken as the readers start, is left out."""
    samples = samples[1:] or samples
    if not samples:
        return 0.0, 0.0, 0.0
    window = max(1, len(samples) // 5)
    return statistics.mean(samples[:window]), statistics.mean(samples[-window:]), max(samples)


def memory_is_flat(start_mib: float, end_mib: float) -> bool:
    return end_mib <= start_mib * (1 + MEMORY_GROWTH_ALLOWED)


# --- the incident and its editor (Django, in this process) ------------------

def choose_incident():
    """The public curated incident with the most evidence, else the synthetic one."""
    from django.db.models import Count

    from incidents.visibility import public_incidents
    from reproductions.synthetic import SLUG_PREFIX

    public = public_incidents()
    for candidates in (public.exclude(slug__startswith=SLUG_PREFIX), public):
        incident = candidates.annotate(n=Count("evidence")).order_by("-n", "id").first()
        if incident is not None:
            return incident
    raise SystemExit("The benchmark database has no public incident.")


def edit(incident_id: int, summary: str) -> float:
    """Save the incident with this summary as an editor does (model save,
    signals, autocommit); the time the change was committed."""
    from incidents.models import Incident

    incident = Incident.objects.get(pk=incident_id)
    incident.summary = summary
    incident.save()
    return time.time()


def page_html(public_id: str, port: int) -> bytes:
    from django.test import Client

    response = Client().get(f"/incidents/{public_id}/", HTTP_HOST=f"127.0.0.1:{port}")
    if response.status_code != 200:
        raise SystemExit(f"/incidents/{public_id}/ answered {response.status_code}")
    return response.content


# --- processes ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_served(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} was not served within {seconds:.0f} s")


def stop(process: subprocess.Popen | None, grace: float) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)  # gunicorn lets in-flight requests finish first
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def start_locust(user_class: str, users: int, seconds: int, port: int, env: dict, prefix: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "locust"), "-f", str(BASE_DIR / "bench" / "spike_locustfile.py"),
         user_class, "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
         "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary"],
        cwd=BASE_DIR, env=env, stdout=open(f"{prefix}.log", "w"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def locust_stats(prefix: Path) -> dict[str, dict]:
    with open(f"{prefix}_stats.csv") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


# --- the run -------------------------------------------------------------------

def pass_fail(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> list[tuple]:
    incidents = int(os.environ.get("BENCH_SPIKE_INCIDENTS", "100000"))
    seconds = int(os.environ.get("BENCH_SPIKE_SECONDS", "300"))
    users = int(os.environ.get("BENCH_SPIKE_USERS", "200"))
    edit_seconds = float(os.environ.get("BENCH_SPIKE_EDIT_SECONDS", "30"))
    static_seconds = int(os.environ.get("BENCH_SPIKE_STATIC_SECONDS", "60"))
    cache_url = os.environ.get("BENCH_SPIKE_CACHE_URL", "redis://127.0.0.1:6379/9")
    if not shutil.which("locust", path=str(Path(sys.executable).parent)):
        print("locust is not installed: pip install -r requirements-bench.txt")
        return [("spike test", "skipped: locust missing", "", "")]
    empty_shared_cache(cache_url, "BENCH_SPIKE_CACHE_URL")
    work = Path(tempfile.mkdtemp(prefix="aikb-spike-"))
    # This process is the editor: the same database, cache and var folder as the web processes.
    os.environ.setdefault("BENCH_DATABASE_NAME", "aikb_bench_100k")
    os.environ.update(AIKB_CACHE_URL=cache_url, AIKB_VAR_DIR=str(work / "var"), DJANGO_SETTINGS_MODULE="config.settings")
    setup_bench_database(incidents)

    from briefings.models import Briefing

    incident = choose_incident()
    base_summary = MARKER_PARAGRAPH.sub("", incident.summary)
    run = format(int(time.time()), "x")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR), "AIKB_SPIKE_ID": incident.public_id,
           "AIKB_SPIKE_STATIC": f"/static/{STATIC_FILE}", "AIKB_SPIKE_LOG": str(work / "requests.csv")}
    web = locust = None
    memory: list[float] = []
    change_times: list[float] = []
    run_started = time.time()
    completed = False
    try:
        # A version no earlier run served, so that no stored PDF or cached page of it exists.
        change_times.append(edit(incident.pk, f"{base_summary}\n\n{marker(run, 0)}"))
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                       cwd=BASE_DIR, env=env, check=True)
        html = page_html(incident.public_id, port)
        empty_shared_cache(cache_url, "BENCH_SPIKE_CACHE_URL")  # measuring the page must not warm the cache for the readers
        # Written before gunicorn starts: whitenoise indexes the static folder once, at start.
        static_path = work / "var" / "static" / STATIC_FILE
        static_path.parent.mkdir(parents=True, exist_ok=True)
        static_path.write_bytes(html)
        print(f"incident {incident.public_id} ({incident.slug}); page {len(html)} bytes; {users} readers, "
              f"{seconds} s, a change every {edit_seconds:g} s; static phase {static_seconds} s", flush=True)

        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             *GUNICORN_ARGS],
            cwd=BASE_DIR, env=env, stdout=open(work / "gunicorn.log", "w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_served(f"http://127.0.0.1:{port}/static/{STATIC_FILE}", web)
        master = psutil.Process(web.pid)

        locust = start_locust("SpikeReader", users, seconds, port, env, work / "spike")
        started = time.time()
        next_sample, next_edit = started, started + edit_seconds
        while locust.poll() is None:
            now = time.time()
            if now >= next_sample:
                memory.append(web_memory_mib(master))
                next_sample += 5
            if now >= next_edit and now < started + seconds:
                change_times.append(edit(incident.pk, f"{base_summary}\n\n{marker(run, len(change_times))}"))
                next_edit += edit_seconds
            time.sleep(0.1)

        env_static = {**env, "AIKB_SPIKE_LOG": ""}
        locust = start_locust("StaticReader", users, static_seconds, port, env_static, work / "static")
        locust.wait()
        completed = True
    finally:
        stop(locust, 10)
        stop(web, 60)
        if change_times:
            edit(incident.pk, base_summary)
        briefings = Briefing.objects.filter(incident=incident, created__gte=_aware(run_started))
        new_briefings = briefings.count()
        briefings.delete()
        if not completed:
            for log in ("gunicorn.log", "spike.log", "static.log"):
                if (work / log).exists():
                    print(f"--- end of {log}:\n" + (work / log).read_text()[-2000:])
            shutil.rmtree(work, ignore_errors=True)

    spike, static = locust_stats(work / "spike"), locust_stats(work / "static")
    total = spike["Aggregated"]
    for name, row in spike.items():
        print(f"{name:10} {row['Request Count']:>7} requests {row['Failure Count']:>5} failures  "
              f"{float(row['Requests/s']):7.1f} req/s  p50 {row['50%']} ms  p95 {row['95%']} ms  p99 {row['99%']} ms")
    print(f"changes at (s after the readers started): "
          f"{', '.join(f'{at - started:.1f}' for at in change_times[1:]) or 'none'}")
    responses = read_log(work / "requests.csv")
    renders = renders_per_version(responses, change_times)
    for name, counts in renders.items():
        print(f"renders of the {name}: {counts.describe()}")
    versions = len(change_times)
    print(f"new Briefing rows: {new_briefings} for {versions} versions of the incident")
    print(f"responses setting a cookie: {sum(response.set_cookie for response in responses)} (readers keep none)")
    start_mib, end_mib, peak_mib = memory_figures(memory)
    spike_rps = float(total["Requests/s"])
    static_rps = float(static["Aggregated"]["Requests/s"])
    ratio = spike_rps / static_rps if static_rps else 0.0
    errors = int(total["Failure Count"]) + int(static["Aggregated"]["Failure Count"])
    p95 = float(total["95%"])
    static_p95 = float(static["Aggregated"]["95%"])
    page, pdf = renders.get("page", Renders((), False)), renders.get("pdf", Renders((), False))
    briefings_ok = new_briefings == versions
    checks = [
        ("errors (spike and static)", f"{errors}", "0", errors == 0),
        ("p95", f"{p95:.0f} ms", f"< {TARGET_P95_MS} ms", p95 < TARGET_P95_MS),
        ("p95 of the static file, same readers", f"{static_p95:.0f} ms", "(the limit)", True),
        ("requests/s / static file's", f"{spike_rps:.1f} / {static_rps:.1f} = {ratio:.0%}",
         f">= {TARGET_STATIC_RATIO:.0%}", ratio >= TARGET_STATIC_RATIO),
        ("page renders per change", _span(page.counts), "exactly 1", page.exactly_one),
        ("PDF renders per change", _span(pdf.counts), "exactly 1", pdf.exactly_one),
        ("Briefing rows per change", f"{new_briefings}/{versions}", "exactly 1", briefings_ok),
        ("web memory first/last fifth, peak", f"{start_mib:.0f} / {end_mib:.0f}, {peak_mib:.0f} MiB",
         f"growth <= {MEMORY_GROWTH_ALLOWED:.0%}", memory_is_flat(start_mib, end_mib)),
    ]
    print()
    print(f"{'figure':36} {'value':32} {'target':16} result")
    for figure, value, target, ok in checks:
        print(f"{figure:36} {value:32} {target:16} {pass_fail(ok)}")
    failed = [figure for figure, _, _, ok in checks if not ok]
    print("FAILED: " + "; ".join(failed) if failed else "all targets met", flush=True)
    if int(total["Request Count"]) == 0 or errors:
        failures = work / "spike_failures.csv"
        if failures.exists():
            print(failures.read_text()[-3000:])
        print((work / "spike.log").read_text()[-3000:])
    shutil.rmtree(work, ignore_errors=True)

    label = f"{users} readers, {seconds} s, {incidents} incidents, a change every {edit_seconds:g} s"
    return [
        (f"requests/s ({label})", f"{spike_rps:.1f}", "req/s", ""),
        ("p50", total["50%"], "ms", ""),
        ("p95", f"{p95:.0f}", "ms", f"< {TARGET_P95_MS}: {pass_fail(p95 < TARGET_P95_MS)}"),
        ("p99", total["99%"], "ms", ""),
        ("errors", f"{errors}", "requests", f"0: {pass_fail(errors == 0)}"),
        ("static file of the page's size, same server", f"{static_rps:.1f}", "req/s", ""),
        ("static file p95, same readers", f"{static_p95:.0f}", "ms", ""),
        ("share of the static file's requests/s", f"{ratio:.0%}", "",
         f">= {TARGET_STATIC_RATIO:.0%}: {pass_fail(ratio >= TARGET_STATIC_RATIO)}"),
        ("page renders per change (min-max)", _span(page.counts), "renders", f"1: {pass_fail(page.exactly_one)}"),
        ("PDF renders per change (min-max)", _span(pdf.counts), "renders", f"1: {pass_fail(pdf.exactly_one)}"),
        ("new Briefing rows per change", f"{new_briefings}/{versions}", "rows", f"1: {pass_fail(briefings_ok)}"),
        ("web memory, first fifth of the run", f"{start_mib:.0f}", "MiB", ""),
        ("web memory, last fifth of the run", f"{end_mib:.0f}", "MiB",
         f"flat: {pass_fail(memory_is_flat(start_mib, end_mib))}"),
        ("web memory, peak", f"{peak_mib:.0f}", "MiB", ""),
    ]


def _span(counts: tuple[int, ...]) -> str:
    if not counts:
        return "none served"
    return f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"


def _aware(timestamp: float):
    import datetime

    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)


if __name__ == "__main__":
    main()
