import pytest

from reproductions.services import snapshot_reference
from tests.reproductions.factories import HarnessMetricFactory, MockModelFactory, RunFactory


@pytest.fixture
def queued_run(db):
    """A queued run of the emergent misalignment task on the mock model,
    judged by the mock judge, mapped to a percent metric of a claim."""

    def make(model=None, **harness_fields):
        mapping = HarnessMetricFactory(**{f"harness__{k}": v for k, v in harness_fields.items()})
        model = model or MockModelFactory()
        mapping.harness.eval_models.add(model)
        return RunFactory(harness=mapping.harness, model=model, reference=snapshot_reference(mapping.harness, model))

    return make
