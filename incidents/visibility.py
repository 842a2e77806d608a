"""What the public may see: one rule, in one place.

An incident is public when it is published and not merged into another.
Everything else the public reads hangs off public incidents: claims,
evidence, figures and relations of a public incident; organisations, AI
systems and sources not named by hidden incidents alone; measurements that
are data (not pipeline checks) of public incidents. Pages, the API, feeds,
PDFs, digests, exports and the partial indexes of incidents.models all
take the rule from here.

A merged entry's address follows the merge to its survivor
(`resolve_public_id`); the dataset export keeps merged entries so their
addresses keep redirecting after a move (`IN_DATASET`).

Models are looked up through the app registry, so incidents.models can use
the conditions below for its indexes without the two importing each other.
"""

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from .identifiers import PUBLIC_ID_RE

MAX_MERGE_HOPS = 10


# The rule, as field lookups on an incident.
PUBLIC_FIELDS = {"is_published": True, "merged_into__isnull": True}


def public_q(prefix: str = "") -> Q:
    """The rule as a condition, on an incident or through a relation to one
    (`public_q("claim__incident")`)."""
    at = f"{prefix}__" if prefix else ""
    return Q(**{f"{at}{lookup}": value for lookup, value in PUBLIC_FIELDS.items()})


def hidden_q() -> Q:
    """Its negation, for the few incidents the public may not see (drafts and merged entries)."""
    return Q(is_published=False) | Q(merged_into__isnull=False)


def in_dataset_q(prefix: str = "") -> Q:
    """What the dataset export holds: published entries, and entries merged
    into published ones (so their public ids keep redirecting after a move)."""
    at = f"{prefix}__" if prefix else ""
    return Q(**{f"{at}is_published": True}) | Q(**{f"{at}merged_into__is_published": True})


PUBLIC = public_q()
HIDDEN = hidden_q()
IN_DATASET = in_dataset_q()


def _incident_model():
    return apps.get_model("incidents", "Incident")


def public_incidents():
    """Incidents the public may see."""
    return _incident_model().objects.filter(PUBLIC)


def hidden_incident_ids():
    """The ids of the incidents the public may not see (a subquery). Rows
    that hang off incidents are kept public by excluding these few ids
    (served from the partial index incident_hidden) rather than by joining
    each row to its incident."""
    return _incident_model().objects.filter(HIDDEN).values("pk")


def is_public(incident) -> bool:
    return bool(incident.is_published and not incident.merged_into_id)


def resolve_public_id(public_id: str, include_drafts: bool = False):
    """The incident at `public_id` for a reader: its survivor when it was
    merged (followed through chains), 404 when the id is malformed (a NUL
    byte included), unknown, or not public (unless `include_drafts`, for
    editors)."""
    if not PUBLIC_ID_RE.match(public_id or ""):
        raise Http404("No such incident.")
    fields = ("pk", "public_id", "is_published", "merged_into_id")
    Incident = _incident_model()
    incident = Incident.objects.filter(public_id=public_id).only(*fields).first()
    hops = 0
    while incident is not None and incident.merged_into_id and hops < MAX_MERGE_HOPS:
        incident = Incident.objects.only(*fields).get(pk=incident.merged_into_id)
        hops += 1
    if incident is None or incident.merged_into_id or not (incident.is_published or include_drafts):
        raise Http404("No such incident.")
    return incident


def _not_only_in_hidden(links, field: str) -> Q:
    """Entities not named by hidden incidents alone: linked to a public one,
    or to none at all (an entity recorded on its own)."""
    linked = links.filter(**{field: OuterRef("pk")})
    return Q(Exists(linked.filter(public_q("incident")))) | ~Q(Exists(linked))


def public_organisations():
    """Organisations the public may see (not named by drafts alone)."""
    return apps.get_model("incidents", "Organisation").objects.filter(
        _not_only_in_hidden(apps.get_model("incidents", "IncidentOrganisation").objects, "organisation")
    )


def public_systems():
    """AI systems the public may see (not named by drafts alone)."""
    return apps.get_model("incidents", "AISystem").objects.filter(
        _not_only_in_hidden(apps.get_model("incidents", "IncidentSystem").objects, "system")
    )


def with_public_developer(systems):
    """`systems` with their developer, and `developer_is_public`: whether the
    public may see that organisation. A system is named by its own incidents,
    its developer by theirs; a developer named by drafts alone is not shown
    (its page is a 404). The system index and page read it here."""
    return systems.select_related("developer").annotate(
        developer_is_public=Exists(public_organisations().filter(pk=OuterRef("developer_id")))
    )


def public_sources():
    """Sources the public may see (not quoted by drafts alone)."""
    return apps.get_model("incidents", "Source").objects.filter(
        _not_only_in_hidden(apps.get_model("incidents", "Evidence").objects, "source")
    )


def published_measurements():
    """Measurements the public sees as data: published figures and our
    re-runs, of public incidents; never pipeline checks (runs on mock,
    stand-in or CPU models, shown only on their run's page and apart on the
    incident page). Hidden incidents are left out by id (hidden_incident_ids),
    which keeps the index that lists a metric's latest values serving."""
    Measurement = apps.get_model("incidents", "Measurement")
    return Measurement.objects.exclude(incident_id__in=hidden_incident_ids()).exclude(
        purpose=Measurement.Purpose.PIPELINE_CHECK
    )
