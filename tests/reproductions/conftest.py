import pytest
import redis
from django.conf import settings

from reproductions import services
from reproductions.models import ReproductionRun
from reproductions.services import snapshot_reference
from tests.reproductions.factories import HarnessMetricFactory, MockModelFactory, RunFactory, published_figure
from tests.reproductions.workers import REDIS_URL, Worker


@pytest.fixture
def queued_run(db):
    """A queued run of the emergent misalignment task on the mock model,
    judged by the mock judge, mapped to a percent metric of a claim about
    the mock model's AI system, which published 50% of 100 for it."""

    def make(model=None, published=None, **harness_fields):
        mapping = HarnessMetricFactory(**{f"harness__{k}": v for k, v in harness_fields.items()})
        model = model or MockModelFactory()
        if model.system_id:
            published_figure(mapping, model.system, **(published or {}))
        mapping.harness.eval_models.add(model)
        return RunFactory(harness=mapping.harness, model=model, reference=snapshot_reference(mapping.harness, model))

    return make


@pytest.fixture(scope="module")
def broker():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"No Redis at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def to_redis(broker, monkeypatch):
    """Runs queued by this process go to the test broker."""
    from config.celery import app

    def enqueue(task, run_id):
        with app.connection_for_write(REDIS_URL, transport_options={}) as conn:
            result = task.apply_async((run_id,), connection=conn)
        ReproductionRun.objects.filter(pk=run_id).update(celery_task_id=result.id or "")

    monkeypatch.setattr(services, "_enqueue", enqueue)


@pytest.fixture
def start_worker(to_redis, tmp_path):
    """Start workers with their own environment; all killed afterwards."""
    workers = []

    def start(**env):
        worker = Worker(tmp_path / f"worker-{len(workers)}.log", settings.MEDIA_ROOT, **env)
        workers.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
