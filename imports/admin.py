from django.contrib import admin

from .models import ImportRecord, ImportRun


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["external_id", "database", "incident", "release", "imported_at", "changed_at"]
    list_filter = ["database", "release"]
    search_fields = ["external_id", "incident__public_id", "incident__title"]
    list_select_related = ["incident"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "database", "dry_run", "created_count", "updated_count", "unchanged_count", "error_count"]
    list_filter = ["database"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False
