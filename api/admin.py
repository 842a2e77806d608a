from django.contrib import admin, messages

from .models import ApiToken
from .tokens import issue_token, revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "read_only", "created", "last_used", "revoked_at"]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["prefix", "created", "last_used", "revoked_at"]
    fields = ["user", "name", "read_only", "prefix", "created", "last_used", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new token is generated here and its plain text shown once.
        token, plain = issue_token(obj.user, obj.name, read_only=obj.read_only)
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(request, f"Copy this token now; it is not stored and will not be shown again: {plain}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            revoke_token(token)
        messages.success(request, f"Revoked {queryset.count()} token(s).")
