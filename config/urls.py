from django.contrib import admin
from django.urls import include, path

from .health import healthz

handler500 = "config.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("api.urls")),
    path("", include("briefings.urls")),
    path("", include("reproductions.urls")),
    path("", include("editorial.urls")),
    path("", include("incidents.urls")),
]
