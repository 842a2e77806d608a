"""Editors prepare serious-incident reports here; each report sent is an
inline row. A report of a public incident is the editors' to change
(incidents.publishing, through incidents.admin.EntryPartAdmin); what may be
reported is checked by the models' clean() (reporting.services)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from incidents.admin import EntryPartAdmin, EntryPartInline

from .models import ReportSubmission, SeriousIncidentReport


class SubmissionInline(EntryPartInline, admin.TabularInline):
    model = ReportSubmission
    extra = 0
    fields = ["stage", "submitted_at", "reference", "note"]

    def entry_of(self, obj):
        return obj.incident


@admin.register(SeriousIncidentReport)
class SeriousIncidentReportAdmin(EntryPartAdmin):
    list_display = ["__str__", "regime", "category", "stage", "aware_at", "initial_deadline"]
    list_filter = ["regime", "category", "stage"]
    search_fields = ["incident__public_id", "incident__title", "provider__name", "system__name"]
    autocomplete_fields = ["incident", "provider", "system"]
    readonly_fields = ["timeline"]
    inlines = [SubmissionInline]
    fieldsets = [
        (None, {"fields": ["incident", "regime", "provider", "system", "category", "widespread_infringement", "stage",
                           "eu_database_id", "member_states"]}),
        ("Dates", {"fields": ["started_on", "ended_on", "detected_at", "aware_at", "time_zone", "resolved_on", "timeline"]}),
        ("Content", {"fields": ["affected_persons", "affected_persons_description", "chain_of_events",
                                "model_involvement_material", "remedial_actions", "recommendations_to_authorities",
                                "root_cause", "post_market_patterns", "causal_link", "authorities_notified"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("incident", "provider").prefetch_related("submissions")

    @admin.display(description="Initial report")
    def initial_deadline(self, obj):
        clock = obj.clocks(timezone.now())[0]
        return f"{clock.status_words}" + (f", due {clock.due_at:%Y-%m-%d %H:%M %Z}" if clock.due_at else "")

    @admin.display(description="Deadlines")
    def timeline(self, obj):
        if obj is None or obj.pk is None:
            return "Shown once the report is saved."
        rows = format_html_join(
            "", "<li>{}: {}{}</li>",
            ((clock.label, clock.status_words,
              f" (due {clock.due_at:%Y-%m-%d %H:%M %Z})" if clock.due_at else f" ({clock.note})")
             for clock in obj.clocks(timezone.now())),
        )
        return format_html("<ul>{}</ul>", rows)
