from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from simple_history.admin import SimpleHistoryAdmin

from incidents.publishing import check_write, may_change, may_publish, publishes, stored_incident, stored_version

from .attribution import check_attribution
from .completeness import (
    criterion_met_q,
    mandatory_complete_q,
    missing_for_publication,
    missing_mandatory_count,
    missing_message,
    publish_problems,
)
from .confidence import confidence_of, incident_status_for, with_confidence
from .models import (
    AISystem,
    CausalAttribution,
    Claim,
    ClaimStatusChange,
    Evidence,
    ExternalIdentifier,
    Incident,
    IncidentOrganisation,
    IncidentRelation,
    IncidentSystem,
    Measurement,
    Metric,
    Organisation,
    Source,
    TaxonomyTerm,
)
from .oecd import ARRAY_VOCABULARIES, CRITERIA, CRITERIA_BY_KEY
from .services import change_claim_status


class EditorsChangePublicEntries:
    """A public entry, and its parts, are the editors' to change; a draft is
    any writer's (incidents.publishing.may_change). `entry_of` gives the
    incident a page's object belongs to."""

    def entry_of(self, obj):
        return obj

    def _may_change(self, request, obj) -> bool:
        return obj is None or may_change(request.user, self.entry_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)


class EntryPartInline(EditorsChangePublicEntries):
    """An incident's parts (links, claims, evidence, figures) change with the
    entry, which is the `obj` an inline is asked about."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_change(request, obj)


class OrganisationInline(EntryPartInline, admin.TabularInline):
    model = IncidentOrganisation
    extra = 0
    autocomplete_fields = ["organisation"]


class SystemInline(EntryPartInline, admin.TabularInline):
    model = IncidentSystem
    extra = 0
    autocomplete_fields = ["system"]


class ClaimInline(EntryPartInline, admin.StackedInline):
    model = Claim
    extra = 0
    # A status changes on the claim's own page, recorded with its reason.
    fields = ["position", "statement", "systems", "status", "status_note"]
    readonly_fields = ["status"]
    autocomplete_fields = ["systems"]
    show_change_link = True


class EvidenceFormSet(forms.BaseInlineFormSet):
    """Supporting materials, the one mandatory OECD criterion kept in rows:
    an entry this save publishes needs at least one piece of evidence that
    stays (incidents.publishing.check_publishable; the incident form checks
    the rest). `instance` is the incident as posted."""

    def clean(self):
        super().clean()
        incident = self.instance
        if not publishes(incident, stored_version(incident.pk)):
            return
        kept = [
            form
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))
            and (form.instance.pk is not None or form.has_changed())
        ]
        if not publish_problems(incident, has_evidence=bool(kept)).get("evidence"):
            return
        raise ValidationError(missing_message(CRITERIA_BY_KEY["supporting_materials"]))


class EvidenceInline(EntryPartInline, admin.StackedInline):
    model = Evidence
    formset = EvidenceFormSet
    extra = 0
    fields = ["claim", "source", ("stance", "basis"), "quote", ("locator_type", "locator")]
    autocomplete_fields = ["source"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only this incident's claims.
        if db_field.name == "claim" and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = Claim.objects.filter(incident_id=request.resolver_match.kwargs["object_id"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MeasurementInline(EntryPartInline, admin.TabularInline):
    model = Measurement
    extra = 0
    fields = ["metric", "system", "label", "value", "lower", "upper", "sample_size", "as_of", "as_of_precision",
              "evidence", "claim"]
    autocomplete_fields = ["metric", "system"]
    raw_id_fields = ["evidence", "claim"]

    def get_queryset(self, request):
        # Figures of runs are recorded by the runs, not edited here.
        return super().get_queryset(request).filter(purpose=Measurement.Purpose.PUBLISHED)


class RelationInline(EntryPartInline, admin.TabularInline):
    model = IncidentRelation
    fk_name = "from_incident"
    extra = 0
    autocomplete_fields = ["to_incident"]
    verbose_name = "related incident"
    verbose_name_plural = "related incidents"


class ExternalIdentifierInline(EntryPartInline, admin.TabularInline):
    model = ExternalIdentifier
    extra = 0
    fields = ["scheme", "identifier", "origin"]
    readonly_fields = ["origin"]
    verbose_name = "identifier in another database"


class CausalAttributionForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if "grounding" in cleaned and "evidence" in cleaned:
            try:
                check_attribution(self.instance.incident_id, cleaned["grounding"], cleaned["evidence"])
            except ValidationError as invalid:
                self.add_error(None, invalid)
        return cleaned


class CausalAttributionInline(EntryPartInline, admin.StackedInline):
    model = CausalAttribution
    form = CausalAttributionForm
    extra = 0
    fields = [("factor", "grounding"), "explanation", "evidence"]
    filter_horizontal = ["evidence"]
    verbose_name = "what caused it (causal attribution)"
    verbose_name_plural = "what caused it (causal attributions)"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Offer only this incident's evidence (incidents.attribution).
        if db_field.name == "evidence":
            kwargs["queryset"] = Evidence.objects.filter(
                incident_id=request.resolver_match.kwargs.get("object_id") or None
            ).select_related("source")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# The OECD answers with a vocabulary, as checkboxes (countries and industries as a list to pick from).
OECD_ARRAY_WIDGETS = {"countries": forms.SelectMultiple(attrs={"size": 8}), "industries": forms.SelectMultiple(attrs={"size": 8})}


class IncidentAdminForm(forms.ModelForm):
    """The incident form: the OECD array columns as choices, and the publish
    rule's mandatory criteria (incidents.publishing.check_publishable), each
    error on the field it concerns. Supporting materials are the evidence
    rows (EvidenceFormSet)."""

    class Meta:
        model = Incident
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in ARRAY_VOCABULARIES.items():
            if name in self.fields:
                old = self.fields[name]
                self.fields[name] = forms.TypedMultipleChoiceField(
                    choices=choices,
                    required=False,
                    label=old.label,
                    help_text=old.help_text,
                    widget=OECD_ARRAY_WIDGETS.get(name, forms.CheckboxSelectMultiple),
                )

    def _post_clean(self):
        super()._post_clean()
        incident = self.instance
        if not publishes(incident, stored_version(incident.pk)):
            return
        for field, message in publish_problems(incident, has_evidence=None).items():
            if field in self.fields and field not in self._errors:
                self.add_error(field, message)
            else:
                self.add_error("is_published" if "is_published" in self.fields else None, message)


class OecdCompletenessFilter(admin.SimpleListFilter):
    """The editors' queue: entries by the OECD criteria they meet (incidents.completeness)."""

    title = "OECD criteria"
    parameter_name = "oecd"

    def lookups(self, request, model_admin):
        return [
            ("complete", "All 7 mandatory met"),
            ("incomplete", "Lacking a mandatory one"),
            *((f"lacking:{c.key}", f"Lacking {c.label.lower()}") for c in CRITERIA),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "complete":
            return queryset.filter(mandatory_complete_q())
        if value == "incomplete":
            return queryset.exclude(mandatory_complete_q())
        if value and value.startswith("lacking:") and value[len("lacking:"):] in CRITERIA_BY_KEY:
            return queryset.exclude(criterion_met_q(value[len("lacking:"):]))
        return queryset


@admin.register(Incident)
class IncidentAdmin(EditorsChangePublicEntries, SimpleHistoryAdmin):
    form = IncidentAdminForm
    list_display = ["public_id", "title", "kind", "status", "severity", "setting", "reported_on", "is_published",
                    "oecd_missing"]
    list_filter = [
        OecdCompletenessFilter,
        "oecd_severity",
        "kind",
        "status",
        "severity",
        "setting",
        "is_published",
        "occurred_precision",
        ("taxonomy", admin.RelatedOnlyFieldListFilter),
        ("organisations", admin.RelatedOnlyFieldListFilter),
        ("systems", admin.RelatedOnlyFieldListFilter),
        "reported_on",
        "occurred_on",
        "updated",
    ]
    search_fields = ["public_id", "title", "summary", "body", "organisations__name", "systems__name"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["public_id", "status_by_rule", "created", "updated"]
    filter_horizontal = ["taxonomy"]
    autocomplete_fields = ["merged_into"]
    date_hierarchy = "reported_on"
    fieldsets = [
        (None, {"fields": ["public_id", "title", "slug", "kind", "status", "status_by_rule", "severity", "setting",
                           "is_published"]}),
        ("Account", {"fields": ["summary", "body"]}),
        ("Dates", {"fields": [("occurred_on", "occurred_precision"), ("reported_on", "reported_precision")]}),
        ("Classification", {"fields": ["taxonomy", "merged_into"]}),
        ("OECD reporting criteria", {
            "description": "The OECD common reporting framework (/methodology/#oecd). Submitter, AI relation, OECD "
            "severity and harm types are mandatory to publish, with title, summary and at least one piece of evidence.",
            "fields": [
                ("submitter_type", "submitter_name"),
                "oecd_severity",
                "ai_relation",
                "ai_relation_note",
                "harm_types",
                "harm_quantification",
                "unintended_use",
                "countries",
                "affected_stakeholders",
                "rights_impacts",
                "ai_principles",
                "industries",
                "business_functions",
                "critical_infrastructure",
                "deployment_breadth",
                "training_data",
                "ai_tasks",
                "autonomy_level",
                "systems_interacting",
                "actions_taken",
            ],
        }),
        ("Record", {"fields": ["created", "updated"]}),
    ]
    inlines = [OrganisationInline, SystemInline, ClaimInline, EvidenceInline, MeasurementInline, RelationInline,
               ExternalIdentifierInline, CausalAttributionInline]

    def get_queryset(self, request):
        # The editors' queue: how many mandatory OECD criteria each entry lacks, and whether it has evidence
        # (annotated before the ordering, which sorts by the first).
        queryset = self.model._default_manager.get_queryset().annotate(
            oecd_missing_count=missing_mandatory_count(),
            oecd_has_evidence=Exists(Evidence.objects.filter(incident=OuterRef("pk"))),
        )
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        # The list: drafts first, those lacking the most mandatory criteria at the top. Elsewhere (other
        # pages' choices of an incident, which Django orders by this too) the model's order.
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "incidents_incident_changelist":
            return ["is_published", "-oecd_missing_count", "-reported_on", "-id"]
        return super().get_ordering(request)

    @admin.display(description="OECD: missing", ordering="oecd_missing_count")
    def oecd_missing(self, obj):
        missing = missing_for_publication(obj, has_evidence=getattr(obj, "oecd_has_evidence", None))
        return ", ".join(c.key for c in missing) or "–"


    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Publishing and withdrawing are an editor's act; a contributor's entries are drafts.
        return fields if may_publish(request.user) else [*fields, "is_published"]

    @admin.display(description="status by the rule")
    def status_by_rule(self, obj):
        """The status /methodology/ gives this entry from its headline claim; editors keep the two alike."""
        if obj is None or obj.pk is None:
            return "–"
        expected = incident_status_for(obj, with_confidence(obj.claims.all()))
        label = Incident.Status(expected).label
        if expected == obj.status:
            return f"{label} (matches)"
        return f"{label}: the headline claim's confidence gives this status, not the one chosen above."


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AISystem)
class AISystemAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "family", "developer", "base_system", "usage_rights"]
    list_filter = ["family", "developer", "usage_rights"]
    search_fields = ["name", "family", "version"]
    prepopulated_fields = {"slug": ["name", "version"]}
    autocomplete_fields = ["developer", "base_system"]


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ["scheme", "code", "name", "parent"]
    list_filter = ["scheme"]
    search_fields = ["code", "name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "publisher", "published_on", "reliability"]
    list_filter = ["kind", "reliability", "published_on"]
    search_fields = ["title", "publisher", "url"]
    readonly_fields = ["archived_sha256", "created", "updated"]
    autocomplete_fields = ["responding_organisation"]


class EvidenceForClaimInline(admin.StackedInline):
    model = Evidence
    extra = 0
    fields = ["incident", "source", ("stance", "basis"), "quote", ("locator_type", "locator")]
    autocomplete_fields = ["source", "incident"]


class StatusChangeInline(admin.TabularInline):
    model = ClaimStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "reason", "changed_at", "verdict"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EntryPartAdmin(EditorsChangePublicEntries, SimpleHistoryAdmin):
    """Claims, evidence and measurements on their own pages: a part of a
    public entry is the editors' to change (incidents.publishing), and the
    form says so when a writer picks a public entry."""

    def entry_of(self, obj):
        return obj.incident

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class WriterForm(form):
            def clean(self):
                cleaned = super().clean()
                incident = cleaned.get("incident") or getattr(self.instance, "incident", None)
                try:
                    check_write(request.user, incidents=[stored_incident(self.instance), incident])
                except PermissionDenied as denied:
                    raise forms.ValidationError(str(denied)) from None
                return cleaned

        return WriterForm


class ClaimAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "status" in self.changed_data and "status_note" not in self.changed_data:
            self.add_error("status_note", "Say why the status changes: the reason is recorded and shown to readers.")
        return cleaned


@admin.register(Claim)
class ClaimAdmin(EntryPartAdmin):
    form = ClaimAdminForm
    list_display = ["statement", "incident", "status", "confidence", "updated"]
    list_filter = ["status", "incident__kind"]
    search_fields = ["statement", "incident__public_id", "incident__title"]
    autocomplete_fields = ["incident", "systems"]
    inlines = [EvidenceForClaimInline, StatusChangeInline]

    def get_queryset(self, request):
        return with_confidence(super().get_queryset(request))

    @admin.display(description="how sure (basis)")
    def confidence(self, obj):
        confidence = confidence_of(obj)
        return f"{confidence.level.label} · {confidence.basis_text}"

    def save_model(self, request, obj, form, change):
        # A status edited here is recorded as a status change, like any other.
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data:
            change_claim_status(obj, new_status, reason=obj.status_note)


@admin.register(Evidence)
class EvidenceAdmin(EntryPartAdmin):
    list_display = ["source", "incident", "claim", "locator_type", "locator", "stance", "basis"]
    list_filter = ["locator_type", "stance", "basis", "source__kind"]
    search_fields = ["quote", "source__title", "incident__public_id"]
    autocomplete_fields = ["incident", "source"]
    raw_id_fields = ["claim"]


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    list_display = ["name", "unit", "higher_is"]
    list_filter = ["unit", "higher_is"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Measurement)
class MeasurementAdmin(EntryPartAdmin):
    list_display = ["metric", "system", "label", "value", "lower", "upper", "sample_size", "as_of", "incident", "purpose"]
    list_filter = ["purpose", "metric", "system", "as_of"]
    search_fields = ["metric__name", "system__name", "label", "incident__public_id"]
    autocomplete_fields = ["metric", "system", "incident"]
    raw_id_fields = ["evidence", "claim", "reproduction_run"]
