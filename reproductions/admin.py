"""Editors register models, pin harnesses, trigger and cancel runs, and
watch their progress here."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.html import format_html

from .models import EvalModel, Harness, HarnessMetric, ReproductionRun, Verdict
from .services import RunAlreadyActive, cancel_run, trigger_run


class HarnessMetricInline(admin.TabularInline):
    model = HarnessMetric
    extra = 0
    autocomplete_fields = ["metric", "claim"]


@admin.register(EvalModel)
class EvalModelAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "upstream_id", "dtype", "is_stand_in", "is_active", "pinned_files"]
    list_filter = ["provider", "is_stand_in", "is_active"]
    search_fields = ["name", "upstream_id", "api_model"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["system"]

    @admin.display(description="pinned files")
    def pinned_files(self, obj):
        return len(obj.weight_sha256 or {})


@admin.register(Harness)
class HarnessAdmin(admin.ModelAdmin):
    list_display = ["name", "task", "task_version", "model_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "task"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["eval_models"]
    autocomplete_fields = ["grader"]
    inlines = [HarnessMetricInline]
    actions = ["run_on_registered_models"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "is_active"]}),
        ("Inspect task", {"fields": ["task", "task_args", "task_version", "grader", "grader_task_arg"]}),
        ("Models", {"fields": ["eval_models"]}),
        (
            "Generation",
            {"fields": ["temperature", "top_p", "max_tokens", "do_sample", "seed", "batch_size", "epochs", "sample_limit"]},
        ),
        ("Verdicts and schedule", {"fields": ["equivalence_margin", "min_sample_size", "max_ungraded_share",
                                              "rerun_every_days"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(model_total=Count("eval_models"))

    @admin.display(description="models", ordering="model_total")
    def model_count(self, obj):
        return obj.model_total

    @admin.action(description="Run on every registered model")
    def run_on_registered_models(self, request, queryset):
        for harness in queryset.prefetch_related("eval_models"):
            for model in harness.eval_models.all():
                try:
                    run = trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.ADMIN, user=request.user)
                except RunAlreadyActive as error:
                    self.message_user(request, str(error), messages.WARNING)
                except ValidationError as error:
                    self.message_user(request, f"{harness} on {model}: {'; '.join(error.messages)}", messages.ERROR)
                else:
                    self.message_user(request, f"Queued run {run.pk}: {harness} on {model}.", messages.SUCCESS)


class RunAddForm(forms.ModelForm):
    """Adding a run queues it: the pair must be runnable and not already queued."""

    class Meta:
        model = ReproductionRun
        fields = ["harness", "model"]

    def clean(self):
        cleaned = super().clean()
        harness, model = cleaned.get("harness"), cleaned.get("model")
        if harness and not harness.task:
            self.add_error("harness", "This harness names no Inspect task yet.")
        if model and not model.is_active:
            self.add_error("model", "This model is not active.")
        if harness and model and ReproductionRun.objects.filter(
            harness=harness, model=model, status__in=ReproductionRun.ACTIVE_STATUSES
        ).exists():
            raise forms.ValidationError("A run of this harness on this model is already queued or running.")
        return cleaned


class VerdictInline(admin.TabularInline):
    model = Verdict
    extra = 0
    can_delete = False
    fields = ["claim", "outcome", "reason", "measured_value", "measured_sample_size", "published_value",
              "published_sample_size", "difference", "difference_lower", "difference_upper", "margin", "method"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReproductionRun)
class ReproductionRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "model", "status", "purpose", "progress", "device", "batch_size", "created"]
    list_filter = ["status", "purpose", "triggered_by", "harness"]
    list_select_related = ["harness", "model"]
    date_hierarchy = "created"
    actions = ["cancel_runs"]
    inlines = [VerdictInline]
    readonly_fields = [
        "status", "purpose", "progress", "attempts", "triggered_by", "requested_by", "reference", "started_at", "finished_at",
        "worker_host", "device", "gpu_name", "gpu_memory_mb", "dtype", "batch_size", "input_tokens", "output_tokens",
        "total_tokens", "versions", "serving", "task_version", "log_file", "log_sha256", "scores", "samples_ungraded", "notes",
        "error", "celery_task_id",
    ]
    fields = ["harness", "model", *readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # A run's harness and model are chosen once, when it is queued.
        return ["harness", "model", *self.readonly_fields] if obj else self.readonly_fields

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.samples_total is None:
            return "–" if obj.status == ReproductionRun.Status.QUEUED else f"{obj.samples_done} samples"
        return format_html(
            '<progress max="{}" value="{}"></progress> {} of {}', obj.samples_total, obj.samples_done,
            obj.samples_done, obj.samples_total,
        )

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A run added here is queued through the same service as everywhere else.
        try:
            run = trigger_run(obj.harness, obj.model, triggered_by=ReproductionRun.Trigger.ADMIN, user=request.user)
        except RunAlreadyActive as error:
            run = error.run
            self.message_user(request, str(error), messages.WARNING)
        obj.pk = run.pk
        obj.refresh_from_db()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RunAddForm
            kwargs["fields"] = ["harness", "model"]
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["model"].required = True
        return form

    def get_fields(self, request, obj=None):
        return self.fields if obj else ["harness", "model"]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.action(description="Cancel the selected runs")
    def cancel_runs(self, request, queryset):
        cancelled = sum(cancel_run(run) for run in queryset)
        self.message_user(request, f"Cancelled {cancelled} run(s); runs that had already ended are unchanged.")
