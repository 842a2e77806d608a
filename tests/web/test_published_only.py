"""Published-only, checked on every public address.

The curated data is loaded with a draft incident and a merged one beside
it, each with its own claims, evidence, source, organisation, AI system and
measurement, linked to public entries (a relation, a shared organisation,
a taxonomy term, a reproduction verdict) so that any page, feed, PDF, CSV
or API response that leaves out the visibility rule (incidents.visibility)
shows their marker words. Every named address of the site is visited with
every public object it can show, or listed in NOT_READING with the reason
it shows no record; a new address that is neither fails the first test.
"""

import datetime
import io
import json
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from pypdf import PdfReader

from briefings.digests import DigestFilter, build_digest
from briefings.models import Briefing
from incidents.curated import load_curated
from incidents.models import (
    AISystem,
    Claim,
    Evidence,
    Incident,
    IncidentRelation,
    Measurement,
    Metric,
    Organisation,
    Source,
    TaxonomyTerm,
)
from incidents.search import refresh_search_vectors
from incidents.visibility import public_incidents
from releases.models import Release
from releases.services import publish_release
from reporting.models import SeriousIncidentReport
from reproductions.models import Harness, ReproductionRun, Verdict
from tests.factories import (
    AISystemFactory,
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    OrganisationFactory,
    SourceFactory,
)

DRAFT = "Quokkadraft"
MERGED = "Quokkamerged"
# Searched for: a word of their text, not the marker, which a results page
# repeats as the query.
SEARCHED = {DRAFT: "platypusdraft", MERGED: "platypusmerged"}

# Named addresses that show no record of the knowledge base, and why.
NOT_READING = {
    "healthz": "the service's own status",
    "api:api-root": "the list of endpoints",
    "api:schema": "the API's description",
    "api:docs": "the API's description",
    "api:redoc": "the API's description",
    "api:getting-started": "the API's guide",
    "api:run-cancel": "an operator's POST",
    "submit": "the proposal form",
    "submission-track": "a contributor's own proposal, by its secret token (tests/editorial)",
    "api:submission-list": "contributors' proposals, editors only (tests/editorial)",
    "api:submission-detail": "a contributor's own proposal, by its secret token (tests/editorial)",
    "digest-confirm": "a subscriber's signed link",
    "digest-unsubscribe": "a subscriber's signed link",
    "reproduction-viewer-asset": "the Inspect viewer's static files",
    "api:webhook-list": "a token holder's own webhook subscriptions (tests/webhooks)",
    "api:webhook-detail": "a token holder's own webhook subscription (tests/webhooks)",
    "api:webhook-deliveries": "a token holder's own deliveries (tests/webhooks)",
    "api:webhook-replay": "a token holder's POST (tests/webhooks)",
    "api:webhook-replay-delivery": "a token holder's POST (tests/webhooks)",
    "api:webhook-rotate-secret": "a token holder's POST (tests/webhooks)",
    "api:webhook-test": "a token holder's POST (tests/webhooks)",
    "release-latest": "a redirect to the latest release's page (visited)",
    "release-latest-file": "a redirect to a file of the latest release (visited)",
    "api:schema-serious-incident-report": "the report documents' JSON Schema",
    "api:seriousincidentreport-pdf": "a POST asking for a report's PDF (tests/reporting)",
    "api:seriousincidentreport-submissions": "an editor's POST (tests/reporting)",
    "api:oecd-incident-schema": "the OECD-shaped document's JSON Schema",
    "api:oecd-incidents-schema": "the OECD-shaped set document's JSON Schema",
}
INCIDENT_PAGES = ["incident-detail", "incident-bibtex", "incident-csl", "incident-briefing", "incident-history",
                  "incident-changes-feed", "api:incident-oecd"]
RUN_PAGES = ["reproduction-run-detail", "reproduction-run-samples", "reproduction-run-log", "reproduction-run-viewer"]
LISTS = ["home", "incident-list", "incident-filters", "methodology", "feeds", "feed-incidents", "digest-archive", "insights",
         "api:feed-incidents", "api:feed-claim-status",
         "organisation-index", "system-index", "taxonomy-index", "metric-index", "source-index", "release-index"]
# A serious-incident report's addresses (reporting), by incident public id and report id.
REPORT_PAGES = ["serious-incident-report", "serious-incident-report-article73", "serious-incident-report-cop",
                "serious-incident-report-pdf", "api:seriousincidentreport-article73",
                "api:seriousincidentreport-code-of-practice"]
# The index pages (incidents.indexes) are also read in their other orders.
INDEX_SORTS = ["incidents", "newest", "measurements"]
BY_SLUG = {
    "organisation-detail": Organisation,
    "taxonomy-detail": TaxonomyTerm,
    "metric-detail": Metric,
}


