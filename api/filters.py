"""Query filters for each list, matching the web's facets (incidents.facets):
values within one parameter are alternatives (repeat the parameter:
`?kind=incident&kind=hazard`), parameters combine with AND. Unlike the web
page, which drops what it does not understand, the API answers an unknown
value with 400 naming the parameter, so a script never silently gets the
wrong rows."""

import datetime
import re

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django_filters.fields import IsoDateTimeField, ModelMultipleChoiceField
from django_filters.widgets import QueryArrayWidget
from drf_spectacular.drainage import set_override
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from incidents import completeness, external_ids, taxonomy
from incidents.facets import YEAR_RANGE, has_reproduction_q, occurred_in_years
from incidents.models import (
    AISystem,
    Claim,
    Evidence,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Measurement,
    Metric,
    Organisation,
    Source,
    TaxonomyTerm,
)
from incidents.oecd import CRITERIA, HarmType, OecdSeverity
from incidents.search import search_incidents

from .visibility import visible_incidents


class TrueFalseFilter(filters.ChoiceFilter):
    """Exactly `true` or `false` (anything else is a 400 naming it), a boolean
    in the schema, so a client generated from it sends a boolean and the
    schema's own checks (schemathesis) know `false` is a valid spelling."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=[("true", "true"), ("false", "false")], **kwargs)
        help_text = self.extra.get("help_text")
        set_override(self, "field", {"type": "boolean", **({"description": help_text} if help_text else {})})


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An id: a whole number, as the schema says (drf-spectacular wrote "number", which allows 0.999).
        schema = {"type": "integer", "minimum": kwargs.get("min_value", 1), "maximum": kwargs.get("max_value", 2**63 - 1)}
        help_text = self.extra.get("help_text")
        set_override(self, "field", {**schema, **({"description": help_text} if help_text else {})})


class MultipleYearField(forms.Field):
    widget = QueryArrayWidget

    def to_python(self, value):
        values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        years = []
        for raw in values:
            try:
                year = int(raw)
            except (TypeError, ValueError):
                raise forms.ValidationError(f"{str(raw)[:20]!r} is not a year.", code="invalid") from None
            if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                raise forms.ValidationError(f"Give a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.", code="max_value")
            years.append(year)
        return years


class DescribedSchemaMixin:
    """Gives a filter an explicit OpenAPI schema that keeps its help_text
    (drf-spectacular drops the description of a class-level override)."""

    openapi_schema: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = self.extra.get("help_text")
        set_override(self, "field", {**self.openapi_schema, **({"description": help_text} if help_text else {})})


class ExternalIdsField(forms.Field):
    """Repeatable `scheme:id` (or `scheme` alone: has any id there), read by
    incidents.external_ids.parse: an unknown scheme or an id that does not
    fit its scheme is refused with a message naming the value."""

    widget = QueryArrayWidget
    MAX_VALUES = 50

    def to_python(self, value):
        values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        if len(values) > self.MAX_VALUES:
            raise forms.ValidationError(f"At most {self.MAX_VALUES} values.", code="max_length")
        pairs = []
        for raw in values:
            try:
                pairs.append(external_ids.parse(str(raw), allow_bare_scheme=True))
            except DjangoValidationError as error:
                raise forms.ValidationError(error.messages, code="invalid") from None
        return pairs


def _external_value_pattern() -> str:
    """What `external` accepts, as one pattern: each scheme alone or with an
    id of its pattern (runs bounded, as incidents.external_ids.MAX_LENGTH is)."""
    alternatives = []
    for key, spec in external_ids.SCHEMES.items():
        body = spec.pattern.removeprefix("^").removesuffix("$")
        body = re.sub(r"\{(\d+),\}", r"{\1,80}", body.replace("\\d+", "\\d{1,80}")).replace("\\d", "[0-9]")
        alternatives.append(f"{key}(:{body})?")  # keys are letters and hyphens only
    return "^(" + "|".join(alternatives) + ")$"


class ExternalIdsFilter(DescribedSchemaMixin, filters.Filter):
    field_class = ExternalIdsField
    openapi_schema = {"type": "array", "items": {"type": "string", "pattern": _external_value_pattern()}}


class YearFilter(DescribedSchemaMixin, filters.Filter):
    field_class = MultipleYearField
    openapi_schema = {"type": "array", "items": {"type": "integer", "minimum": YEAR_RANGE[0], "maximum": YEAR_RANGE[1]}}


class ColumnChoicesFilter(filters.MultipleChoiceFilter):
    """Alternatives over a column of the listed table itself."""

    def filter(self, qs, value):
        """One `IN` (as the web's facets), not django-filter's OR of one
        equality per value: PostgreSQL walks an index for `severity IN (4, 5)`
        but tested every row against `severity = 4 OR severity = 5` (counting
        them read every entry of the index, not only those that match). No
        DISTINCT (django-filter's default for this filter): nothing is joined,
        and a DISTINCT over every column made PostgreSQL sort the whole
        result (figures: docs/benchmarks.md, 'Why the indexes and query
        shapes')."""
        if not value:
            return qs
        return self.get_method(qs)(**{f"{self.field_name}__in": sorted(set(value))})


class SlugsField(ModelMultipleChoiceField):
    """No slugs given is an empty list, which the filter skips. Django's
    field gives `queryset.none()`, whose truth test compiled a query: three
    such filters slowed every incident list that used none of them."""

    def clean(self, value):
        if not value and not self.required:
            return []
        return super().clean(value)


class SlugsFilter(DescribedSchemaMixin, filters.ModelMultipleChoiceFilter):
    """Several slugs of one kind; each must exist (else 400)."""

    field_class = SlugsField
    openapi_schema = {"type": "array", "items": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class StrictIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time that must be there when its parameter is: an empty
    `updated_since=` is refused rather than ignored (a sync script with an
    empty variable would silently read everything). Any RFC 3339 offset is
    taken and the time turned into UTC before it reaches PostgreSQL, which
    refuses offsets past 15:59 (-16:00 was a server error)."""

    def clean(self, value):
        if value is not None and not str(value).strip():
            raise forms.ValidationError("Give a date and time (ISO 8601, e.g. 2025-06-01T00:00:00Z), not an empty value.")
        try:
            cleaned = super().clean(value)
        except (ValueError, OverflowError):
            raise forms.ValidationError("Give a date and time in ISO 8601, e.g. 2025-06-01T00:00:00Z.") from None
        if cleaned is None:
            return None
        try:
            return cleaned.astimezone(datetime.UTC)
        except (ValueError, OverflowError):  # a time near year 1 or 9999 that UTC would push out of range
            raise forms.ValidationError("Give a date and time between the years 1 and 9999 in UTC.") from None


class StrictIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = StrictIsoDateTimeField


class UpdatedSinceFilterSet(filters.FilterSet):
    updated_since = StrictIsoDateTimeFilter(
        field_name="updated",
        lookup_expr="gte",
        help_text="Only items created or changed at or after this time (ISO 8601, e.g. 2025-06-01T00:00:00Z), for incremental sync.",
    )


def _links(model, target_field, objects):
    return Q(pk__in=model.objects.filter(**{f"{target_field}__in": objects}).values("incident_id"))


class IncidentFilterSet(UpdatedSinceFilterSet):
    q = filters.CharFilter(
        method="filter_search",
        help_text="Full-text search over title, summary, account and evidence quotes, accents ignored, each plain "
        "word also matching as a word's beginning, plus fuzzy matching of organisation and system names "
        "(web-search syntax: \"quoted phrase\", OR, -word). Results are ranked as on the website unless "
        "`ordering` is given; unlike the website, a search that finds nothing is not replaced by a corrected one.",
    )
    kind = ColumnChoicesFilter(choices=Incident.Kind.choices, help_text="Kind of entry.")
    status = ColumnChoicesFilter(choices=Incident.Status.choices, help_text="Editorial status.")
    severity = ColumnChoicesFilter(
        choices=[(str(value), label) for value, label in Incident.Severity.choices],
        help_text="Severity from 1 (low) to 5 (critical).",
    )
    setting = ColumnChoicesFilter(choices=Incident.Setting.choices, help_text="Where it happened.")
    year = YearFilter(
        method="filter_year",
        help_text=f"Year the incident occurred or, where that is not known, was first reported "
        f"({YEAR_RANGE[0]}-{YEAR_RANGE[1]}), as on the website.",
    )
    taxonomy = SlugsFilter(
        queryset=TaxonomyTerm.objects.all(), method="filter_taxonomy",
        help_text="Taxonomy term slug; matches incidents classified under the term or any term below it, "
        "as on the website.",
    )
    organisation = SlugsFilter(
        queryset=Organisation.objects.all(), method="filter_organisation", help_text="Slug of an organisation involved."
    )
    system = SlugsFilter(queryset=AISystem.objects.all(), method="filter_system", help_text="Slug of an AI system involved.")
    has_reproduction = TrueFalseFilter(
        method="filter_has_reproduction",
        help_text="true: a reproduction verdict exists for at least one of its claims; false: none yet.",
    )

    external = ExternalIdsFilter(
        method="filter_external",
        help_text="The same event in another incident database: scheme:id, e.g. aiid:634, atlas:AML.CS0009, "
        "avid:AVID-2023-R0001, oecd-aim:2024-03-07-8f2a, aiaaic:AIAAIC1234, cve:CVE-2024-12345; or a scheme "
        "alone (aiid) for any entry recorded there. Repeat for alternatives. An unknown scheme or an id that does "
        "not fit its scheme is a 400.",
    )
    oecd = filters.ChoiceFilter(
        choices=[("complete", "complete"), ("incomplete", "incomplete")],
        method="filter_oecd",
        help_text="complete: has all seven mandatory criteria of the OECD common reporting framework (title, "
        "description, submitter, supporting materials, AI relation, severity, harm type); incomplete: lacks one or more.",
    )
    oecd_missing = filters.MultipleChoiceFilter(
        choices=[(c.key, c.label) for c in CRITERIA],
        method="filter_oecd_missing",
        help_text="Lacks this OECD criterion (its key, as in /methodology/#oecd); repeat for alternatives.",
    )
    oecd_severity = ColumnChoicesFilter(
        choices=OecdSeverity.choices, help_text="OECD level (OECD AI Papers No. 16)."
    )
    harm_type = filters.MultipleChoiceFilter(
        choices=HarmType.choices,
        method="filter_harm_type",
        help_text="OECD type of harm; repeat for alternatives (any of them).",
    )

    # The web list's own spelling of the same facet, so a query string
    # copied from /incidents/ works here unchanged.
    reproduction = ColumnChoicesFilter(
        choices=[("yes", "yes"), ("no", "no")],
        method="filter_reproduction",
        help_text="As on the website: yes (a reproduction verdict exists), no (none yet); same as has_reproduction.",
    )

    class Meta:
        model = Incident
        fields = []

    def filter_reproduction(self, queryset, name, values):
        if not values or set(values) == {"yes", "no"}:
            return queryset
        return self.filter_has_reproduction(queryset, name, "true" if values[0] == "yes" else "false")

    def filter_search(self, queryset, name, value):
        # As given, never corrected: a script gets what it asked for (the
        # website says when it searched for something else; JSON cannot).
        return search_incidents(queryset, value, correct=False)

    def filter_year(self, queryset, name, values):
        return queryset.filter(occurred_in_years(values))

    def filter_taxonomy(self, queryset, name, terms):
        return queryset.filter(taxonomy.under_q(terms)) if terms else queryset

    def filter_organisation(self, queryset, name, orgs):
        return queryset.filter(_links(IncidentOrganisation, "organisation", orgs)) if orgs else queryset

    def filter_system(self, queryset, name, systems):
        return queryset.filter(_links(IncidentSystem, "system", systems)) if systems else queryset

    def filter_has_reproduction(self, queryset, name, value):
        return queryset.filter(has_reproduction_q() if value == "true" else ~has_reproduction_q())

    def filter_external(self, queryset, name, pairs):
        return queryset.filter(external_ids.external_q(pairs)) if pairs else queryset

    def filter_oecd(self, queryset, name, value):
        if not value:
            return queryset
        complete = completeness.mandatory_complete_q()
        return queryset.filter(complete if value == "complete" else ~complete)

    def filter_oecd_missing(self, queryset, name, keys):
        if not keys:
            return queryset
        lacking = Q()
        for key in sorted(set(keys)):
            lacking |= ~completeness.criterion_met_q(key)
        return queryset.filter(lacking)

    def filter_harm_type(self, queryset, name, values):
        return queryset.filter(harm_types__overlap=sorted(set(values))) if values else queryset


class IncidentChoiceFilter(DescribedSchemaMixin, filters.ModelChoiceFilter):
    openapi_schema = {"type": "string", "pattern": r"^AIKB-\d{4}-\d{4,}$"}


def _incident_choice(help_text):
    return IncidentChoiceFilter(
        field_name="incident",
        to_field_name="public_id",
        queryset=lambda request: visible_incidents(request.user if request else None),
        help_text=help_text,
    )


class ClaimFilterSet(UpdatedSinceFilterSet):
    incident = _incident_choice("Public id of the incident the claim belongs to, e.g. AIKB-2025-0001.")
    status = ColumnChoicesFilter(choices=Claim.Status.choices, help_text="Claim status.")

    class Meta:
        model = Claim
        fields = []


class EvidenceFilterSet(UpdatedSinceFilterSet):
    incident = _incident_choice("Public id of the incident.")
    claim = IntegerFilter(field_name="claim_id", min_value=1, max_value=2**63 - 1, help_text="Id of the claim the evidence supports.")
    source = IntegerFilter(field_name="source_id", min_value=1, max_value=2**63 - 1, help_text="Id of the source quoted.")
    stance = ColumnChoicesFilter(choices=Evidence.Stance.choices, help_text="Whether it supports, contradicts or gives context.")
    locator_type = ColumnChoicesFilter(choices=Evidence.LocatorType.choices, help_text="Kind of locator.")

    class Meta:
        model = Evidence
        fields = []


class SourceFilterSet(UpdatedSinceFilterSet):
    q = filters.CharFilter(method="filter_text", help_text="Words in the title or publisher (case-insensitive).")
    kind = ColumnChoicesFilter(choices=Source.Kind.choices, help_text="Kind of source.")
    reliability = ColumnChoicesFilter(choices=Source.Reliability.choices, help_text="Primary, secondary or commentary.")
    incident = IncidentChoiceFilter(
        to_field_name="public_id",
        queryset=lambda request: visible_incidents(request.user if request else None),
        method="filter_incident",
        help_text="Only sources quoted as evidence for this incident (public id).",
    )

    class Meta:
        model = Source
        fields = []

    def filter_text(self, queryset, name, value):
        from incidents.search import normalise_query

        text = normalise_query(value)
        if not text:
            return queryset
        return queryset.filter(Q(title__icontains=text) | Q(publisher__icontains=text))

    def filter_incident(self, queryset, name, incident):
        return queryset.filter(pk__in=Evidence.objects.filter(incident=incident).values("source_id"))


class MeasurementFilterSet(UpdatedSinceFilterSet):
    incident = _incident_choice("Public id of the incident.")
    metric = SlugsFilter(field_name="metric", queryset=Metric.objects.all(), help_text="Metric slug.")
    system = SlugsFilter(field_name="system", queryset=AISystem.objects.all(), help_text="Slug of the AI system measured.")
    claim = IntegerFilter(field_name="claim_id", min_value=1, max_value=2**63 - 1, help_text="Id of the claim the value supports.")
    provenance = filters.ChoiceFilter(
        choices=[("published", "published"), ("reproduction", "reproduction")],
        method="filter_provenance",
        help_text="published: a figure quoted from a source; reproduction: measured by one of our reproduction runs.",
    )
    purpose = ColumnChoicesFilter(
        choices=Measurement.Purpose.choices,
        help_text="published, reproduction (our re-runs of the real model) or pipeline-check. Pipeline checks "
        "(runs on mock, stand-in or CPU models) are never data and are listed only with purpose=pipeline-check.",
    )

    class Meta:
        model = Measurement
        fields = []

    def filter_provenance(self, queryset, name, value):
        return queryset.filter(evidence__isnull=value != "published")


class MetricFilterSet(UpdatedSinceFilterSet):
    unit = ColumnChoicesFilter(choices=Metric.Unit.choices, help_text="Unit of the metric's values.")

    class Meta:
        model = Metric
        fields = []


class OrganisationFilterSet(UpdatedSinceFilterSet):
    kind = ColumnChoicesFilter(choices=Organisation.Kind.choices, help_text="Kind of organisation.")

    class Meta:
        model = Organisation
        fields = []


class AISystemFilterSet(UpdatedSinceFilterSet):
    developer = SlugsFilter(queryset=Organisation.objects.all(), help_text="Slug of the developing organisation.")
    family = filters.CharFilter(field_name="family", lookup_expr="iexact", help_text="Model family, e.g. Llama.")

    class Meta:
        model = AISystem
        fields = []


class TaxonomyTermFilterSet(UpdatedSinceFilterSet):
    scheme = ColumnChoicesFilter(choices=TaxonomyTerm.Scheme.choices, help_text="Classification scheme.")
    parent = SlugsFilter(queryset=TaxonomyTerm.objects.all(), help_text="Slug of the parent term.")

    class Meta:
        model = TaxonomyTerm
        fields = []


class StrictOrderingFilter(OrderingFilter):
    """`ordering=` with the view's `ordering_fields` only (400 otherwise);
    a search without an explicit ordering is ranked like the website."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise exceptions.ValidationError(
                    {self.ordering_param: [f"Unknown ordering {', '.join(unknown)}; use {', '.join(sorted(allowed))} (prefix - for descending)."]}
                )
            return [*fields, "-id"]
        if getattr(view, "search_ranked", False) and request.query_params.get("q", "").strip():
            return view.ranked_ordering
        return self.get_default_ordering(view)

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if ordering:
            return queryset.order_by(*ordering)
        return queryset

    def get_schema_operation_parameters(self, view):
        """The orderings this list accepts, as a pattern: one or more of its
        fields, comma-separated, each optionally prefixed with - (the
        schema said "any string", and every other string is a 400)."""
        fields = sorted(getattr(view, "ordering_fields", None) or [])
        if not fields:
            return []
        one = "-?(" + "|".join(re.escape(field) for field in fields) + ")"
        return [{
            "name": self.ordering_param,
            "required": False,
            "in": "query",
            "description": f"Order by {', '.join(fields)} (prefix - for descending; several, comma-separated).",
            "schema": {"type": "string", "pattern": f"^{one}(,{one})*$"},
        }]
