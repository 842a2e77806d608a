"""Webhook subscriptions and their deliveries, for administrators: who
receives what, what was sent, what failed and why, and replay."""

from django.contrib import admin, messages
from django.utils.html import format_html

from .delivery import ReplayRefused, replay
from .models import Attempt, Delivery, Event, Subscription
from .services import rotate_secret, send_test_event


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "event_list", "is_active", "created"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "owner__username"]
    autocomplete_fields = ["owner", "organisations", "systems", "taxonomy"]
    readonly_fields = ["created", "updated", "secret_rotated"]
    fields = ["owner", "url", "description", "events", "organisations", "systems", "taxonomy", "is_active",
              "created", "updated", "secret_rotated"]
    actions = ["rotate_secrets", "send_test_events"]

    @admin.display(description="events")
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="previous secret valid until")
    def secret_rotated(self, obj):
        return obj.previous_secret_expires_at or "–"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # The model made the secret; shown once, never again.
            messages.warning(request, f"Give this signing secret to the receiver's owner now; it is not shown "
                                      f"again: {obj.secret}")

    @admin.action(description="Rotate the signing secret (the old one signs too for 24 hours)")
    def rotate_secrets(self, request, queryset):
        for subscription in queryset:
            fresh = rotate_secret(subscription)
            messages.warning(request, f"New secret for {fresh.url}, shown once: {fresh.secret}")

    @admin.action(description="Send a test event")
    def send_test_events(self, request, queryset):
        for subscription in queryset:
            send_test_event(subscription)
        messages.success(request, f"Queued a test event for {queryset.count()} subscription(s).")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "finished_at", "address", "status_code", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "subscription", "status", "attempts", "last_status_code", "short_error",
                    "next_attempt_at", "created"]
    list_filter = ["status", "event__type"]
    search_fields = ["event__id", "subscription__url", "last_error"]
    list_select_related = ["event", "subscription"]
    readonly_fields = ["event", "subscription", "status", "attempts", "next_attempt_at", "last_attempt_at",
                       "last_status_code", "last_error", "created", "updated"]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["replay_deliveries"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj):
        return obj.event.type

    @admin.display(description="last error")
    def short_error(self, obj):
        return format_html('<span title="{}">{}</span>', obj.last_error, obj.last_error[:80])

    @admin.action(description="Replay (send again, with the same webhook-id)")
    def replay_deliveries(self, request, queryset):
        replayed = 0
        for delivery in queryset:
            try:
                replay(delivery)
                replayed += 1
            except ReplayRefused as refusal:
                messages.warning(request, str(refusal))
        messages.success(request, f"Queued {replayed} delivery(ies) again.")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "created"]
    list_filter = ["type"]
    search_fields = ["id", "key"]
    readonly_fields = ["id", "type", "key", "payload", "created"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
