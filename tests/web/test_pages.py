"""Every public page type renders what the issue asks of it."""

import datetime
import hashlib
import re

import pytest
from django.core.files.base import ContentFile

from incidents.confidence import confidence_of
from incidents.models import ClaimStatusChange, Incident, Measurement, TaxonomyTerm
from incidents.search import refresh_search_vectors
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    MetricFactory,
    OrganisationFactory,
    SourceFactory,
    TaxonomyTermFactory,
)
from tests.web.conftest import make_verdict

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# Home


def test_home_shows_recent_and_severe_incidents_status_changes_and_key_metrics(client):
    IncidentFactory(title="A mild glitch", severity=1, reported_on=datetime.date(2025, 12, 30))
    grave = IncidentFactory(title="A grave failure", severity=5, reported_on=datetime.date(2024, 1, 1))
    IncidentFactory(title="Hidden draft", is_published=False)
    claim = ClaimFactory(incident=grave, statement="Models chose blackmail 96% of the time.")
    ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="supported", reason="Paper read.")
    metric = MetricFactory(name="Blackmail rate", slug="blackmail-rate")
    MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=grave, claim=claim), claim=claim, value=96.0)

    page = html(client.get("/"))
    recent = page.split('id="recent-heading"')[1].split("</section>")[0]
    severe = page.split('id="severe-heading"')[1].split("</section>")[0]
    assert recent.index("A mild glitch") < recent.index("A grave failure")
    assert severe.index("A grave failure") < severe.index("A mild glitch")
    assert "Hidden draft" not in page
    assert "Models chose blackmail 96% of the time." in page
    assert "Key metrics at a glance" in page and "Blackmail rate" in page
    assert "<strong>96%</strong>" in page
    assert "2 published entries" in page


def test_home_works_with_no_data(client):
    page = html(client.get("/"))
    assert "No incidents are published yet." in page
    assert "No measurements are published yet." in page


# Incident page


@pytest.fixture
def full_incident(rich_incident):
    """The rich incident plus an archived source and a reproduction verdict."""
    claim = rich_incident.claims.first()
    archived = SourceFactory(
        title="Archived technical report", archived_file=ContentFile(b"the archived words", name="report.txt")
    )
    EvidenceFactory(incident=rich_incident, claim=claim, source=archived, quote="archived words", locator="7")
    make_verdict(claim)
    return rich_incident


def test_incident_page_shows_claims_evidence_and_provenance(client, full_incident):
    page = html(client.get(full_incident.get_absolute_url()))
    assert f"<h1 id=\"incident-title\">{full_incident.title}</h1>" in page
    assert full_incident.public_id in page
    for claim in full_incident.claims.all():
        assert claim.statement in page
        assert f'id="claim-{claim.pk}"' in page
        # How sure we are of it: its level on the ladder, and who says so.
        assert f"badge--level-{confidence_of(claim).level.key}" in page
    evidence = full_incident.evidence.exclude(claim=None).first()
    assert evidence.quote in page
    assert f'href="{evidence.source.get_absolute_url()}"' in page
    assert "section 3.1" in page
    digest = hashlib.sha256(b"the archived words").hexdigest()
    assert digest in page and "Archived copy" in page


def test_incident_page_shows_charts_with_text_alternatives_and_tables(client, full_incident):
    page = html(client.get(full_incident.get_absolute_url()))
    metric = full_incident.measurements.first().metric
    svg = re.search(r"<svg[^>]*role=\"img\"[^>]*>(.*?)</svg>", page, re.S)
    assert svg, "no accessible SVG chart"
    assert f"<title id=\"metric-{metric.slug}-title\">" in svg.group(1)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg.group(1), re.S).group(1)
    assert "70%" in desc and "71%" in desc and "95% interval 60%" in desc
    assert '<table class="data-table">' in page
    assert "<caption>" in page and "values and provenance" in page


def test_incident_page_shows_reproductions_related_parties_taxonomy_and_timeline(client, full_incident):
    page = html(client.get(full_incident.get_absolute_url()))
    assert "Within tolerance of the published rate." in page  # the verdict
    related = full_incident.relations_from.first().to_incident
    assert f'href="{related.get_absolute_url()}"' in page
    for org in full_incident.organisations.all():
        assert f'href="{org.get_absolute_url()}"' in page
    for system in full_incident.systems.all():
        assert f'href="{system.get_absolute_url()}"' in page
    for term in full_incident.taxonomy.all():
        assert f'href="{term.get_absolute_url()}"' in page
    timeline = page.split('id="timeline-heading"')[1].split("</section>")[0]
    assert "Occurred" in timeline and "First reported" in timeline and "Entry created" in timeline
    assert "Last revised" in page


