"""/api/: version 1 of the REST API, its feeds, its schema and docs.

Other apps register their viewsets on `router` (one line each)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import routers

from config.response_cache import shared_response

from . import docs, feeds, oecd, views
from .briefings import BriefingViewSet
from .releases import ReleaseViewSet
from .reporting import SeriousIncidentReportViewSet, report_schema
from .reproductions import HarnessViewSet, RunViewSet
from .submissions import SubmissionViewSet
from .webhooks import WebhookViewSet

app_name = "api"


class ApiRouter(routers.DefaultRouter):
    include_format_suffixes = False


router = ApiRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("sources", views.SourceViewSet, basename="source")
router.register("metrics", views.MetricViewSet, basename="metric")
router.register("measurements", views.MeasurementViewSet, basename="measurement")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("systems", views.AISystemViewSet, basename="aisystem")
router.register("taxonomy", views.TaxonomyTermViewSet, basename="taxonomyterm")
router.register("briefings", BriefingViewSet, basename="briefing")
router.register("harnesses", HarnessViewSet, basename="harness")
router.register("runs", RunViewSet, basename="run")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("releases", ReleaseViewSet, basename="release")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("serious-incident-reports", SeriousIncidentReportViewSet, basename="seriousincidentreport")

urlpatterns = [
    # Public feeds, the same for every anonymous reader (config.response_cache).
    path("v1/feeds/incidents.atom", shared_response(feeds.IncidentUpdatesFeed(), vary=["Accept"]),
         name="feed-incidents"),
    path("v1/feeds/claim-status.atom", shared_response(feeds.ClaimStatusFeed()), name="feed-claim-status"),
    # An incident as an OECD-shaped document (api.oecd), beside the router's incident addresses.
    path("v1/incidents/<str:public_id>/oecd/", oecd.OecdDocumentView.as_view(), name="incident-oecd"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/serious-incident-report.json", report_schema, name="schema-serious-incident-report"),
    path("schema/oecd-incident.json", shared_response(oecd.oecd_incident_schema), name="oecd-incident-schema"),
    path("schema/oecd-incidents.json", shared_response(oecd.oecd_incidents_schema), name="oecd-incidents-schema"),
    # Swagger UI's start-up script is served as a file of its own (split
    # view), so the page needs no inline script.
    path("docs/", docs.with_docs_policy(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", docs.with_docs_policy(SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")), name="redoc"),
    path("docs/getting-started/", docs.getting_started, name="getting-started"),
    re_path(r"^", docs.not_found),  # last: a JSON 404 for any other /api/ address
]
