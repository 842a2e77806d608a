"""A briefing is rendered once per distinct content (the hash of its inputs)."""

import hashlib

import pytest

from briefings import services
from briefings.models import Briefing
from briefings.selectors import published_incident
from incidents.models import Incident


@pytest.fixture
def render_calls(monkeypatch):
    calls = []
    real = services.html_to_pdf

    def counting(html, *args, **kwargs):
        calls.append(html)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(services, "html_to_pdf", counting)
    return calls


def current(incident):
    return services.incident_briefing(published_incident(incident.public_id))


def test_same_content_reuses_the_stored_file_without_rendering(briefed_incident, render_calls):
    first = current(briefed_incident)
    second = current(briefed_incident)
    assert len(render_calls) == 1
    assert second.pk == first.pk
    assert second.file.name == first.file.name
    assert second.sha256 == first.sha256
    assert Briefing.objects.count() == 1


def test_changed_incident_gets_a_new_briefing_and_keeps_the_old(briefed_incident, render_calls):
    first = current(briefed_incident)
    Incident.objects.filter(pk=briefed_incident.pk).update(summary="A corrected summary after new reporting.")
    second = current(Incident.objects.get(pk=briefed_incident.pk))
    assert len(render_calls) == 2
    assert second.pk != first.pk and second.input_hash != first.input_hash
    assert second.file.name != first.file.name
    first.refresh_from_db()
    assert first.is_ready and first.file.storage.exists(first.file.name)


def test_changed_evidence_changes_the_hash(briefed_incident):
    incident = published_incident(briefed_incident.public_id)
    before = services.input_hash(services.incident_briefing_html(incident))
    evidence = incident.claims.get(position=1).evidence.get()
    evidence.quote = "a different quote"
    evidence.save()
    after = services.input_hash(services.incident_briefing_html(published_incident(briefed_incident.public_id)))
    assert before != after


def test_stored_briefing_records_hash_pages_size_and_time(briefed_incident):
    briefing = current(briefed_incident)
    data = briefing.file.read()
    assert briefing.sha256 == hashlib.sha256(data).hexdigest()
    assert briefing.size_bytes == len(data)
    assert 1 <= briefing.page_count <= 4
    assert briefing.render_seconds > 0 and briefing.rendered_at is not None
    assert len(briefing.input_hash) == 64 and briefing.input_hash in briefing.file.name


def test_rendering_twice_by_id_renders_once(briefed_incident, render_calls):
    incident = published_incident(briefed_incident.public_id)
    queued = services.briefing_for_html(Briefing.Kind.INCIDENT, services.incident_briefing_html(incident), "t", incident)
    assert queued.status == Briefing.Status.QUEUED
    services.render_briefing(queued.pk)
    again = services.render_briefing(queued.pk)
    assert again.is_ready and len(render_calls) == 1


def test_render_error_is_recorded_with_its_reason(briefed_incident, monkeypatch):
    def broken(html, *args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(services, "html_to_pdf", broken)
    briefing = current(briefed_incident)
    assert briefing.status == Briefing.Status.FAILED
    assert "could not be rendered" in briefing.error and "layout exploded" in briefing.error
    assert not briefing.file
