"""Which changes become events (public ones only, once each, after the
commit), what they carry, and which subscriptions receive them."""

import pytest
from django.db import transaction

from incidents.services import change_claim_status
from reproductions.models import Harness, ReproductionRun, Verdict
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    OrganisationFactory,
    TaxonomyTermFactory,
)
from webhooks.models import Delivery, Event, EventType

pytestmark = pytest.mark.django_db

ALL = EventType.values


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the block, then its commit callbacks (as a real commit would)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def events_of(event_type=None):
    events = Event.objects.order_by("created")
    return list(events.filter(type=event_type) if event_type else events)


def verdict_for(claim, purpose=ReproductionRun.Purpose.REPRODUCTION):
    harness = Harness.objects.create(name=f"Harness {claim.pk} {purpose}", slug=f"harness-{claim.pk}-{purpose}")
    run = ReproductionRun.objects.create(harness=harness, status="succeeded", purpose=purpose)
    return Verdict.objects.create(run=run, claim=claim, outcome="consistent", reason="Within the margin.")


def test_a_new_published_incident_is_an_incident_created_event(subscribe, sent, commit, settings):
    subscription = subscribe("https://hooks.example/", events=[EventType.INCIDENT_CREATED])
    with commit():
        incident = IncidentFactory()
        link = IncidentOrganisationFactory(incident=incident)  # saved after the incident, as the admin does
    [event] = events_of()
    assert event.type == "incident.created" and event.id.startswith("msg_")
    assert event.payload["type"] == "incident.created" and event.payload["timestamp"].endswith("Z")
    data = event.payload["data"]["incident"]
    assert data["public_id"] == incident.public_id
    assert data["organisations"] == [link.organisation.slug]
    assert data["url"] == f"{settings.SITE_URL}/incidents/{incident.public_id}/"
    assert data["api_url"] == f"{settings.SITE_URL}/api/v1/incidents/{incident.public_id}/"
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.subscription, delivery.status) == (event, subscription, "pending")
    assert sent == [delivery.pk]


