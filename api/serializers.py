"""What each resource looks like in the API.

Related items are named by their stable identifier (public id, slug or id)
and linked by their API address; the incident detail embeds short summaries
of its claims, key measurements and sources so one request serves a story.
Every field carries a description, which becomes the OpenAPI documentation.
"""

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from editorial.changes import MAX_ENTRIES as MAX_CHANGES
from editorial.changes import Kind as ChangeKind
from editorial.changes import incident_changes
from incidents import completeness, external_ids
from incidents.citations import absolute_url, incident_citation_text, source_citation_text
from incidents.confidence import BASES, LADDER, confidence_of
from incidents.figures import interval_of
from incidents.models import (
    AISystem,
    CausalAttribution,
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
from incidents.oecd import CRITERIA, Dimension, UsageRights
from incidents.publishing import check_publishable, stored_incident, stored_version
from incidents.rendering import render_markdown
from incidents.services import change_claim_status

from .fields import StrictModelSerializer, WebUrlField

CREATED = "When the item was first recorded (UTC)."
UPDATED = "When the item last changed (UTC); use with `updated_since` for incremental sync."


def _api_url(view_name, lookup_field="pk", help_text="Address of this item in the API."):
    return serializers.HyperlinkedIdentityField(view_name=view_name, lookup_field=lookup_field, help_text=help_text)


def _slug_ref(model, help_text, **kwargs):
    return serializers.SlugRelatedField(slug_field="slug", queryset=model.objects.all(), help_text=help_text, **kwargs)


class ConfidenceSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=[(level.key, level.label) for level in LADDER],
        help_text="The claim's rung on the confidence ladder (see /methodology/#confidence), from its status and basis.",
    )
    label = serializers.CharField(help_text="The level in words, as the website shows it.")
    basis = serializers.ChoiceField(
        choices=[(basis.key, basis.label) for basis in BASES.values()],
        help_text="Who says so: the strongest of its supporting quotes (the party's own account, peer-reviewed "
        "research, independent press or researchers); none when no quote that can support it states it.",
    )
    basis_label = serializers.CharField(help_text="The basis in words.")
    supporting_sources = serializers.IntegerField(help_text="How many distinct sources that can support a claim state it.")


@extend_schema_field(ConfidenceSerializer)
class ConfidenceField(serializers.Field):
    """A claim's confidence, from the queryset's with_confidence annotations
    (or its prefetched evidence)."""

    def __init__(self, **kwargs):
        super().__init__(
            source="*", read_only=True,
            help_text="How sure we are: the claim's level on the confidence ladder and its basis.", **kwargs,
        )

    def to_representation(self, claim):
        return confidence_of(claim).as_dict()


class IntervalSerializer(serializers.Serializer):
    lower = serializers.FloatField(help_text="Lower bound, in the metric's unit.")
    upper = serializers.FloatField(help_text="Upper bound, in the metric's unit.")
    kind = serializers.ChoiceField(
        choices=[("given", "given"), ("wilson", "wilson")],
        help_text="given: the bounds the source or run gave; wilson: the 95% Wilson interval computed from the "
        "sample size of a rate that was published without bounds.",
    )


def interval_representation(measurement) -> dict | None:
    interval = interval_of(measurement)
    return {"lower": interval.lower, "upper": interval.upper, "kind": interval.kind} if interval else None


# --- brief summaries, embedded in other resources -------------------------------------------------


class OrganisationBriefSerializer(serializers.ModelSerializer):
    url = _api_url("api:organisation-detail", "slug")
    slug = serializers.SlugField(read_only=True, help_text="Stable identifier of the organisation.")
    name = serializers.CharField(read_only=True, help_text="Name of the organisation.")

    class Meta:
        model = Organisation
        fields = ["url", "slug", "name"]


class OrganisationRoleSerializer(serializers.Serializer):
    url = serializers.HyperlinkedRelatedField(
        source="organisation", view_name="api:organisation-detail", lookup_field="slug", read_only=True,
        help_text="The organisation in the API.",
    )
    slug = serializers.CharField(source="organisation.slug", read_only=True, help_text="Slug of the organisation.")
    name = serializers.CharField(source="organisation.name", read_only=True, help_text="Name of the organisation.")
    role = serializers.ChoiceField(choices=IncidentOrganisation.Role.choices, read_only=True, help_text="Its part in the incident.")


class SystemRoleSerializer(serializers.Serializer):
    url = serializers.HyperlinkedRelatedField(
        source="system", view_name="api:aisystem-detail", lookup_field="slug", read_only=True,
        help_text="The AI system in the API.",
    )
    slug = serializers.CharField(source="system.slug", read_only=True, help_text="Slug of the AI system.")
    name = serializers.CharField(source="system.name", read_only=True, help_text="Name of the AI system.")
    role = serializers.ChoiceField(choices=IncidentSystem.Role.choices, read_only=True, help_text="Its part in the incident.")


class ClaimBriefSerializer(serializers.ModelSerializer):
    url = _api_url("api:claim-detail")
    id = serializers.IntegerField(read_only=True, help_text="Id of the claim.")
    statement = serializers.CharField(read_only=True, help_text="What is claimed, in one sentence.")
    status = serializers.ChoiceField(choices=Claim.Status.choices, read_only=True, help_text="How far the claim holds up.")
    status_note = serializers.CharField(read_only=True, help_text="Why the claim has its status.")
    confidence = ConfidenceField()

    class Meta:
        model = Claim
        fields = ["url", "id", "statement", "status", "confidence", "status_note"]


