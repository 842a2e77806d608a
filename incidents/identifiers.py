"""Public identifiers (AIKB-YYYY-NNNN): handed out once per incident, never reused or changed.

Called from Incident.save; the models are looked up through the app
registry, so this module and incidents.models do not import each other.
"""

import re

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

PUBLIC_ID_PATTERN = r"^AIKB-\d{4}-\d{4,}$"
# Checked before querying, so odd path text (a NUL byte, 10 kB) is a plain 404.
PUBLIC_ID_RE = re.compile(PUBLIC_ID_PATTERN)


def format_public_id(year: int, number: int) -> str:
    return f"AIKB-{year:04d}-{number:04d}"


def assign_public_id(incident) -> None:
    """Give a new incident the next free identifier of the year it was first reported."""
    Incident = type(incident)
    PublicIdCounter = apps.get_model("incidents", "PublicIdCounter")

    year = (incident.reported_on or incident.occurred_on or timezone.now().date()).year
    with transaction.atomic():
        counter, _ = PublicIdCounter.objects.select_for_update().get_or_create(year=year)
        number = counter.last_number + 1
        # Identifiers loaded from fixtures or imports bypass the counter; skip past them.
        while Incident.objects.filter(public_id=format_public_id(year, number)).exists():
            number += 1
        counter.last_number = number
        counter.save(update_fields=["last_number"])
    incident.public_id = format_public_id(year, number)


def ensure_public_id_unchanged(incident) -> None:
    if incident.pk is None:
        return
    stored = type(incident).objects.filter(pk=incident.pk).values_list("public_id", flat=True).first()
    if stored is not None and stored != incident.public_id:
        raise ValidationError({"public_id": f"The public identifier {stored} is permanent and cannot be changed."})
