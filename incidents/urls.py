from django.urls import path

from . import browse, insights, views
from .feeds import IncidentsFeed

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/filters/", views.incident_filters, name="incident-filters"),
    path("incidents/<str:public_id>/", views.incident_detail, name="incident-detail"),
    path("incidents/<str:public_id>/cite.bib", views.incident_bibtex, name="incident-bibtex"),
    path("incidents/<str:public_id>/cite.json", views.incident_csl, name="incident-csl"),
    path("organisations/", browse.organisation_index, name="organisation-index"),
    path("systems/", browse.system_index, name="system-index"),
    path("taxonomy/", browse.taxonomy_index, name="taxonomy-index"),
    path("metrics/", browse.metric_index, name="metric-index"),
    path("sources/", browse.source_index, name="source-index"),
    path("insights/", insights.insights_page, name="insights"),
    path("insights/<slug:chart>.csv", insights.chart_csv, name="insights-chart-csv"),
    path("sources/<int:pk>/", views.source_detail, name="source-detail"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("systems/<slug:slug>/", views.system_detail, name="system-detail"),
    path("taxonomy/<slug:slug>/", views.taxonomy_detail, name="taxonomy-detail"),
    path("metrics/<slug:slug>/", views.metric_detail, name="metric-detail"),
    path("methodology/", views.methodology, name="methodology"),
    path("feeds/", views.feeds_page, name="feeds"),
    path("feeds/incidents.atom", IncidentsFeed(), name="feed-incidents"),
]
