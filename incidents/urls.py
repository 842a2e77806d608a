from django.urls import path

from config.response_cache import shared_response

from . import browse, insights, views
from .feeds import IncidentsFeed

# Every address here is public and the same for every anonymous reader:
# answered from the shared response cache (config.response_cache).

urlpatterns = [
    path("", shared_response(views.home), name="home"),
    path("incidents/", shared_response(views.incident_list), name="incident-list"),
    path("incidents/filters/", shared_response(views.incident_filters), name="incident-filters"),
    path("incidents/<str:public_id>/", shared_response(views.incident_detail), name="incident-detail"),
    path("incidents/<str:public_id>/cite.bib", shared_response(views.incident_bibtex), name="incident-bibtex"),
    path("incidents/<str:public_id>/cite.json", shared_response(views.incident_csl), name="incident-csl"),
    path("organisations/", shared_response(browse.organisation_index), name="organisation-index"),
    path("systems/", shared_response(browse.system_index), name="system-index"),
    path("taxonomy/", shared_response(browse.taxonomy_index), name="taxonomy-index"),
    path("metrics/", shared_response(browse.metric_index), name="metric-index"),
    path("sources/", shared_response(browse.source_index), name="source-index"),
    path("insights/", shared_response(insights.insights_page), name="insights"),
    path("insights/<slug:chart>.csv", shared_response(insights.chart_csv), name="insights-chart-csv"),
    path("insights/<slug:chart>.svg", shared_response(insights.chart_svg), name="insights-chart-svg"),
    path("insights/<slug:chart>.png", shared_response(insights.chart_png), name="insights-chart-png"),
    path("insights/<slug:chart>/", shared_response(insights.chart_page), name="insights-chart"),
    # The one page other sites may frame (incidents.insights).
    path("insights/<slug:chart>/embed/", shared_response(insights.chart_embed), name="insights-chart-embed"),
    path("sources/<int:pk>/", shared_response(views.source_detail), name="source-detail"),
    path("organisations/<slug:slug>/", shared_response(views.organisation_detail), name="organisation-detail"),
    path("systems/<slug:slug>/", shared_response(views.system_detail), name="system-detail"),
    path("taxonomy/<slug:slug>/", shared_response(views.taxonomy_detail), name="taxonomy-detail"),
    path("metrics/<slug:slug>/", shared_response(views.metric_detail), name="metric-detail"),
    path("methodology/", shared_response(views.methodology), name="methodology"),
    path("feeds/", shared_response(views.feeds_page), name="feeds"),
    path("feeds/incidents.atom", shared_response(IncidentsFeed(), vary=["Accept"]), name="feed-incidents"),
]
