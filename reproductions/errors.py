"""Why a run ends as failed: each carries the message a person reads."""


class RunFailed(Exception):
    """The run could not complete; the message says why."""


class RunRefused(RunFailed):
    """The worker refused to start: the task, arguments, version or weights
    differ from the reference, or cannot be found."""


class ScoreMissing(RunFailed):
    """The Inspect log lacks a score or metric the harness maps to a metric."""