def named_addresses(patterns=None, namespace=""):
    """Every named URL of the site outside the admin, with its namespace."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_addresses(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def api_viewsets():
    """(list address, detail address, viewset class) of each API collection."""
    for name in named_addresses():
        if name.startswith("api:") and name.endswith("-list") and name not in NOT_READING:
            detail = name.removesuffix("-list") + "-detail"
            yield name, detail, resolve(reverse(name)).func.cls


def visits():
    """(address, statuses it may answer) for every public object of every reading address."""
    public = list(public_incidents().values_list("public_id", flat=True))
    draft = Incident.objects.get(title__startswith=DRAFT)
    merged = Incident.objects.get(title__startswith=MERGED)
    for name in INCIDENT_PAGES:
        for public_id in public:
            yield reverse(name, args=[public_id]), {200}
        yield reverse(name, args=[draft.public_id]), {404}
        yield reverse(name, args=[merged.public_id]), {200, 301, 404}  # the survivor, its address or none
    for name in LISTS:
        yield reverse(name), {200}
        if name.endswith("-index"):
            for sort in INDEX_SORTS:
                yield reverse(name) + f"?sort={sort}", {200}
    for chart in ("over-time", "by-domain", "by-organisation", "by-severity"):
        for name in ("insights-chart-csv", "insights-chart", "insights-chart-embed", "insights-chart-svg",
                     "insights-chart-png"):
            yield reverse(name, args=[chart]), {200}
    for word in SEARCHED.values():
        yield reverse("incident-list") + "?" + urlencode({"q": word}), {200}
        yield reverse("api:incident-list") + "?" + urlencode({"q": word}), {200}
    for name, model in BY_SLUG.items():
        for slug in model.objects.values_list("slug", flat=True):
            hidden = slug.startswith(DRAFT.lower()) or slug.startswith(MERGED.lower())
            yield reverse(name, args=[slug]), {404} if hidden else {200}
    for system in AISystem.objects.all():
        yield reverse("system-detail", args=[system.slug]), {404} if DRAFT in system.name or MERGED in system.name else {200}
    for source in Source.objects.all():
        yield reverse("source-detail", args=[source.pk]), {404} if DRAFT in source.title or MERGED in source.title else {200}
    for run in ReproductionRun.objects.all():
        for name in RUN_PAGES:
            yield reverse(name, args=[run.pk]), {200, 404}  # a run without a log has no log or viewer
        yield reverse("api:run-samples", args=[run.pk]), {200}
    for briefing in Briefing.objects.filter(status=Briefing.Status.READY):
        yield reverse("briefing-download", args=[briefing.pk]), {200}
    for report in SeriousIncidentReport.objects.select_related("incident"):
        statuses = {200} if report.incident.is_published and not report.incident.merged_into_id else {404}
        for name in REPORT_PAGES:
            args = [report.pk] if name.startswith("api:") else [report.incident.public_id, report.pk]
            yield reverse(name, args=args), statuses
        yield reverse("api:seriousincidentreport-detail", args=[report.pk]), statuses
    for release in Release.objects.all():
        yield reverse("release-detail", args=[release.version_name]), {200}
        for entry in release.files:
            yield reverse("release-file", args=[release.version_name, entry["name"]]), {200}
    for list_name, _, viewset in api_viewsets():
        yield reverse(list_name) + "?page_size=100", {200}
        if getattr(viewset, "exportable", False):
            export = list_name.removesuffix("-list") + "-export"
            yield reverse(export) + "?format=csv", {200}
            yield reverse(export) + "?format=jsonl", {200}
            if getattr(viewset, "oecd_export", False):
                yield reverse(export) + "?format=oecd", {200}
        if getattr(viewset, "csv_columns", None):
            yield reverse(list_name) + "?format=csv&page_size=100", {200}
    hidden_rows = {
        "api:claim-detail": Claim.objects.filter(incident__in=[draft, merged]).values_list("pk", flat=True),
        "api:evidence-detail": Evidence.objects.filter(incident__in=[draft, merged]).values_list("pk", flat=True),
        "api:measurement-detail": Measurement.objects.filter(incident__in=[draft, merged]).values_list("pk", flat=True),
    }
    for name, pks in hidden_rows.items():
        for pk in pks:
            yield reverse(name, args=[pk]), {404}
    yield reverse("api:incident-detail", args=[draft.public_id]), {404}
    yield reverse("api:incident-detail", args=[merged.public_id]), {301}


def api_details(client):
    """The detail address of every row each API list shows (following its pages)."""
    for list_name, detail_name, viewset in api_viewsets():
        url = reverse(list_name) + "?page_size=100"
        while url:
            page = client.get(url).json()
            for row in page["results"]:
                yield reverse(detail_name, args=[row[viewset.lookup_field if viewset.lookup_field != "pk" else "id"]])
            url = page.get("next")


@pytest.fixture
def world(db, client, settings):
    client.raise_request_exception = True
    # Hundreds of anonymous reads: more than a minute's allowance (rates are read per request).
    rates = {"anon": "100000/minute", "token": "100000/minute", "journalist": "100000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    load_curated(verbosity=0)
    survivor = public_incidents().order_by("pk").first()
    organisation = Organisation.objects.filter(incident_links__incident=survivor).first()
    term = survivor.taxonomy.first()
    metric = Metric.objects.filter(measurements__incident=survivor).first() or Metric.objects.first()
    harness = Harness.objects.create(name="Harness of the published-only test", slug="published-only-harness")
    for words, fields in ((DRAFT, {"is_published": False}), (MERGED, {"merged_into": survivor})):
        incident = IncidentFactory(title=f"{words} incident", slug=words.lower(), summary=f"{words} summary, {SEARCHED[words]}", **fields)
        IncidentOrganisationFactory(incident=incident, organisation=organisation)
        own = OrganisationFactory(name=f"{words} lab", slug=f"{words.lower()}-lab")
        IncidentOrganisationFactory(incident=incident, organisation=own)
        system = AISystemFactory(name=f"{words} model", slug=f"{words.lower()}-model")
        IncidentSystemFactory(incident=incident, system=system)
        incident.taxonomy.add(term)
        claim = ClaimFactory(incident=incident, statement=f"{words} claim about the agent.")
        evidence = EvidenceFactory(incident=incident, claim=claim, quote=f"{words} quote",
                                   source=SourceFactory(title=f"{words} source", responding_organisation=organisation))
        MeasurementFactory(metric=metric, incident=incident, claim=claim, evidence=evidence, system=system, value=41.0)
        IncidentRelation.objects.create(from_incident=survivor, to_incident=incident, relation_type="related")
        IncidentRelation.objects.create(from_incident=incident, to_incident=survivor, relation_type="follow-up")
        run = ReproductionRun.objects.create(harness=harness, status="succeeded")
        Verdict.objects.create(run=run, claim=claim, outcome="consistent", reason=f"{words} verdict")
        # Made without the reporting rules (a visibility check, not a real report).
        SeriousIncidentReport.objects.create(incident=incident, provider=own, system=system, regime="gpai-cop",
                                             chain_of_events=f"{words} chain of events")
    survivor_system = IncidentSystemFactory(incident=survivor).system
    SeriousIncidentReport.objects.create(incident=survivor, provider=survivor_system.developer, system=survivor_system,
                                         regime="ai-act-art73", category="death")
    survivor.save()  # changed this week: a digest of the week has it, and must have nothing else new
    refresh_search_vectors()
    today = timezone.now().date()
    assert build_digest("weekly", today - datetime.timedelta(days=7), today + datetime.timedelta(days=1), DigestFilter())
    assert publish_release() is not None
    return survivor


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", errors="replace")


def test_every_named_address_is_visited_or_says_why_not():
    visited = set(INCIDENT_PAGES) | set(RUN_PAGES) | set(LISTS) | set(BY_SLUG) | {
        "system-detail", "source-detail", "briefing-download", "api:run-samples", "api:incident-detail",
        "insights-chart-csv", "insights-chart", "insights-chart-embed", "insights-chart-svg", "insights-chart-png",
        "release-detail", "release-file", *REPORT_PAGES,
    }
    for list_name, detail_name, viewset in api_viewsets():
        visited |= {list_name, detail_name}
        if getattr(viewset, "exportable", False):
            visited.add(list_name.removesuffix("-list") + "-export")
    assert set(named_addresses()) == visited | set(NOT_READING)


@pytest.mark.django_db
def test_no_public_address_shows_a_draft_or_a_merged_entry(client, world):
    draft = Incident.objects.get(title__startswith=DRAFT)
    planned = list(visits()) + [(url, {200}) for url in api_details(client)]
    assert len(planned) > 300  # every curated incident, claim, source... (not an empty loop)
    leaks = []
    for url, statuses in planned:
        response = client.get(url)
        assert response.status_code in statuses, f"{url}: {response.status_code}, expected {statuses}"
        if response.status_code == 301:
            assert f"/{world.public_id}/" in response["Location"]  # to the survivor
            continue
        if response.status_code != 200:
            continue
        text = text_of(response)
        # (A survivor lists the ids merged into it, `merged_from`: the merged
        # entry's id may show, its words may not.)
        for marker in (DRAFT, MERGED, draft.public_id):
            if marker in text:
                leaks.append(f"{url} shows {marker}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_the_markers_would_be_seen(client, world):
    """The check above is only as good as its markers: published, the draft shows on every kind of address."""
    draft = Incident.objects.get(title__startswith=DRAFT)
    draft.is_published = True
    draft.save()
    refresh_search_vectors()
    seen = {
        "page": reverse("incident-detail", args=[draft.public_id]),
        "search": reverse("incident-list") + "?" + urlencode({"q": SEARCHED[DRAFT]}),
        "organisation": reverse("organisation-detail", args=[f"{DRAFT.lower()}-lab"]),
        "api": reverse("api:claim-list") + "?page_size=100",
        "csv": reverse("api:evidence-list") + "?format=csv&page_size=100",
        "feed": reverse("api:feed-incidents"),
        "pdf": reverse("incident-briefing", args=[world.public_id]),
    }
    for kind, url in seen.items():
        response = client.get(url)
        assert response.status_code == 200, f"{kind}: {response.status_code}"
        assert DRAFT in text_of(response), kind
    assert json.loads(client.get(reverse("api:incident-detail", args=[draft.public_id])).content)["title"].startswith(DRAFT)
