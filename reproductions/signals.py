"""A model newly registered for a harness is scheduled at once (the
models × harnesses matrix), on the default queue, after the commit."""

from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

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
    transaction.on_commit(lambda: schedule_reproductions.delay(harness_ids=harness_ids, model_ids=model_ids))