class MeasurementBriefSerializer(serializers.ModelSerializer):
    url = _api_url("api:measurement-detail")
    id = serializers.IntegerField(read_only=True, help_text="Id of the measurement.")
    metric = serializers.CharField(source="metric.slug", read_only=True, help_text="Slug of the metric measured.")
    metric_name = serializers.CharField(source="metric.name", read_only=True, help_text="Name of the metric.")
    unit = serializers.CharField(source="metric.unit", read_only=True, help_text="Unit of the value (percent, ratio, count, proportion, usd, other).")
    system = serializers.CharField(source="system.slug", read_only=True, allow_null=True, default=None, help_text="Slug of the AI system measured; null for the field as a whole.")
    value = serializers.FloatField(read_only=True, help_text="The measured value, in the metric's unit.")
    lower = serializers.FloatField(read_only=True, allow_null=True, help_text="Lower bound, if published.")
    upper = serializers.FloatField(read_only=True, allow_null=True, help_text="Upper bound, if published.")
    sample_size = serializers.IntegerField(read_only=True, allow_null=True, help_text="Number of trials or samples, if known.")
    as_of = serializers.DateField(read_only=True, help_text="When the value held.")
    as_of_precision = serializers.CharField(read_only=True, help_text="How precisely as_of is known: day, month or year.")
    label = serializers.CharField(read_only=True, help_text="Condition or panel, e.g. '5-model panel'.")
    claim = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="Id of the claim this value supports, if any.")
    interval = serializers.SerializerMethodField(help_text="The interval to show: the given bounds, or the 95% Wilson interval of a rate with a known sample size; null when neither.")

    class Meta:
        model = Measurement
        fields = ["url", "id", "metric", "metric_name", "unit", "system", "value", "lower", "upper", "sample_size",
                  "interval", "as_of", "as_of_precision", "label", "claim"]

    @extend_schema_field(IntervalSerializer(allow_null=True))
    def get_interval(self, obj):
        return interval_representation(obj)


class SourceBriefSerializer(serializers.ModelSerializer):
    url = _api_url("api:source-detail")
    id = serializers.IntegerField(read_only=True, help_text="Id of the source.")
    title = serializers.CharField(read_only=True, help_text="Title of the source.")
    kind = serializers.ChoiceField(choices=Source.Kind.choices, read_only=True, help_text="Kind of source.")
    publisher = serializers.CharField(read_only=True, help_text="Who published it.")
    published_on = serializers.DateField(read_only=True, allow_null=True, help_text="When it was published.")
    reliability = serializers.ChoiceField(choices=Source.Reliability.choices, read_only=True, help_text="Primary, secondary or commentary.")
    link = serializers.CharField(source="url", read_only=True, help_text="The source's own address on the web.")

    class Meta:
        model = Source
        fields = ["url", "id", "title", "kind", "publisher", "published_on", "reliability", "link"]


class IncidentBriefSerializer(serializers.ModelSerializer):
    url = _api_url("api:incident-detail", "public_id")
    public_id = serializers.CharField(read_only=True, help_text="Permanent identifier, e.g. AIKB-2025-0001.")
    title = serializers.CharField(read_only=True, help_text="Title of the incident.")

    class Meta:
        model = Incident
        fields = ["url", "public_id", "title"]


# --- OECD criteria, external ids, attributions --------------------------------------------------


class ExternalIdSerializer(serializers.Serializer):
    scheme = serializers.ChoiceField(
        choices=[(key, spec.name) for key, spec in external_ids.SCHEMES.items()],
        help_text="The other database: aiid (AI Incident Database), oecd-aim (OECD AI Incidents Monitor), avid "
        "(AI Vulnerability Database), atlas (MITRE ATLAS case study), aiaaic (AIAAIC Repository) or cve.",
    )
    id = serializers.CharField(help_text="Its identifier there, e.g. 634 (aiid) or AML.CS0009 (atlas).")
    url = serializers.URLField(allow_null=True, help_text="Its record there; null where the database has no stable address (aiaaic).")


class OecdCompletenessSerializer(serializers.Serializer):
    mandatory_complete = serializers.BooleanField(
        help_text="Whether it has all seven mandatory criteria of the OECD common reporting framework (title, "
        "description, submitter, supporting materials, AI relation, severity, harm type), which publishing by an "
        "editor requires. Entries imported or curated before the rule may lack some."
    )
    mandatory_missing = serializers.ListField(
        child=serializers.ChoiceField(choices=[c.key for c in CRITERIA if c.mandatory]),
        help_text="The mandatory criteria it lacks (their keys, as in /methodology/#oecd).",
    )


class OecdCriterionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[c.key for c in CRITERIA], help_text="The criterion's key (its key in the OECD-shaped document).")
    label = serializers.CharField(help_text="The criterion in words.")
    dimension = serializers.ChoiceField(choices=Dimension.choices, help_text="Its dimension of the framework.")
    mandatory = serializers.BooleanField(help_text="Whether publishing requires it.")
    met = serializers.BooleanField(help_text="Whether the entry has it (incidents.completeness: the rule in /methodology/#oecd).")


