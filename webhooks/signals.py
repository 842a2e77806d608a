"""Public changes become webhook events once their transaction commits.

Each receiver only notes what changed and registers a commit callback;
the callback reads the committed rows (links saved after the incident
included, as the admin saves them) and webhooks.events decides whether the
public may see it. A rolled-back change sends nothing, and a failure here is logged, never
turned into an error for the request whose change already committed. Raw saves (loaddata)
are skipped: loading fixtures is not news.
"""

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from incidents.models import ClaimStatusChange, Incident
from incidents.visibility import PUBLIC_FIELDS
from reproductions.models import Verdict

from . import events


@receiver(pre_save, sender=Incident)
def remember_whether_public(sender, instance, raw=False, **kwargs):
    """Whether the incident was public before this save (as stored, in this
    transaction): its first public version is `incident.created`."""
    if raw:
        return
    instance._webhooks_was_public = bool(
        instance.pk and Incident.objects.filter(pk=instance.pk, **PUBLIC_FIELDS).exists()
    )


@receiver(post_save, sender=Incident)
def incident_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    incident_id, was_public = instance.pk, getattr(instance, "_webhooks_was_public", False)
    transaction.on_commit(lambda: events.incident_saved(incident_id, was_public), robust=True)


@receiver(post_save, sender=ClaimStatusChange)
def claim_status_changed(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        change_id = instance.pk
        transaction.on_commit(lambda: events.claim_status_changed(change_id), robust=True)


@receiver(post_save, sender=Verdict)
def verdict_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        verdict_id = instance.pk
        transaction.on_commit(lambda: events.verdict_created(verdict_id), robust=True)
