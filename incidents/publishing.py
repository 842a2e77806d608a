"""Publishing, and changing what the public reads, is an editor's act.

One permission decides it, `incidents.publish_incident` (editors and
administrators hold it). Without it, a writer (a contributor, in the admin
or through the API):

- may create entries only as drafts, and may not publish one or withdraw
  it (`is_published` is the editor's to set);
- may not change a public entry, nor add, change or remove its claims,
  evidence, measurements or links: what the public reads changes only by
  an editor, or by a reproduction verdict (reproductions.results). A
  contributor proposes such a change through a submission (/submit/),
  which an editor accepts;
- works freely on drafts, which nobody else can read.

A claim's status changes only with a reason, whoever changes it
(incidents.services.change_claim_status refuses a blank one).

`check_write` is the one place the rule is applied; the admin and the
API's serializers call it with the entries a write touches, before and
after, and show its message.

What a published entry must hold is `check_publishable`: the seven
mandatory criteria of the OECD common reporting framework (incidents.oecd,
incidents.completeness.publish_problems). It applies to an editor's act of
publishing (an admin form or an API write that turns `is_published` on, or
creates a published entry); importers, fixtures (load_curated) and dataset
imports are not checked, and their entries are listed with what they lack.
Editing an entry that is already public is never refused for a missing
criterion.
"""

from django.core.exceptions import PermissionDenied, ValidationError

from .completeness import missing_for_publication, missing_summary
from .models import Evidence, Incident

PUBLISH = "incidents.publish_incident"

PUBLIC_ENTRY = (
    "{entry} is public: only an editor can change what the public reads. Propose the change through "
    "/submit/ or ask an editor."
)
NOT_YOURS_TO_PUBLISH = "Only an editor can publish an entry or withdraw it; save it as a draft (is_published false)."


def may_publish(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PUBLISH))


def may_change(user, incident) -> bool:
    """Whether `user` may change `incident` and its parts: a draft (or a new
    entry, None) is any writer's, a public one an editor's."""
    return incident is None or not incident.is_published or may_publish(user)


def check_write(user, *, incidents=(), publishes: bool = False) -> None:
    """Raise PermissionDenied, with the reason in words, when `user` may not
    make a write that touches `incidents` (each as stored before the write,
    and as it will be: None for a new one) or that sets or changes
    `is_published` (`publishes`)."""
    if publishes and not may_publish(user):
        raise PermissionDenied(NOT_YOURS_TO_PUBLISH)
    for incident in incidents:
        if not may_change(user, incident):
            raise PermissionDenied(PUBLIC_ENTRY.format(entry=f"{incident.public_id or 'This entry'}"))


def stored_version(incident_id):
    """An incident as stored, before the write in hand (None for a new one):
    whether it is public is read from here, not from the edited copy."""
    if incident_id is None:
        return None
    return Incident.objects.filter(pk=incident_id).only("pk", "public_id", "is_published").first()


def stored_incident(instance):
    """The incident a stored claim, evidence or measurement belongs to
    before a write (None for a new one)."""
    if instance is None or instance.pk is None:
        return None
    return stored_version(type(instance).objects.filter(pk=instance.pk).values_list("incident_id", flat=True).first())


def publishes(incident, stored) -> bool:
    """Whether saving `incident` (as edited) publishes it: it is published
    and was not (`stored` as stored before the write, None for a new entry)."""
    return bool(incident.is_published) and (stored is None or not stored.is_published)


def check_publishable(incident, stored, has_evidence: bool | None = None) -> None:
    """Raise ValidationError({"is_published": message}) when this write
    publishes `incident` and it lacks a mandatory OECD criterion; the message
    names each one and where to fill it in. `has_evidence` None reads the
    stored evidence (none for a new entry)."""
    if not publishes(incident, stored):
        return
    if has_evidence is None:
        has_evidence = incident.pk is not None and Evidence.objects.filter(incident_id=incident.pk).exists()
    missing = missing_for_publication(incident, has_evidence=has_evidence)
    if missing:
        raise ValidationError({"is_published": missing_summary(missing)})
