import pytest


@pytest.fixture
def editor(user_with_role):
    return user_with_role("editor")


@pytest.fixture
def clock(monkeypatch):
    """The time every save records (timestamps and revisions), moved on by hand."""
    import datetime

    class Clock:
        now = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=datetime.timezone.utc)

        def __call__(self):
            return self.now

        def tick(self, **delta):
            self.now += datetime.timedelta(**(delta or {"minutes": 5}))

    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


@pytest.fixture
def make_run(db):
    """A finished reproduction run (or pipeline check) of a harness made for it."""
    from itertools import count

    from reproductions.models import Harness, ReproductionRun

    numbers = count(1)

    def make(purpose="reproduction"):
        n = next(numbers)
        harness = Harness.objects.create(name=f"Change log harness {n}", slug=f"change-log-harness-{n}")
        return ReproductionRun.objects.create(harness=harness, status="succeeded", purpose=purpose)

    return make