def test_saving_a_public_incident_again_is_an_incident_updated_event(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    incident = IncidentFactory()
    with commit():
        incident.title = "Agent opened a reverse SSH tunnel"
        incident.save()
    [event] = events_of()
    assert event.type == "incident.updated"
    assert event.payload["data"]["incident"]["title"] == "Agent opened a reverse SSH tunnel"


def test_publishing_a_draft_is_an_incident_created_event(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    draft = IncidentFactory(is_published=False)
    with commit():
        draft.is_published = True
        draft.save()
    assert [e.type for e in events_of()] == ["incident.created"]


def test_drafts_never_make_events(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    with commit():
        draft = IncidentFactory(is_published=False)
        draft.title = "Still a draft"
        draft.save()
        claim = ClaimFactory(incident=draft, status="supported")
        change_claim_status(claim, "contested", reason="A second lab could not see it.")
        verdict_for(claim)
    assert events_of() == [] and Delivery.objects.count() == 0 and sent == []


def test_a_merged_entry_makes_no_event(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    survivor, duplicate = IncidentFactory(), IncidentFactory()
    with commit():
        duplicate.merged_into = survivor
        duplicate.save()
    assert events_of() == []


def test_one_event_per_change_however_many_saves_in_its_transaction(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    with commit():
        incident = IncidentFactory()
        incident.summary = "Rewritten in the same transaction."
        incident.save()
        incident.save()
    [event] = events_of()
    assert event.type == "incident.created"
    assert event.payload["data"]["incident"]["title"] == incident.title
    assert Delivery.objects.count() == 1


def test_a_rolled_back_change_makes_no_event(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    incident = IncidentFactory()
    with commit():
        with pytest.raises(RuntimeError), transaction.atomic():
            incident.title = "Never committed"
            incident.save()
            raise RuntimeError("rolled back")
    assert events_of() == []


def test_a_claim_status_change_is_an_event_with_from_to_and_reason(subscribe, sent, commit, settings):
    subscribe("https://hooks.example/", events=[EventType.CLAIM_STATUS_CHANGED])
    claim = ClaimFactory(status="supported")
    with commit():
        change_claim_status(claim, "contested", reason="A second lab could not see it.")
    [event] = events_of()
    data = event.payload["data"]
    assert event.type == "claim.status_changed"
    assert (data["from_status"], data["to_status"], data["reason"]) == ("supported", "contested",
                                                                       "A second lab could not see it.")
    assert data["claim"]["id"] == claim.pk and data["claim"]["status"] == "contested"
    assert data["claim"]["url"] == f"{settings.SITE_URL}/incidents/{claim.incident.public_id}/#claim-{claim.pk}"
    assert data["incident"]["public_id"] == claim.incident.public_id


def test_a_reproduction_verdict_is_an_event(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=[EventType.VERDICT_CREATED])
    claim = ClaimFactory()
    with commit():
        verdict = verdict_for(claim)
    [event] = events_of()
    data = event.payload["data"]
    assert event.type == "verdict.created"
    assert data["verdict"]["id"] == verdict.pk and data["verdict"]["outcome"] == "consistent"
    assert data["run"]["id"] == verdict.run_id and data["claim"]["id"] == claim.pk


def test_a_pipeline_check_is_never_sent_as_data(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL)
    claim = ClaimFactory()
    with commit():
        verdict_for(claim, purpose=ReproductionRun.Purpose.PIPELINE_CHECK)
    assert events_of() == []


def test_nothing_is_stored_when_nobody_subscribed(sent, commit):
    with commit():
        IncidentFactory()
    assert events_of() == []


def test_subscriptions_receive_only_the_event_types_they_asked_for(subscribe, sent, commit):
    verdicts_only = subscribe("https://a.example/", events=[EventType.VERDICT_CREATED])
    status_changes = subscribe("https://b.example/", events=[EventType.CLAIM_STATUS_CHANGED])
    claim = ClaimFactory(status="supported")
    with commit():
        change_claim_status(claim, "refuted", reason="Retracted by its authors.")
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [status_changes.pk]
    assert not verdicts_only.deliveries.exists()


def test_paused_subscriptions_receive_nothing(subscribe, sent, commit):
    subscribe("https://hooks.example/", events=ALL, is_active=False)
    with commit():
        IncidentFactory()
    assert Delivery.objects.count() == 0


def test_an_organisation_filter_keeps_other_organisations_incidents_out(subscribe, sent, commit):
    alibaba, anthropic = OrganisationFactory(slug="alibaba"), OrganisationFactory(slug="anthropic")
    about_alibaba = subscribe("https://a.example/")
    about_alibaba.organisations.add(alibaba)
    about_either = subscribe("https://b.example/")
    about_either.organisations.add(alibaba, anthropic)
    about_anthropic = subscribe("https://c.example/")
    about_anthropic.organisations.add(anthropic)
    everything = subscribe("https://d.example/")
    with commit():
        incident = IncidentFactory()
        IncidentOrganisationFactory(incident=incident, organisation=alibaba)
    receivers = set(Delivery.objects.values_list("subscription", flat=True))
    assert receivers == {about_alibaba.pk, about_either.pk, everything.pk}


def test_system_and_taxonomy_filters_must_all_match_and_a_term_covers_narrower_ones(subscribe, sent, commit):
    system, other_system = AISystemFactory(), AISystemFactory()
    safety = TaxonomyTermFactory(slug="ai-system-safety")
    own_goals = TaxonomyTermFactory(slug="pursuing-own-goals", parent=safety)
    privacy = TaxonomyTermFactory(slug="privacy")
    broad = subscribe("https://a.example/")
    broad.taxonomy.add(safety)
    narrow_other = subscribe("https://b.example/")
    narrow_other.taxonomy.add(privacy)
    both = subscribe("https://c.example/")
    both.taxonomy.add(safety)
    both.systems.add(system)
    wrong_system = subscribe("https://d.example/")
    wrong_system.taxonomy.add(safety)
    wrong_system.systems.add(other_system)
    with commit():
        incident = IncidentFactory()
        IncidentSystemFactory(incident=incident, system=system)
        incident.taxonomy.add(own_goals)
    receivers = set(Delivery.objects.values_list("subscription", flat=True))
    assert receivers == {broad.pk, both.pk}


def test_claim_and_verdict_events_are_filtered_by_their_incident(subscribe, sent, commit):
    alibaba = OrganisationFactory()
    about_alibaba = subscribe("https://a.example/")
    about_alibaba.organisations.add(alibaba)
    everything = subscribe("https://b.example/")
    claim = ClaimFactory(status="supported")  # an incident that names no organisation
    with commit():
        change_claim_status(claim, "contested", reason="Disputed.")
        verdict_for(claim)
    assert set(Delivery.objects.values_list("subscription", flat=True)) == {everything.pk}
    assert Delivery.objects.count() == 2
