"""Keep each incident's stored search vector current, whoever writes it.

Raw saves (loaddata) are skipped: the fixture loader refreshes every vector
once after loading.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Evidence, Incident
from .search import refresh_search_vectors


def _refresh_after_commit(incident_id):
    # The save or delete that calls this starts a new data generation itself
    # (incidents.generations follows both models), after this refresh: its
    # receiver comes later, and so does its commit callback. One generation
    # per change: a second, milliseconds later, made every page read in
    # between be rendered twice (figures: docs/benchmarks.md, spikes).
    transaction.on_commit(lambda: refresh_search_vectors([incident_id], new_generation=False))


@receiver(post_save, sender=Incident)
def incident_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_after_commit(instance.pk)


@receiver(post_save, sender=Evidence)
@receiver(post_delete, sender=Evidence)
def evidence_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_after_commit(instance.incident_id)
