"""Whole-set exports (api.exports) of 100,000 incidents through a real web
process: time, and how much that process's memory grows.

Fills the benchmark database (bench.database; BENCH_EXPORT_INCIDENTS
synthetic incidents, default 100,000), starts gunicorn as docs/operations.md
recommends but with one worker (gthread, 4 threads), so that the memory
measured is the one process that serves the export, and asks it, over
loopback, for `/api/v1/incidents/export/` as CSV and then as JSON Lines,
anonymously, reading each stream to its end as a client would, and then
for a broad search (`q=model`, tens of thousands of matches: every one,
ranked, where pages stop at 10,000), as CSV. The
worker's resident memory (RSS, from psutil) is sampled every 0.1 s while a
download runs; its growth is the highest sample less the RSS just before
(after a warm-up request, so Django's imports are not counted). Also
checks that each download has every public incident once (rows and lines
counted) and ends complete.

Targets (issue 24): under 60 s per download and under 50 MB of memory
growth.

Run: `python -m bench export` (or `python -m bench.export`).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from bench.database import server_version, setup_bench_database

BASE_DIR = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60
TARGET_GROWTH_MB = 50
PORT = 8767
SEARCH = "model"  # a broad search (bench.searches.BROAD_SEARCHES)
# One gthread worker (docs/operations.md's worker class and threads): the
# process measured is the one that streams.
GUNICORN_ARGS = ["--workers", "1", "--worker-class", "gthread", "--threads", "4", "--timeout", "30"]


def worker_of(master: psutil.Process) -> psutil.Process:
    for _ in range(100):
        children = master.children()
        if children:
            return children[0]
        time.sleep(0.1)
    raise SystemExit("gunicorn started no worker")


def wait_until_up(url: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class PeakMemory:
    """The RSS of a process while the block runs, sampled every 0.1 s: its
    highest, and the samples (to see whether it grows with the rows or
    levels off)."""

    def __init__(self, process: psutil.Process):
        self.process = process
        self.peak = process.memory_info().rss
        self.samples = []
        self._running = False

    def _sample(self):
        while self._running:
            rss = self.process.memory_info().rss
            self.samples.append(rss)
            self.peak = max(self.peak, rss)
            time.sleep(0.1)

    def quarters(self) -> list[float]:
        """RSS (MB) a quarter, half, three quarters of the way through, and at the end."""
        n = len(self.samples)
        return [self.samples[min(n - 1, n * q // 4)] / 1e6 for q in (1, 2, 3, 4)] if n else []

    def __enter__(self):
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def download(url: str) -> tuple[float, int, int, bytes]:
    """(seconds, bytes, lines, last bytes) of a whole download, read in 64 KiB pieces."""
    started = time.perf_counter()
    size = lines = 0
    tail = b""
    with urllib.request.urlopen(url, timeout=300) as response:
        while piece := response.read(65536):
            size += len(piece)
            lines += piece.count(b"\n")
            tail = (tail + piece)[-200:]
    return time.perf_counter() - started, size, lines, tail


def main() -> list[tuple]:
    incidents = int(os.environ.get("BENCH_EXPORT_INCIDENTS", "100000"))
    setup_bench_database(incidents)
    from incidents.search import search_incidents
    from incidents.visibility import public_incidents

    public = public_incidents().count()
    work = Path(tempfile.mkdtemp(prefix="aikb-export-"))
    env = {**os.environ, "AIKB_VAR_DIR": str(work / "var"), "DJANGO_SETTINGS_MODULE": "config.settings",
           "AIKB_API_RATE_ANON": "1000000/minute", "DJANGO_DEBUG": "0"}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{PORT}", *GUNICORN_ARGS],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "gunicorn.log", "w"),
    )
    rows = []
    try:
        worker = worker_of(psutil.Process(web.pid))
        base = f"http://127.0.0.1:{PORT}/api/v1/incidents/"
        wait_until_up(base + "?page_size=100")
        # Warm: the export's own code paths, on a few rows.
        download(base + "export/?format=csv&severity=5&year=2020")
        print(f"{public:,} public incidents of {incidents:,}; {server_version()}")
        matches = search_incidents(public_incidents(), SEARCH, correct=False).count()
        downloads = [("csv", "", public + 1), ("jsonl", "", public), ("csv", f"&q={SEARCH}", matches + 1)]
        for fmt, query, expected_lines in downloads:
            before = worker.memory_info().rss
            with PeakMemory(worker) as memory:
                seconds, size, lines, tail = download(base + f"export/?format={fmt}{query}")
            growth_mb = (memory.peak - before) / 1e6
            complete = lines == expected_lines and b"export_interrupted" not in tail
            label = f"{fmt} export of {expected_lines - (fmt == 'csv'):,} " + (
                f"matches of q={SEARCH}" if query else "public incidents")
            print(f"{label}: {seconds:.1f} s, {size / 1e6:.0f} MB, {lines:,} lines "
                  f"({'complete' if complete else 'INCOMPLETE'}), {lines / seconds:,.0f} rows/s; worker RSS "
                  f"{before / 1e6:.0f} MB before, peak {memory.peak / 1e6:.0f} MB (+{growth_mb:.1f} MB); "
                  f"at 1/4, 1/2, 3/4, end: {', '.join(f'{mb:.0f}' for mb in memory.quarters())} MB")
            rows += [
                (f"{label}, time", f"{seconds:.1f}", "s", f"< {TARGET_SECONDS}"),
                (f"{label}, web process memory growth", f"{growth_mb:.1f}", "MB", f"< {TARGET_GROWTH_MB}"),
                (f"{label}, size", f"{size / 1e6:.0f}", "MB", ""),
            ]
            if not complete:
                rows.append((f"{label}: incomplete", f"{lines} lines", "", f"{expected_lines}"))
    finally:
        web.terminate()
        try:
            web.wait(timeout=60)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        log = (work / "gunicorn.log").read_text()
        if "Traceback" in log:
            print(log[-3000:])
        shutil.rmtree(work, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
