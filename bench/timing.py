"""Timing helpers shared by the in-process HTTP benchmarks (web, api)."""

import statistics
import time


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_requests(client, urls, before_each=None) -> list[float]:
    """Milliseconds per GET; any status but 200 stops the benchmark.
    `before_each` runs before every request, outside the timing."""
    times = []
    for url in urls:
        if before_each:
            before_each()
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:200]!r}")
        times.append(elapsed)
    return times


def summary_rows(label: str, times, target_ms: int | None, width: int = 8) -> list[tuple]:
    """Print median, p95 and max of `times`; return the table rows of median
    and p95 (the p95 row with its target, if it has one)."""
    median, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"{label:{width}} median {median:7.1f} ms   p95 {p95:7.1f} ms   max {max(times):7.1f} ms", flush=True)
    target = f"< {target_ms}" if target_ms else ""
    return [(f"{label} median", f"{median:.1f}", "ms", ""), (f"{label} p95", f"{p95:.1f}", "ms", target)]
