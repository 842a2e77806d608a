"""Public changes as webhook events, and who receives each.

Four kinds of change make an event, each read once its transaction has
committed (webhooks.signals), and only what the public may read
(incidents.visibility):

- `incident.created`: an incident becomes public (saved published, or a
  draft published); `incident.updated`: a public incident is saved again.
  Drafts and merged entries make none. One event per committed version of
  the incident, however many times one transaction saved it.
- `claim.status_changed`: a claim of a public incident moves
  (incidents.ClaimStatusChange), with from, to and the reason.
- `verdict.created`: a reproduction verdict the public may read
  (reproductions.selectors.public_verdicts) of a run whose purpose is
  *reproduction*; a pipeline check is never sent as data.

The body follows Standard Webhooks: `{"type", "timestamp", "data"}`, with
public fields and public addresses only. A subscription receives an event
when it asked for its type and its filters match the incident: each kind
of filter (organisations, AI systems, taxonomy terms) is met by any one of
its values, a taxonomy term also by the terms below it
(incidents.taxonomy), and every kind given must be met.
"""

import datetime
import json

from celery import signature
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config.queueing import send
from incidents.models import ClaimStatusChange, Incident, TaxonomyTerm
from incidents.taxonomy import subtrees
from incidents.visibility import is_public, public_incidents
from reproductions.models import ReproductionRun
from reproductions.selectors import public_verdicts

from .models import Delivery, Event, EventType, Subscription
from .signing import new_event_id

# Sent by name: the task module calls the delivery code, which imports this.
DELIVER = signature("webhooks.tasks.deliver")


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def incident_brief(incident: Incident) -> dict:
    return {
        "public_id": incident.public_id,
        "title": incident.title,
        "kind": incident.kind,
        "status": incident.status,
        "severity": incident.severity,
        "url": _absolute(incident.get_absolute_url()),
        "api_url": _absolute(reverse("api:incident-detail", args=[incident.public_id])),
    }


def incident_data(incident: Incident) -> dict:
    return {
        "incident": {
            **incident_brief(incident),
            "summary": incident.summary,
            "setting": incident.setting,
            "occurred_on": _iso(incident.occurred_on),
            "occurred_precision": incident.occurred_precision,
            "reported_on": _iso(incident.reported_on),
            "reported_precision": incident.reported_precision,
            "organisations": sorted(incident.organisations.values_list("slug", flat=True)),
            "systems": sorted(incident.systems.values_list("slug", flat=True)),
            "taxonomy": sorted(incident.taxonomy.values_list("slug", flat=True)),
            "created": _iso(incident.created),
            "updated": _iso(incident.updated),
        }
    }


def claim_brief(claim) -> dict:
    return {
        "id": claim.pk,
        "statement": claim.statement,
        "status": claim.status,
        "url": _absolute(f"{claim.incident.get_absolute_url()}#claim-{claim.pk}"),
        "api_url": _absolute(reverse("api:claim-detail", args=[claim.pk])),
    }


def claim_status_data(change: ClaimStatusChange) -> dict:
    claim = change.claim
    return {
        "incident": incident_brief(claim.incident),
        "claim": claim_brief(claim),
        "from_status": change.from_status or None,
        "to_status": change.to_status,
        "reason": change.reason,
        "changed_at": _iso(change.changed_at),
        "verdict": change.verdict_id,
    }


def verdict_data(verdict) -> dict:
    measurement = verdict.measurement
    run = verdict.run
    return {
        "incident": incident_brief(verdict.claim.incident),
        "claim": claim_brief(verdict.claim),
        "verdict": {
            "id": verdict.pk,
            "outcome": verdict.outcome,
            "reason": verdict.reason,
            "metric": measurement.metric.slug if measurement else None,
            "system": measurement.system.slug if measurement and measurement.system else None,
            "value": measurement.value if measurement else None,
            "lower": measurement.lower if measurement else None,
            "upper": measurement.upper if measurement else None,
            "sample_size": measurement.sample_size if measurement else None,
            "published_value": verdict.published_value,
            "published_sample_size": verdict.published_sample_size,
            "difference": verdict.difference,
            "difference_lower": verdict.difference_lower,
            "difference_upper": verdict.difference_upper,
            "margin": verdict.margin,
            "method": verdict.method,
            "created": _iso(verdict.created),
        },
        "run": {
            "id": run.pk,
            "harness": run.harness.slug,
            "url": _absolute(run.get_absolute_url()),
            "api_url": _absolute(reverse("api:run-detail", args=[run.pk])),
        },
    }


def event_body(event: Event) -> bytes:
    """The exact bytes sent for `event`, the same on every attempt: one
    canonical form (keys sorted, no spaces, UTF-8), whatever order the
    database returns the stored JSON's keys in."""
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- who receives an event


