"""Dated, immutable releases of the whole public dataset."""

from django.urls import path

from config.response_cache import shared_response

from . import views

# The pages are the same for every anonymous reader (config.response_cache);
# the files carry their own ETag and may be kept for good.
urlpatterns = [
    path("data/", shared_response(views.release_index), name="release-index"),
    path("data/latest/", views.latest_release, name="release-latest"),
    path("data/latest/<str:filename>", views.latest_release, name="release-latest-file"),
    path("data/<str:version>/", shared_response(views.release_detail), name="release-detail"),
    path("data/<str:version>/<str:filename>", views.release_file, name="release-file"),
]