class AttributionSerializer(serializers.Serializer):
    factor = serializers.ChoiceField(choices=CausalAttribution.Factor.choices, help_text="The contributing factor.")
    grounding = serializers.ChoiceField(
        choices=CausalAttribution.Grounding.choices,
        help_text="evidenced: backed by evidence of this incident (listed); speculative: a reasoned guess, not established.",
    )
    explanation = serializers.CharField(help_text="Why, in words.")
    evidence = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the evidence it cites (/api/v1/evidence/<id>/).")


def external_ids_of(obj) -> list[dict]:
    """[{"scheme", "id", "url"}], from the rows api.list_links attached or else the relation."""
    pairs = getattr(obj, "list_external_ids", None)
    if pairs is None:
        pairs = [(ext.scheme, ext.identifier) for ext in obj.external_ids.all()]
    return [external_ids.as_dict(scheme, identifier) for scheme, identifier in pairs]


def _has_evidence(obj) -> bool:
    """From the facts the detail view read (`oecd_facts`), else the list
    row's evidence count (api.list_links), else the relation."""
    facts = getattr(obj, "oecd_facts", None)
    if facts is not None:
        return facts.has_evidence
    count = getattr(obj, "list_evidence_count", None)
    if count is None:
        return obj.pk is not None and obj.evidence.exists()
    return count > 0


def oecd_completeness_of(obj) -> dict:
    """The mandatory criteria only (incidents.completeness): they read the
    list row's columns and its evidence, never the deferred account."""
    missing = [c.key for c in completeness.missing_for_publication(obj, has_evidence=_has_evidence(obj))]
    return {"mandatory_complete": not missing, "mandatory_missing": missing}


# --- incidents ------------------------------------------------------------------------------------


