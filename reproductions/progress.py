"""Samples done during an Inspect eval, seen from outside it.

Inspect calls hooks from inside its event loop, where Django's database
calls are not allowed; the hook only counts, and the runner's own thread
writes the count to the run (runner.watch_eval).
"""

import threading

from inspect_ai.hooks import BeforeModelGenerate, Hooks, SampleEnd, hooks
from inspect_ai.util import LimitExceededError


class RunProgress:
    """A thread-safe count of finished samples and a cancel flag."""

    def __init__(self):
        self._lock = threading.Lock()
        self.done = 0
        self.cancelled = threading.Event()

    def sample_finished(self) -> None:
        with self._lock:
            self.done += 1


_current: RunProgress | None = None


def track(progress: RunProgress | None) -> None:
    """Send the hook's counts to `progress` (None stops)."""
    global _current
    _current = progress


@hooks(name="aikb_run_progress", description="Counts finished samples for the reproduction run in progress.")
class RunProgressHooks(Hooks):
    async def on_sample_end(self, data: SampleEnd) -> None:
        if _current is not None:
            _current.sample_finished()

    async def on_before_model_generate(self, data: BeforeModelGenerate) -> None:
        # A cancelled run stops generating: each remaining sample ends at its
        # next model call as if it had hit a limit (Inspect lets only limit
        # errors out of hooks).
        if _current is not None and _current.cancelled.is_set():
            raise LimitExceededError("custom", value=1, limit=0, message="The run was cancelled.")
