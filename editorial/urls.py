from django.urls import path

from . import views

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else, a NUL byte included, is a 404.
    path("submit/track/<slug:token>/", views.track, name="submission-track"),
    path("incidents/<str:public_id>/history/", views.incident_history, name="incident-history"),
]