def _filter_ids(subscriptions, relation: str) -> dict[int, set]:
    through = getattr(Subscription, relation).through
    column = {"organisations": "organisation_id", "systems": "aisystem_id", "taxonomy": "taxonomyterm_id"}[relation]
    found: dict[int, set] = {}
    for subscription_id, value in through.objects.filter(subscription__in=subscriptions).values_list(
        "subscription_id", column
    ):
        found.setdefault(subscription_id, set()).add(value)
    return found


def matching_subscriptions(event_type: str, incident: Incident) -> list[Subscription]:
    """The active subscriptions that asked for `event_type` and whose
    filters match `incident` (see the module docstring), in a fixed number
    of queries whatever the number of subscriptions."""
    candidates = list(Subscription.objects.filter(is_active=True, events__contains=[event_type]).only("pk"))
    if not candidates:
        return []
    ids = [s.pk for s in candidates]
    by_org = _filter_ids(ids, "organisations")
    by_system = _filter_ids(ids, "systems")
    by_term = _filter_ids(ids, "taxonomy")
    incident_orgs = set(incident.organisation_links.values_list("organisation_id", flat=True))
    incident_systems = set(incident.system_links.values_list("system_id", flat=True))
    incident_terms = set(incident.taxonomy.values_list("pk", flat=True))
    # A subscribed term matches the incident's terms and every term below it.
    wanted_terms = set().union(*by_term.values()) if by_term else set()
    covered = {}
    if wanted_terms:
        slugs = dict(TaxonomyTerm.objects.filter(pk__in=wanted_terms).values_list("pk", "slug"))
        trees = subtrees(list(slugs.values()))
        covered = {pk: set(trees.get(slug, {}).get("ids", [pk])) for pk, slug in slugs.items()}

    def matches(subscription_id: int) -> bool:
        orgs, systems, terms = (by_org.get(subscription_id), by_system.get(subscription_id),
                                by_term.get(subscription_id))
        if orgs and not orgs & incident_orgs:
            return False
        if systems and not systems & incident_systems:
            return False
        if terms and not any(covered.get(term, {term}) & incident_terms for term in terms):
            return False
        return True

    return [s for s in candidates if matches(s.pk)]


def record_event(event_type: str, key: str, data: dict, subscriptions) -> Event | None:
    """Store the event (once per `key`) and one pending delivery per
    subscription, and send each delivery to a worker after the commit (or,
    when the broker is down, let `send_due` pick it up within a minute).
    Returns None when an event with this key already exists, or when no
    subscription wants it (nothing is stored then)."""
    subscriptions = list(subscriptions)
    if not subscriptions:
        return None
    now = timezone.now()
    payload = {"type": event_type, "timestamp": _iso(now), "data": data}
    try:
        with transaction.atomic():
            event = Event.objects.create(id=new_event_id(), type=event_type, key=key, payload=payload)
            deliveries = Delivery.objects.bulk_create(
                [Delivery(event=event, subscription=s, next_attempt_at=now) for s in subscriptions]
            )
    except IntegrityError:
        return None  # the same change, reported again
    for delivery in deliveries:
        dispatch_on_commit(delivery.pk)
    return event


def dispatch_on_commit(delivery_id: int) -> None:
    """Send the delivery to a worker once the transaction commits, and note
    that a task is on its way (send_due then leaves it alone for a while)."""

    def publish():
        if send(DELIVER, delivery_id):
            Delivery.objects.filter(pk=delivery_id).update(dispatched_at=timezone.now())

    transaction.on_commit(publish)


# --- the changes (called once their transaction has committed)


def incident_saved(incident_id: int, was_public: bool) -> Event | None:
    incident = public_incidents().filter(pk=incident_id).first()
    if incident is None:
        return None  # a draft, withdrawn or merged: nothing public changed
    event_type = EventType.INCIDENT_UPDATED if was_public else EventType.INCIDENT_CREATED
    return record_event(
        event_type, f"incident:{incident.pk}:{incident.updated.isoformat()}", incident_data(incident),
        matching_subscriptions(event_type, incident),
    )


def claim_status_changed(change_id: int) -> Event | None:
    change = ClaimStatusChange.objects.select_related("claim__incident").filter(pk=change_id).first()
    if change is None or not is_public(change.claim.incident):
        return None
    event_type = EventType.CLAIM_STATUS_CHANGED
    return record_event(
        event_type, f"claim-status-change:{change.pk}", claim_status_data(change),
        matching_subscriptions(event_type, change.claim.incident),
    )


def verdict_created(verdict_id: int) -> Event | None:
    verdict = (
        public_verdicts()
        .filter(pk=verdict_id, run__purpose=ReproductionRun.Purpose.REPRODUCTION)
        .select_related("claim__incident", "run__harness", "measurement__metric", "measurement__system")
        .first()
    )
    if verdict is None:
        return None  # a pipeline check, or about a draft
    event_type = EventType.VERDICT_CREATED
    return record_event(
        event_type, f"verdict:{verdict.pk}", verdict_data(verdict),
        matching_subscriptions(event_type, verdict.claim.incident),
    )
