"""Run a call from several threads at the same moment, as a burst of
readers does, and collect what each got."""

import threading


def at_once(call, times: int) -> list:
    """`call()` from `times` threads released together; their results."""
    start = threading.Barrier(times)
    results = []

    def run():
        start.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