def test_incident_page_has_cite_box_and_briefing_link(client, full_incident, settings):
    settings.SITE_URL = "https://aikb.example.org"
    page = html(client.get(full_incident.get_absolute_url()))
    assert 'id="cite-text"' in page and 'id="cite-bibtex"' in page
    assert f"https://aikb.example.org/incidents/{full_incident.public_id}/" in page
    assert f"@misc{{{full_incident.public_id.lower()}," in page
    assert f'href="/incidents/{full_incident.public_id}/briefing.pdf"' in page
    bib = client.get(f"/incidents/{full_incident.public_id}/cite.bib")
    assert bib.status_code == 200 and bib["Content-Type"].startswith("application/x-bibtex")
    csl = client.get(f"/incidents/{full_incident.public_id}/cite.json")
    assert csl.status_code == 200 and csl.json()[0]["id"] == full_incident.public_id


def test_incident_markdown_is_rendered_and_sanitised(client):
    incident = IncidentFactory(summary="**Bold** move <script>alert(1)</script>", body="[x](javascript:alert(1))")
    page = html(client.get(incident.get_absolute_url()))
    assert "<strong>Bold</strong>" in page
    assert "alert(1)</script>" not in page
    assert "javascript:" not in page


def test_merged_incident_redirects_permanently_to_its_survivor(client):
    survivor = IncidentFactory()
    merged = IncidentFactory(merged_into=survivor)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == survivor.get_absolute_url()


def test_unpublished_incident_is_a_404_page(client):
    draft = IncidentFactory(is_published=False)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/incidents/AIKB-2025-9999/",
        "/incidents/not-an-id/",
        "/incidents/AIKB-2025-9999/cite.bib",
        "/incidents/AIKB-2025-9999/cite.json",
        "/sources/999999/",
        "/sources/99999999999999999999999/",
        "/organisations/no-such-org/",
        "/systems/no-such-system/",
        "/taxonomy/no-such-term/",
        "/metrics/no-such-metric/",
        "/no/such/page/",
    ],
)
def test_unknown_identifiers_give_the_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert 'href="/incidents/"' in page  # a way on


# The other pages


def test_source_page_lists_the_incidents_and_claims_citing_it(client, rich_incident):
    evidence = rich_incident.evidence.exclude(claim=None).first()
    hidden = IncidentFactory(is_published=False, title="Unpublished citer")
    EvidenceFactory(incident=hidden, source=evidence.source, quote="hidden quote")
    page = html(client.get(evidence.source.get_absolute_url()))
    assert evidence.source.title in page
    assert f'href="{rich_incident.get_absolute_url()}"' in page
    assert f'href="{rich_incident.get_absolute_url()}#claim-{evidence.claim_id}"' in page
    assert evidence.quote in page
    assert "Unpublished citer" not in page and "hidden quote" not in page
    assert 'id="cite-bibtex"' in page


def test_organisation_page_lists_its_incidents_and_systems(client, rich_incident):
    org = rich_incident.organisations.first()
    system = rich_incident.systems.first()
    page = html(client.get(org.get_absolute_url()))
    assert f"<h1>{org.name}</h1>" in page
    assert rich_incident.title in page
    assert f'href="{system.get_absolute_url()}"' in page
    assert f"?organisation={org.slug}" in page


def test_system_page_lists_incidents_and_measurements(client, rich_incident):
    system = AISystemFactory(name="Claude Opus 4")
    measurement = rich_incident.measurements.first()
    Measurement.objects.filter(pk=measurement.pk).update(system=system)
    rich_incident.system_links.create(system=system, role="involved")
    page = html(client.get(system.get_absolute_url()))
    assert "<h1>Claude Opus 4</h1>" in page
    assert rich_incident.title in page
    assert f'href="{measurement.metric.get_absolute_url()}"' in page
    assert f'href="{measurement.evidence.source.get_absolute_url()}"' in page
    draft = MeasurementFactory(system=system, evidence=EvidenceFactory(incident=IncidentFactory(is_published=False)))
    assert f'href="{draft.incident.get_absolute_url()}"' not in html(client.get(system.get_absolute_url()))


def test_taxonomy_page_shows_parent_children_and_incidents(client, rich_incident):
    term = rich_incident.taxonomy.first()
    child = TaxonomyTermFactory(parent=term, scheme=term.scheme, name="Narrower behaviour")
    page = html(client.get(term.get_absolute_url()))
    assert rich_incident.title in page
    assert "Narrower behaviour" in page
    child_page = html(client.get(child.get_absolute_url()))
    assert f'href="{term.get_absolute_url()}"' in child_page


def test_both_taxonomy_schemes_have_pages(client, rich_incident):
    schemes = set(rich_incident.taxonomy.values_list("scheme", flat=True))
    assert schemes == {TaxonomyTerm.Scheme.MIT_DOMAIN, rich_incident.taxonomy.exclude(scheme=TaxonomyTerm.Scheme.MIT_DOMAIN).first().scheme}
    for term in rich_incident.taxonomy.all():
        assert rich_incident.title in html(client.get(term.get_absolute_url()))