class IncidentSerializer(StrictModelSerializer):
    url = _api_url("api:incident-detail", "public_id")
    web_url = WebUrlField()
    public_id = serializers.CharField(read_only=True, help_text=Incident._meta.get_field("public_id").help_text)
    organisations = OrganisationRoleSerializer(
        source="organisation_links", many=True, read_only=True, help_text="Organisations involved, with their role."
    )
    systems = SystemRoleSerializer(
        source="system_links", many=True, read_only=True, help_text="AI systems involved, with their role."
    )
    taxonomy = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=TaxonomyTerm.objects.all(),
        help_text="Slugs of the taxonomy terms that classify it.",
    )
    has_reproduction = serializers.BooleanField(
        read_only=True, help_text="Whether a reproduction verdict exists for at least one of its claims."
    )
    external_ids = serializers.SerializerMethodField(
        help_text="The same event in other incident databases (\"Also recorded in\"): scheme, id and address. "
        "Filter with `external=scheme:id`."
    )
    oecd_completeness = serializers.SerializerMethodField(
        help_text="Whether it has the seven mandatory criteria of the OECD common reporting framework, and which it lacks."
    )

    clean_exclude = ("public_id", "search_vector", "merged_into")

    class Meta:
        model = Incident
        fields = [
            "url", "web_url", "public_id", "title", "slug", "kind", "status", "severity", "setting", "summary",
            "occurred_on", "occurred_precision", "reported_on", "reported_precision", "is_published",
            "organisations", "systems", "taxonomy", "has_reproduction", "oecd_severity", "harm_types", "countries",
            "external_ids", "oecd_completeness", "created", "updated",
        ]
        extra_kwargs = {
            "oecd_severity": {"help_text": "The OECD level (OECD AI Papers No. 16), beside the 1-5 severity: an incident "
                              "takes incident, serious-incident or disaster; a hazard or research finding takes hazard "
                              "or serious-hazard; empty: not yet classified."},
            "harm_types": {"help_text": "OECD types of harm: physical, psychological, economic-property, reputational, "
                           "environmental, public-interest, human-fundamental-rights."},
            "countries": {"help_text": "Where it happened: ISO 3166-1 alpha-2 codes, e.g. US, DE."},
            "title": {"help_text": "Short title of the incident."},
            "slug": {"help_text": "Words of the title for readable addresses (letters, digits, hyphens)."},
            "kind": {"help_text": "Incident (it happened), research finding (observed in a study) or hazard (could happen)."},
            "status": {"help_text": "Editorial status: reported, confirmed, disputed or retracted."},
            "severity": {"help_text": "Severity from 1 (low) to 5 (critical)."},
            "setting": {"help_text": "Where it happened: training, evaluation or deployment."},
            "summary": {"help_text": "Plain-language summary (Markdown)."},
            "occurred_on": {"help_text": "When it happened, at the precision of `occurred_precision` (first of month or year otherwise)."},
            "occurred_precision": {"help_text": "Precision of `occurred_on`: day, month or year."},
            "reported_on": {"help_text": "When it was first reported, at the precision of `reported_precision`."},
            "reported_precision": {"help_text": "Precision of `reported_on`: day, month or year."},
            "is_published": {"help_text": "Whether the public can see it (drafts are visible to editors only). Only an editor (the incidents.publish_incident permission) may publish or withdraw an entry, or change a public one."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }

    def authorise(self, incident):
        """A writer without the publish permission saves drafts and leaves public entries alone."""
        stored = stored_version(incident.pk)
        self._stored = stored
        publishes = incident.is_published if stored is None else incident.is_published != stored.is_published
        self.check_write(incidents=[stored], publishes=publishes)

    def before_save(self, incident):
        """Publishing needs the OECD mandatory criteria (incidents.publishing.check_publishable):
        400 {"is_published": [...]}, and nothing is written (we are inside the write's transaction)."""
        try:
            check_publishable(incident, getattr(self, "_stored", None))
        except DjangoValidationError as error:
            raise serializers.ValidationError({"is_published": error.messages}, code="oecd_mandatory") from None

    @extend_schema_field(ExternalIdSerializer(many=True))
    def get_external_ids(self, obj):
        return external_ids_of(obj)

    @extend_schema_field(OecdCompletenessSerializer)
    def get_oecd_completeness(self, obj):
        return oecd_completeness_of(obj)


class IncidentListItems(serializers.ListSerializer):
    """A page of IncidentListSerializer items, in one loop: what the items
    share (addresses, time zone) is looked up once per page, not per item."""

    def to_representation(self, data):
        items = data.all() if isinstance(data, models.manager.BaseManager) else data
        item = self.child.item_builder()
        return [item(obj) for obj in items]


@extend_schema_serializer(component_name="Incident")
class IncidentListSerializer(IncidentSerializer):
    """The list's items: the same fields and values as IncidentSerializer
    (a test compares them), built without DRF's per-field machinery, which
    cost most of a 100-item page's time. Addresses come from one reversed
    template per kind instead of a reverse() per link."""

    class Meta(IncidentSerializer.Meta):
        list_serializer_class = IncidentListItems

    def to_representation(self, obj):
        return self.item_builder()(obj)

    def item_builder(self):
        """A function from an incident to its item (see IncidentListItems)."""
        urls = _url_templates(self.context)
        incident_url, incident_web_url = urls["incident"], urls["incident_web"]
        links = _links_builder(self.context)
        zone = _time_zone(self.context)

        def item(obj):
            public_id = obj.public_id
            organisations, systems, taxonomy = links(obj)
            return {
                "url": incident_url.replace(_ID_SLOT, public_id),
                "web_url": incident_web_url.replace(_ID_SLOT, public_id),
                "public_id": public_id,
                "title": obj.title,
                "slug": obj.slug,
                "kind": obj.kind,
                "status": obj.status,
                "severity": obj.severity,
                "setting": obj.setting,
                "summary": obj.summary,
                "occurred_on": _date(obj.occurred_on),
                "occurred_precision": obj.occurred_precision,
                "reported_on": _date(obj.reported_on),
                "reported_precision": obj.reported_precision,
                "is_published": obj.is_published,
                "organisations": organisations,
                "systems": systems,
                "taxonomy": taxonomy,
                "has_reproduction": obj.has_reproduction,
                "oecd_severity": obj.oecd_severity,
                "harm_types": list(obj.harm_types),
                "countries": list(obj.countries),
                "external_ids": external_ids_of(obj),
                "oecd_completeness": oecd_completeness_of(obj),
                "created": _datetime(obj.created, zone),
                "updated": _datetime(obj.updated, zone),
            }

        return item


# The incident fields that links_representation builds.
LINK_FIELDS = ("organisations", "systems", "taxonomy")


def links_representation(obj, context) -> dict:
    """An incident's organisations, systems and taxonomy as
    IncidentSerializer gives them."""
    return dict(zip(LINK_FIELDS, _links_builder(context)(obj)))


def _links_builder(context):
    """A function from an incident to its organisations, systems and
    taxonomy as IncidentSerializer gives them: from the (slug, name, role)
    rows api.list_links attached or, where none are, from the relations."""
    urls = _url_templates(context)
    organisation_url, system_url = urls["organisation"], urls["system"]

    def links(obj):
        organisations = getattr(obj, "list_organisations", None)
        if organisations is None:  # not attached by the view: read the relations
            organisations = [(link.organisation.slug, link.organisation.name, link.role)
                             for link in obj.organisation_links.all()]
        systems = getattr(obj, "list_systems", None)
        if systems is None:
            systems = [(link.system.slug, link.system.name, link.role) for link in obj.system_links.all()]
        taxonomy = getattr(obj, "list_taxonomy", None)
        if taxonomy is None:
            taxonomy = [term.slug for term in obj.taxonomy.all()]
        return (
            [{"url": organisation_url.replace(_SLUG_SLOT, slug), "slug": slug, "name": name, "role": role}
             for slug, name, role in organisations],
            [{"url": system_url.replace(_SLUG_SLOT, slug), "slug": slug, "name": name, "role": role}
             for slug, name, role in systems],
            taxonomy,
        )

    return links


def _url_templates(context) -> dict:
    """Addresses with a placeholder for the id or slug, reversed once per
    response instead of once per link."""
    cache = context.setdefault("_url_templates", {})
    if not cache:
        from django.urls import reverse

        from incidents.citations import absolute_url

        absolute = context["request"].build_absolute_uri
        cache.update(
            incident=absolute(reverse("api:incident-detail", kwargs={"public_id": _ID_SLOT})),
            incident_web=absolute_url(reverse("incident-detail", args=[_ID_SLOT])),
            organisation=absolute(reverse("api:organisation-detail", kwargs={"slug": _SLUG_SLOT})),
            system=absolute(reverse("api:aisystem-detail", kwargs={"slug": _SLUG_SLOT})),
        )
    return cache


# Placeholders that fit the URL patterns and never occur in a real address.
_ID_SLOT = "AIKB-0000-0000"
_SLUG_SLOT = "slot-7f3a9c-placeholder"


def _date(value):
    return value.isoformat() if value is not None else None


def _time_zone(context):
    """The zone DRF writes times in (the active one), looked up once per
    response: it sits in a context-local, and two lookups per item were a
    noticeable part of a 100-item page's time."""
    if "_time_zone" not in context:
        from django.utils import timezone

        context["_time_zone"] = timezone.get_current_timezone()
    return context["_time_zone"]


def _datetime(value, zone):
    """As DRF's DateTimeField writes it (ISO 8601 in `zone`, UTC as Z)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class IncidentChangeSerializer(serializers.Serializer):
    """One entry of an incident's change log (editorial.changes), as its page says it."""

    when = serializers.DateTimeField(help_text="When the change was made (UTC).")
    kind = serializers.ChoiceField(choices=ChangeKind.choices, help_text="What changed.")
    text = serializers.CharField(
        help_text="The change in plain words, with its reason where one was recorded: the words of the "
        "incident page's “What changed” section and of its changes feed.",
    )
    url = serializers.URLField(
        allow_null=True,
        help_text="A web page about the change (the claim on the incident page, the source, the reproduction "
        "run); null when there is none.",
    )

    def to_representation(self, change):
        return {
            "when": serializers.DateTimeField().to_representation(change.when),
            "kind": change.kind,
            "text": change.text,
            "url": absolute_url(change.link) if change.link else None,
        }


# The OECD columns the detail adds, writable (the list has oecd_severity, harm_types and countries).
OECD_DETAIL_FIELDS = (
    "submitter_type", "submitter_name", "ai_relation", "ai_relation_note", "harm_quantification", "unintended_use",
    "affected_stakeholders", "rights_impacts", "ai_principles", "industries", "business_functions",
    "critical_infrastructure", "deployment_breadth", "training_data", "ai_tasks", "autonomy_level",
    "systems_interacting", "actions_taken",
)


def attribution_rows(incident) -> list:
    """The incident's attributions, each with `evidence_ids`, in one query."""
    return list(
        CausalAttribution.objects.filter(incident_id=incident.pk)
        .annotate(evidence_ids=ArrayAgg("evidence__id", filter=Q(evidence__isnull=False), default=[]))
        .order_by("factor")
    )


class IncidentDetailSerializer(IncidentSerializer):
    body = serializers.CharField(required=False, allow_blank=True, help_text="The full account (Markdown).")
    summary_html = serializers.SerializerMethodField(help_text="The summary as sanitised HTML.")
    body_html = serializers.SerializerMethodField(help_text="The full account as sanitised HTML.")
    claims = ClaimBriefSerializer(many=True, read_only=True, help_text="Its claims, each with its status.")
    key_measurements = MeasurementBriefSerializer(
        many=True, read_only=True, help_text="Published figures (measurements quoted from sources); reproduction results are under /measurements/?incident=."
    )
    sources = SourceBriefSerializer(many=True, read_only=True, help_text="Sources quoted as evidence for it.")
    citation = serializers.SerializerMethodField(help_text="How to cite it, as one line of plain text.")
    merged_from = serializers.SlugRelatedField(
        slug_field="public_id", many=True, read_only=True, help_text="Public ids of entries merged into this one (they redirect here)."
    )
    changes = serializers.SerializerMethodField(
        help_text=f"What changed, newest first, in plain words (the newest {MAX_CHANGES}; every revision is on the "
        "web page /incidents/<public_id>/history/, and the changes as an Atom feed at "
        "/incidents/<public_id>/changes.atom). Empty for a draft.",
    )

    oecd_criteria = serializers.SerializerMethodField(
        help_text="The 29 criteria of the OECD common reporting framework, each with whether the entry has it "
        "(the rules: /methodology/#oecd)."
    )
    attributions = serializers.SerializerMethodField(
        help_text="What caused it: contributing factors, each evidenced (citing this incident's evidence) or speculative."
    )
    oecd_document = serializers.SerializerMethodField(
        help_text="The entry as an OECD-shaped JSON document (schema: /api/schema/oecd-incident.json)."
    )

    class Meta(IncidentSerializer.Meta):
        fields = IncidentSerializer.Meta.fields[:10] + ["body", "summary_html", "body_html"] + IncidentSerializer.Meta.fields[10:] + [
            "claims", "key_measurements", "sources", "merged_from", "citation", "changes",
            *OECD_DETAIL_FIELDS, "oecd_criteria", "attributions", "oecd_document",
        ]
        extra_kwargs = {**IncidentSerializer.Meta.extra_kwargs, **{
            "submitter_type": {"help_text": "Who submitted it (OECD 'submitter'): editor, public, developer, deployer, "
                               "researcher, media, government, database or other."},
            "submitter_name": {"help_text": "The submitter's public name (an organisation or database; never a private contact)."},
            "ai_relation": {"help_text": "How the AI system relates to it (OECD): development, use and/or malfunction."},
            "ai_relation_note": {"help_text": "The relation in words, where the choices say too little."},
            "harm_quantification": {"help_text": "How much harm, in words: people, money, duration."},
            "unintended_use": {"help_text": "Whether the system was used outside its intended use; null: not known."},
            "affected_stakeholders": {"help_text": "Who was affected (OECD stakeholder groups)."},
            "rights_impacts": {"help_text": "Human or fundamental rights affected, and how."},
            "ai_principles": {"help_text": "The OECD AI Principles concerned."},
            "industries": {"help_text": "Industries: ISIC Rev.4 section letters, A-U."},
            "business_functions": {"help_text": "Business functions in which the system was used."},
            "critical_infrastructure": {"help_text": "Critical infrastructure sectors concerned (CER Directive); "
                                        "['none'] when none was, and 'none' stands alone."},
            "deployment_breadth": {"help_text": "How widely the system was deployed: pilot, narrow, broad or widespread."},
            "training_data": {"help_text": "What is known of the data the system was trained on."},
            "ai_tasks": {"help_text": "The tasks the AI system performed (OECD)."},
            "autonomy_level": {"help_text": "Its level of autonomy: no-action, human-in-the-loop, human-on-the-loop or "
                               "human-out-of-the-loop."},
            "systems_interacting": {"help_text": "Whether several AI systems interacting caused it; null: not known."},
            "actions_taken": {"help_text": "What the developer, deployer or others did in response."},
        }}

    @extend_schema_field(OecdCriterionSerializer(many=True))
    def get_oecd_criteria(self, obj):
        facts = getattr(obj, "oecd_facts", None)
        if facts is None:
            facts = completeness.facts_for([obj.pk]).get(obj.pk, completeness.NO_FACTS)
        result = completeness.completeness_of(obj, facts)
        return [
            {"key": r.criterion.key, "label": r.criterion.label, "dimension": r.criterion.dimension,
             "mandatory": r.criterion.mandatory, "met": r.met}
            for r in result.results
        ]

    @extend_schema_field(AttributionSerializer(many=True))
    def get_attributions(self, obj):
        rows = getattr(obj, "attribution_rows", None)
        if rows is None:
            rows = attribution_rows(obj)
        return [
            {"factor": a.factor, "grounding": a.grounding, "explanation": a.explanation, "evidence": sorted(a.evidence_ids)}
            for a in rows
        ]

    @extend_schema_field(serializers.URLField())
    def get_oecd_document(self, obj):
        from django.urls import reverse

        return self.context["request"].build_absolute_uri(reverse("api:incident-oecd", kwargs={"public_id": obj.public_id}))

    def to_representation(self, obj):
        """DRF's fields but the links, which come as the list's do: from one
        query the view attaches (api.list_links), where three prefetches and
        an EXISTS took a large share of each item's time
        (figures: docs/benchmarks.md, 'Why the indexes and query shapes')."""
        data = {**super().to_representation(obj), **links_representation(obj, self.context)}
        return {name: data[name] for name in self.fields if name in data}

    @property
    def _readable_fields(self):
        for field in super()._readable_fields:
            if field.field_name not in LINK_FIELDS:
                yield field

    def get_summary_html(self, obj) -> str:
        return str(render_markdown(obj.summary))

    def get_body_html(self, obj) -> str:
        return str(render_markdown(obj.body))

    def get_citation(self, obj) -> str:
        return incident_citation_text(obj)

    @extend_schema_field(IncidentChangeSerializer(many=True))
    def get_changes(self, obj):
        return IncidentChangeSerializer(incident_changes(obj), many=True).data


# --- claims, evidence, measurements ----------------------------------------------------------------


class IncidentRef(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Public id of the incident, e.g. AIKB-2025-0001.")
        super().__init__(slug_field="public_id", queryset=Incident.objects.all(), **kwargs)


class IncidentPartSerializer(StrictModelSerializer):
    """Claims, evidence and measurements: a write touches the incident they
    belonged to and the one they will belong to (incidents.publishing)."""

    def authorise(self, instance):
        self.check_write(incidents=[stored_incident(instance), instance.incident])


class ClaimSerializer(IncidentPartSerializer):
    url = _api_url("api:claim-detail")
    incident = IncidentRef()
    incident_url = serializers.HyperlinkedRelatedField(
        source="incident", view_name="api:incident-detail", lookup_field="public_id", read_only=True,
        help_text="The incident in the API.",
    )
    status = serializers.ChoiceField(
        choices=Claim.Status.choices, required=False,
        help_text="How far the claim holds up. Only reproduction verdicts set 'reproduced' or 'not-reproduced'; "
        "every change is recorded (see the claim status feed).",
    )
    systems = serializers.SlugRelatedField(
        slug_field="slug", queryset=AISystem.objects.all(), many=True, required=False,
        help_text="Slugs of the AI systems the claim is about (its figures belong to them); a reproduction run "
        "judges the claim only when the model that ran is one of them.",
    )
    confidence = ConfidenceField()

    class Meta:
        model = Claim
        fields = ["url", "id", "incident", "incident_url", "statement", "systems", "status", "confidence", "status_note",
                  "position", "created", "updated"]
        extra_kwargs = {
            "id": {"help_text": "Id of the claim."},
            "statement": {"help_text": "What is claimed, in one sentence."},
            "status_note": {"help_text": "Why the claim has its status; recorded as the reason when the status changes."},
            "position": {"help_text": "Order of the claim within its incident."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }

    def validate_incident(self, incident):
        if self.instance is not None and incident.pk != self.instance.incident_id:
            raise serializers.ValidationError("A claim cannot move to another incident.", code="immutable")
        return incident

    def _save(self, instance, validated_data):
        """Status writes go through change_claim_status (recorded, verdict-only rules)."""
        new_status = validated_data.pop("status", None)
        old_status = instance.status if instance.pk else Claim.Status.UNVERIFIED
        many = self._assign(instance, validated_data)
        self.authorise(instance)
        instance.status = new_status or old_status
        self.full_clean(instance)
        if new_status and new_status != old_status:
            if instance.pk and "status_note" not in self.initial_data:
                raise serializers.ValidationError(
                    {"status_note": ["Say why the status changes: send status_note with the new status."]},
                    code="required",
                )
            if not instance.status_note.strip():
                raise serializers.ValidationError(
                    {"status_note": ["Say why the status changes: the reason is recorded and shown to readers."]},
                    code="blank",
                )
        instance.status = old_status
        with transaction.atomic():
            instance.save()
            for name, value in many.items():
                getattr(instance, name).set(value)
            if new_status and new_status != old_status:
                change_claim_status(instance, new_status, reason=instance.status_note)
                instance.refresh_from_db(fields=["status", "updated"])
        return instance


class EvidenceSerializer(IncidentPartSerializer):
    url = _api_url("api:evidence-detail")
    incident = IncidentRef()
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all(), help_text="Id of the source quoted.")
    source_url = serializers.HyperlinkedRelatedField(
        source="source", view_name="api:source-detail", read_only=True, help_text="The source in the API."
    )
    claim = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), required=False, allow_null=True,
        help_text="Id of the claim it bears on (same incident), or null for the incident as a whole.",
    )

    class Meta:
        model = Evidence
        fields = ["url", "id", "incident", "claim", "source", "source_url", "quote", "locator_type", "locator", "stance",
                  "basis", "created", "updated"]
        extra_kwargs = {
            "id": {"help_text": "Id of the evidence."},
            "basis": {"help_text": "Who says so, relative to the claim: party (the developer, deployer or study authors "
                      "about their own system or work), peer-reviewed, independent (press or researchers with their own "
                      "access), relay (coverage repeating another source) or commentary. Omitted: from the source's "
                      "reliability (primary: party; secondary: relay; commentary: commentary)."},
            "quote": {"help_text": "The exact words of the source."},
            "locator_type": {"help_text": "What the locator is: page, section, timestamp, paragraph or figure."},
            "locator": {"help_text": "Where the quote sits: page number, section, or timestamp HH:MM:SS."},
            "stance": {"help_text": "Whether the quote supports, contradicts or gives context to the claim."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }


class MeasurementSerializer(IncidentPartSerializer):
    url = _api_url("api:measurement-detail")
    metric = _slug_ref(Metric, "Slug of the metric measured.")
    incident = IncidentRef()
    system = _slug_ref(AISystem, "Slug of the AI system measured; null for the field as a whole.", required=False, allow_null=True)
    claim = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), required=False, allow_null=True, help_text="Id of the claim the value supports."
    )
    evidence = serializers.PrimaryKeyRelatedField(
        queryset=Evidence.objects.all(), required=False, allow_null=True,
        help_text="Id of the evidence quoting the published figure (its provenance). Required through the API.",
    )
    reproduction_run = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the reproduction run that measured it (set by reproductions, not by clients)."
    )
    provenance = serializers.SerializerMethodField(help_text="'published' (quoted from a source) or 'reproduction'.")
    purpose = serializers.ChoiceField(
        choices=Measurement.Purpose.choices, read_only=True,
        help_text="published: a figure quoted from a source; reproduction: our re-run of the real model; "
        "pipeline-check: a run on a mock, stand-in or CPU model that only proves the pipeline works. Pipeline "
        "checks are left out of lists unless asked for with ?purpose=pipeline-check, and are never data.",
    )
    interval = serializers.SerializerMethodField(help_text="The interval to show: the given bounds, or the 95% Wilson interval of a rate with a known sample size; null when neither.")

    class Meta:
        model = Measurement
        fields = ["url", "id", "metric", "incident", "claim", "system", "value", "lower", "upper", "sample_size",
                  "interval", "as_of", "as_of_precision", "label", "provenance", "purpose", "evidence",
                  "reproduction_run", "created", "updated"]
        extra_kwargs = {
            "id": {"help_text": "Id of the measurement."},
            "value": {"help_text": "The value, in the metric's unit (percent 0-100, proportion 0-1)."},
            "lower": {"help_text": "Lower bound (e.g. of a confidence interval); not above the value."},
            "upper": {"help_text": "Upper bound; not below the value."},
            "sample_size": {"help_text": "Number of trials or samples (at least 1)."},
            "as_of": {"help_text": "When the value held (publication or run date)."},
            "as_of_precision": {"help_text": "How precisely as_of is known: day, month or year (then as_of is the first of the month or year)."},
            "label": {"help_text": "Condition or panel, e.g. '5-model panel'."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }

    def get_provenance(self, obj) -> str:
        return "published" if obj.evidence_id else "reproduction"

    @extend_schema_field(IntervalSerializer(allow_null=True))
    def get_interval(self, obj):
        return interval_representation(obj)


# --- sources and reference entities ---------------------------------------------------------------


class SourceSerializer(serializers.ModelSerializer):
    url = _api_url("api:source-detail")
    web_url = WebUrlField()
    # CharField, not URLField: the address may be blank, which is no URI.
    link = serializers.CharField(source="url", read_only=True, help_text="The source's own address on the web (may be empty).")
    responding_organisation = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True,
        help_text="For a response (right of reply): slug of the organisation that replied."
    )
    archived_copy = serializers.SerializerMethodField(help_text="Address of our archived copy, if any.")
    citation = serializers.SerializerMethodField(help_text="How to cite it, as one line of plain text.")

    class Meta:
        model = Source
        fields = ["url", "web_url", "id", "kind", "title", "link", "publisher", "authors", "published_on", "reliability",
                  "responding_organisation", "archived_copy", "archived_sha256", "archived_at", "citation", "created", "updated"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Id of the source."},
            "kind": {"help_text": "Paper, article, transcript, log, post, dataset or response."},
            "title": {"help_text": "Title of the source."},
            "publisher": {"help_text": "Who published it."},
            "authors": {"help_text": "Authors, as written."},
            "published_on": {"help_text": "When it was published."},
            "reliability": {"help_text": "Primary (first-hand), secondary (reporting) or commentary."},
            "archived_sha256": {"help_text": "SHA-256 of our archived copy, to check it was not altered."},
            "archived_at": {"help_text": "When the archived copy was retrieved."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }

    def get_archived_copy(self, obj) -> str | None:
        if not obj.archived_file:
            return None
        from incidents.citations import absolute_url

        return absolute_url(obj.archived_file.url)

    def get_citation(self, obj) -> str:
        return source_citation_text(obj)


class SourceDetailSerializer(SourceSerializer):
    incidents = IncidentBriefSerializer(many=True, read_only=True, help_text="Public incidents that quote it as evidence.")

    class Meta(SourceSerializer.Meta):
        fields = SourceSerializer.Meta.fields + ["incidents"]
        read_only_fields = fields


class MetricSerializer(serializers.ModelSerializer):
    url = _api_url("api:metric-detail", "slug")
    web_url = WebUrlField()

    class Meta:
        model = Metric
        fields = ["url", "web_url", "slug", "name", "unit", "higher_is", "description", "created", "updated"]
        read_only_fields = fields
        extra_kwargs = {
            "slug": {"help_text": "Stable identifier of the metric."},
            "name": {"help_text": "Name of the metric."},
            "unit": {"help_text": "Unit of its values: percent, ratio, count, proportion, usd or other."},
            "higher_is": {"help_text": "Whether a higher value is worse, better or neither."},
            "description": {"help_text": "What is counted, over what (Markdown)."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }


class OrganisationSerializer(serializers.ModelSerializer):
    url = _api_url("api:organisation-detail", "slug")
    web_url = WebUrlField()
    website = serializers.CharField(source="url", read_only=True, help_text="The organisation's own website (may be empty).")

    class Meta:
        model = Organisation
        fields = ["url", "web_url", "slug", "name", "kind", "country", "website", "description", "created", "updated"]
        read_only_fields = fields
        extra_kwargs = {
            "slug": {"help_text": "Stable identifier of the organisation."},
            "name": {"help_text": "Name of the organisation."},
            "kind": {"help_text": "Company, lab, academic, government, nonprofit, media or other."},
            "country": {"help_text": "Country of its headquarters."},
            "description": {"help_text": "About the organisation (Markdown)."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }


class AISystemSerializer(serializers.ModelSerializer):
    url = _api_url("api:aisystem-detail", "slug")
    web_url = WebUrlField()
    developer = OrganisationBriefSerializer(
        read_only=True, allow_null=True,
        help_text="The organisation that developed it; null when not recorded or not public "
        "(named by unpublished entries only).",
    )
    website = serializers.CharField(source="url", read_only=True, help_text="The system's own page (may be empty).")
    usage_rights = serializers.ChoiceField(
        choices=UsageRights.choices, allow_blank=True, read_only=True,
        help_text="How it is offered (OECD 'usage rights'): proprietary-api, proprietary-internal, open-weights or "
        "open-source; empty: not recorded.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # visibility.with_public_developer, as on the web pages.
        if getattr(instance, "developer_is_public", True) is False:
            data["developer"] = None
        return data

    class Meta:
        model = AISystem
        fields = ["url", "web_url", "slug", "name", "version", "family", "developer", "website", "description",
                  "usage_rights", "created", "updated"]
        read_only_fields = fields
        extra_kwargs = {
            "slug": {"help_text": "Stable identifier of the AI system."},
            "name": {"help_text": "Name of the AI system."},
            "version": {"help_text": "Version, if any."},
            "family": {"help_text": "Model family, e.g. Llama, Qwen, Claude."},
            "description": {"help_text": "About the system (Markdown)."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }


class TaxonomyTermSerializer(serializers.ModelSerializer):
    url = _api_url("api:taxonomyterm-detail", "slug")
    web_url = WebUrlField()
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True, help_text="Slug of the parent term, if any.")

    class Meta:
        model = TaxonomyTerm
        fields = ["url", "web_url", "slug", "scheme", "code", "name", "parent", "description", "created", "updated"]
        read_only_fields = fields
        extra_kwargs = {
            "slug": {"help_text": "Stable identifier of the term."},
            "scheme": {"help_text": "Classification scheme the term belongs to."},
            "code": {"help_text": "The scheme's own code, e.g. 7.1."},
            "name": {"help_text": "Name of the term."},
            "description": {"help_text": "What the term covers (Markdown)."},
            "created": {"help_text": CREATED},
            "updated": {"help_text": UPDATED},
        }
