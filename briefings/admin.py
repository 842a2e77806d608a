from django.contrib import admin, messages

from . import delivery
from .models import Briefing, Digest, DigestDelivery, Subscription


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "page_count", "size_bytes", "render_seconds", "created"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "input_hash", "sha256", "incident__public_id"]
    list_select_related = ["incident"]
    exclude = ["html"]
    readonly_fields = [
        "kind", "title", "incident", "input_hash", "status", "error", "file", "sha256", "page_count",
        "size_bytes", "render_seconds", "created", "rendered_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cadence", "period_start", "filter_label", "incident_count", "change_count"]
    list_filter = ["cadence"]
    list_select_related = ["briefing"]
    readonly_fields = ["briefing"]
    date_hierarchy = "period_start"


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "cadence", "kind", "taxonomy", "organisation", "min_severity", "confirmed_at", "unsubscribed_at"]
    list_filter = ["cadence", "kind"]
    search_fields = ["email"]
    list_select_related = ["taxonomy", "organisation"]
    autocomplete_fields = ["taxonomy", "organisation"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "period_start", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["subscription__email"]
    list_select_related = ["subscription"]
    readonly_fields = ["subscription", "period_start", "period_end", "digest", "claimed_at", "sent_at", "attempts", "last_error"]
    actions = ["send_again"]

    @admin.action(description="Send again (stuck in sending after checking the mail log, or failed)")
    def send_again(self, request, queryset):
        reopened, queued = delivery.send_again(queryset.values_list("pk", flat=True))
        if not reopened:
            self.message_user(request, "Only deliveries that are sending or failed can be sent again.", messages.WARNING)
        elif queued < reopened:
            self.message_user(request, f"Reopened {reopened}; the task queue is unreachable, so {reopened - queued} "
                              "will be queued automatically once it is back.", messages.WARNING)
        else:
            self.message_user(request, f"Reopened and queued {reopened} deliveries.", messages.SUCCESS)