def test_metric_page_charts_every_system_and_links_each_value_to_its_provenance(client):
    metric = MetricFactory(name="Blackmail rate", unit="percent")
    org = OrganisationFactory()
    values = {}
    for name, value in [("Claude Opus 4", 96.0), ("Gemini 2.5 Flash", 96.0), ("GPT-4.1", 80.0)]:
        incident = IncidentFactory()
        IncidentOrganisationFactory(incident=incident, organisation=org)
        m = MeasurementFactory(metric=metric, system=AISystemFactory(name=name), evidence=EvidenceFactory(incident=incident), value=value)
        values[name] = m
    hidden = MeasurementFactory(metric=metric, evidence=EvidenceFactory(incident=IncidentFactory(is_published=False)), value=1.0)
    merged_away = IncidentFactory(merged_into=values["GPT-4.1"].incident)
    merged = MeasurementFactory(metric=metric, system=AISystemFactory(name="Merged-away model"),
                                evidence=EvidenceFactory(incident=merged_away), value=2.0)
    page = html(client.get(metric.get_absolute_url()))
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", page, re.S).group(1)
    for name in values:
        assert name in desc
    assert "GPT-4.1: 80%" in desc
    for m in values.values():
        assert f'href="{m.evidence.source.get_absolute_url()}"' in page
        assert f'href="{m.incident.get_absolute_url()}"' in page
    assert f'href="{hidden.incident.get_absolute_url()}"' not in page
    assert f'href="{merged.incident.get_absolute_url()}"' not in page and "Merged-away model" not in page
    assert "All measurements <span class=\"muted\">(3)</span>" in page


def test_methodology_page_explains_kinds_statuses_and_verification(client):
    page = html(client.get("/methodology/"))
    for label in ["Research finding", "Hazard", "Confirmed", "Retracted", "Contested", "Not reproduced"]:
        assert label in page
    assert 'id="claim-statuses"' in page  # the incident page links here


def test_atom_feed_lists_published_incidents_newest_revision_first(client):
    old = IncidentFactory(title="Older entry")
    new = IncidentFactory(title="Newer entry")
    Incident.objects.filter(pk=old.pk).update(updated=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    IncidentFactory(title="Draft entry", is_published=False)
    IncidentFactory(title="Merged entry", merged_into=new)
    response = client.get("/feeds/incidents.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert body.index("Newer entry") < body.index("Older entry")
    assert "Draft entry" not in body and "Merged entry" not in body
    assert f"tag:aikb,2025:{new.public_id}" in body


def test_pages_link_to_each_other_in_a_connected_whole(client, rich_incident):
    """From the list one reaches the incident; from there every kind of page."""
    listing = html(client.get("/incidents/"))
    assert f'href="{rich_incident.get_absolute_url()}"' in listing
    page = html(client.get(rich_incident.get_absolute_url()))
    metric = rich_incident.measurements.first().metric
    assert f'href="{metric.get_absolute_url()}"' in page
    assert 'href="/methodology/#confidence"' in page


def test_only_safe_methods_are_allowed(client, rich_incident):
    assert client.post("/incidents/").status_code == 405
    assert client.post(rich_incident.get_absolute_url()).status_code == 405
    assert client.head("/incidents/").status_code == 200


def test_refresh_keeps_new_evidence_searchable_from_the_list(client, rich_incident):
    EvidenceFactory(incident=rich_incident, quote="a quite distinctive phrase about quokkas")
    refresh_search_vectors([rich_incident.pk])
    assert rich_incident.title in html(client.get("/incidents/?q=quokkas"))


def test_the_500_page_renders_without_context_or_database(django_assert_num_queries):
    from django.template.loader import render_to_string

    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in page
    assert 'lang="en-GB"' in page and 'href="/incidents/"' in page


def test_an_entity_page_counts_each_public_incident_once(client):
    """An entity's count comes from its link rows: an incident linked twice
    (two roles) counts once, a draft or merged incident not at all, and
    every page lists what the count says."""
    system = AISystemFactory(name="Counted model")
    twice = IncidentFactory()
    for role in ("actor", "evaluated"):
        IncidentSystemFactory(incident=twice, system=system, role=role)
    listed = [twice] + [IncidentFactory() for _ in range(2)]
    for incident in listed[1:]:
        IncidentSystemFactory(incident=incident, system=system)
    for hidden in (IncidentFactory(is_published=False), IncidentFactory(merged_into=listed[1])):
        IncidentSystemFactory(incident=hidden, system=system)
    page = html(client.get(system.get_absolute_url()))
    assert f'<span class="muted">({len(listed)})</span>' in page
    assert set(re.findall(r"AIKB-\d{4}-\d{4}", page)) == {i.public_id for i in listed}
