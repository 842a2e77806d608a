from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from .health import healthz

handler500 = "config.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Browsers and feed readers ask for /favicon.ico whatever the page links; whitenoise serves the file.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    path("api/", include("api.urls")),
    path("", include("briefings.urls")),
    path("", include("reproductions.urls")),
    path("", include("editorial.urls")),
    path("", include("releases.urls")),
    path("", include("reporting.urls")),
    path("", include("incidents.urls")),
]
