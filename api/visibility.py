"""Who sees which incidents: anonymous readers and tokens without editing
rights see the public ones (published, not merged away, as on the website);
editors (change_incident permission) also see drafts and merged entries."""

from incidents.models import Incident
from incidents.visibility import public_incidents


def can_see_drafts(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("incidents.change_incident"))


def visible_incidents(user):
    return Incident.objects.all() if can_see_drafts(user) else public_incidents()
