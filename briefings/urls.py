from django.urls import path

from . import views

urlpatterns = [
    path("incidents/<str:public_id>/briefing.pdf", views.incident_briefing, name="incident-briefing"),
    path("briefings/<int:pk>.pdf", views.briefing_download, name="briefing-download"),
    path("digests/", views.digest_archive, name="digest-archive"),
    path("digests/confirm/<str:token>/", views.confirm_subscription, name="digest-confirm"),
    path("digests/unsubscribe/<str:token>/", views.unsubscribe, name="digest-unsubscribe"),
]
