"""The moderation queue. Accept creates a draft incident or attaches the
evidence; merge attaches it to the incident named in "duplicate of"; reject
needs the reason written on the submission. Merging two incidents is done on
the incident itself (its "merged into" field)."""

from django.contrib import admin, messages
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import Submission
from .submissions import accept_submission, merge_submission, reject_submission


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = ["submitted_at", "kind", "summary", "state", "incident", "has_file"]
    list_filter = ["state", "kind", "submitted_at"]
    search_fields = ["title", "url", "citation", "description", "incident__public_id"]
    date_hierarchy = "submitted_at"
    autocomplete_fields = ["duplicate_of"]
    list_select_related = ["incident"]
    readonly_fields = [
        "kind", "incident", "title", "url", "citation", "description", "file", "file_sha256", "contact_email",
        "state", "submitted_at", "decided_at", "decided_by", "source", "tracking_link",
    ]
    fieldsets = [
        ("Submission", {"fields": ["kind", "incident", "title", "url", "citation", "description", "file", "file_sha256",
                                   "contact_email", "submitted_at", "tracking_link"]}),
        ("Decision", {"fields": ["state", "duplicate_of", "rejection_reason", "decided_at", "decided_by", "source"]}),
    ]
    actions = ["accept", "merge", "reject"]

    def has_add_permission(self, request):
        return False  # submissions come from the public form

    @admin.display(description="submission")
    def summary(self, obj):
        return obj.title or obj.url or obj.citation[:80]

    @admin.display(boolean=True, description="file")
    def has_file(self, obj):
        return bool(obj.file)

    @admin.display(description="submitter's tracking page")
    def tracking_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_tracking_url(), obj.get_tracking_url()) if obj.pk else ""

    def _decide(self, request, queryset, decide, done):
        count = 0
        for submission in queryset:
            try:
                decide(submission)
                count += 1
            except Exception as error:  # noqa: BLE001 - a ModerationError or a validation error: report it, go on
                self.message_user(request, f"Submission {submission.pk}: {error}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} submission(s) {done}.", messages.SUCCESS)

    @admin.action(permissions=["change"], description="Accept (new incident as a draft, or attach the evidence)")
    def accept(self, request, queryset):
        self._decide(request, queryset, lambda s: accept_submission(s, request.user), "accepted")

    @admin.action(permissions=["change"], description="Merge into the incident named in “duplicate of”")
    def merge(self, request, queryset):
        self._decide(request, queryset, lambda s: merge_submission(s, request.user), "merged")

    @admin.action(permissions=["change"], description="Reject with the reason written on each submission")
    def reject(self, request, queryset):
        self._decide(request, queryset, lambda s: reject_submission(s, request.user, s.rejection_reason), "rejected")
