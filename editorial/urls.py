from django.urls import path

from . import views

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/track/<str:token>/", views.track, name="submission-track"),
    path("incidents/<str:public_id>/history/", views.incident_history, name="incident-history"),
]
