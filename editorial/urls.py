from django.urls import path

from config.response_cache import shared_response

from . import views
from .feeds import IncidentChangesFeed

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else, a NUL byte included, is a 404.
    path("submit/track/<slug:token>/", views.track, name="submission-track"),
    path("incidents/<str:public_id>/history/", views.incident_history, name="incident-history"),
    # Public and the same for every anonymous reader: answered from the shared response cache.
    path("incidents/<str:public_id>/changes.atom", shared_response(IncidentChangesFeed(), vary=["Accept"]),
         name="incident-changes-feed"),
]
