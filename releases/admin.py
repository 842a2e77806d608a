from django.contrib import admin

from .models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Read only: a release is published by the weekly schedule or `manage.py
    publish_release` and never changes (releases.models)."""

    list_display = ["__str__", "published_at", "incident_count", "dataset_sha256"]
    date_hierarchy = "version"
    readonly_fields = ["version", "published_at", "previous", "dataset_sha256", "counts", "files", "changelog"]

    @admin.display(description="Incidents")
    def incident_count(self, release):
        return release.incident_count

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
