from django.urls import path

from . import views

urlpatterns = [
    path("runs/<int:pk>/", views.run_detail, name="reproduction-run-detail"),
    path("runs/<int:pk>/samples/", views.run_samples, name="reproduction-run-samples"),
    path("runs/<int:pk>/log.eval", views.run_log, name="reproduction-run-log"),
    path("runs/<int:pk>/viewer/", views.run_viewer, name="reproduction-run-viewer"),
    path("runs/viewer/assets/<path:path>", views.viewer_asset, name="reproduction-viewer-asset"),
]
