"""A model newly registered for a harness is scheduled at once (the
models × harnesses matrix), on the default queue, after the commit; a gpu
worker loads the evaluation stack before it forks."""

from celery.signals import celeryd_after_setup, worker_ready
from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from config.queueing import send

from .models import Harness


@receiver(m2m_changed, sender=Harness.eval_models.through)
def schedule_newly_registered(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "post_add" or not pk_set:
        return
    from .tasks import schedule_reproductions

    if reverse:  # model.harnesses.add(harness, ...)
        harness_ids, model_ids = sorted(pk_set), [instance.pk]
    else:  # harness.eval_models.add(model, ...)
        harness_ids, model_ids = [instance.pk], sorted(pk_set)
    transaction.on_commit(lambda: send(schedule_reproductions, harness_ids=harness_ids, model_ids=model_ids))


@celeryd_after_setup.connect
def preload_eval_stack(sender, instance, **kwargs):
    """A worker for the gpu queue imports Inspect (and the task packages it
    registers, which takes seconds to tens of seconds) once, before its pool
    forks: every child, including one that replaces a killed child, starts
    with it loaded. No CUDA is initialised here (that must not happen
    before a fork)."""
    queues = instance.app.amqp.queues.consume_from or instance.app.amqp.queues
    if "gpu" not in queues:
        return
    try:
        from inspect_ai.model import get_model

        get_model("mockllm/model", memoize=False)  # loads every package's Inspect entry points
    except ImportError:  # a web-only install: the gpu task fails with its reason instead
        pass


@worker_ready.connect
def recover_lost_runs_at_start(sender, **kwargs):
    """A worker that starts looks for runs its predecessor left running
    (the run command stopped with Ctrl-C mid-run, a killed worker), on the
    default queue, so whichever worker takes gpu tasks restarts them."""
    from .tasks import recover_lost_runs

    send(recover_lost_runs)
