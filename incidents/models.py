"""The incident domain: incidents, the parties and systems involved, the
taxonomy, sources and the evidence quoted from them, claims, metrics and
their measurements.

Rules that must hold whatever writes the data (admin, API, fixtures,
importers) are database constraints; `clean()` repeats them with the message a
person reads.
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.urls import reverse
from simple_history.models import HistoricalRecords

from . import oecd
from .external_ids import SCHEMES
from .identifiers import PUBLIC_ID_PATTERN, assign_public_id, ensure_public_id_unchanged
from .oecd import (
    ARRAY_VOCABULARIES,
    Autonomy,
    DeploymentBreadth,
    OecdSeverity,
    SubmitterType,
    UsageRights,
)
from .text import CleanText
from .visibility import HIDDEN, PUBLIC, PUBLIC_FIELDS

TIMESTAMP_PATTERN = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")


class TimeStamped(CleanText):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def precision_constraint(field: str, precision: str) -> Q:
    """A date stored with month precision is the first of its month; with
    year precision, the first of January."""
    return (
        Q(**{f"{field}__isnull": True})
        | Q(**{precision: DatePrecision.DAY})
        | Q(**{precision: DatePrecision.MONTH, f"{field}__day": 1})
        | Q(**{precision: DatePrecision.YEAR, f"{field}__day": 1, f"{field}__month": 1})
    )


def precision_error(value, precision) -> str | None:
    if value is None:
        return None
    if precision == DatePrecision.MONTH and value.day != 1:
        return "With month precision, give the first day of the month (e.g. 2025-06-01)."
    if precision == DatePrecision.YEAR and (value.day, value.month) != (1, 1):
        return "With year precision, give the first of January (e.g. 2025-01-01)."
    return None


def incident_year():
    """The year an incident is filed under (the year facet and filter,
    incidents.facets.occurred_in_years): when it occurred or, where that is
    not known (most entries: a study or report has no date of its own), when
    it was first reported."""
    return ExtractYear(Coalesce("occurred_on", "reported_on"))


def format_with_precision(value, precision) -> str:
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}"
    if precision == DatePrecision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


class Organisation(TimeStamped):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        LAB = "lab", "Research lab"
        ACADEMIC = "academic", "University or academic group"
        GOVERNMENT = "government", "Government or regulator"
        NONPROFIT = "nonprofit", "Non-profit"
        MEDIA = "media", "Media"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    country = models.CharField(max_length=100, blank=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisation-detail", args=[self.slug])


class AISystem(TimeStamped):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    developer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="systems"
    )
    family = models.CharField(max_length=100, blank=True, help_text="e.g. Llama, Qwen, Claude, GPT-4.")
    version = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    url = models.URLField(blank=True)
    base_system = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_systems",
        help_text="For a fine-tune or other derivative: the system it was made from. A fine-tune is a system of "
        "its own: figures about it are never figures about its base, and the reverse.",
    )
    usage_rights = models.CharField(
        max_length=20,
        choices=UsageRights.choices,
        blank=True,
        help_text="OECD criterion 'usage rights': how the system is offered (API, internal, open weights, open source).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "AI system"
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="aisystem_unique_name_version"),
            models.CheckConstraint(condition=~Q(base_system=F("id")), name="aisystem_not_own_base"),
        ]

    def __str__(self):
        # "Llama3.1-70B-Instruct", not "Llama3.1-70B-Instruct 3.1": many names already carry their version.
        # It counts as named when it stands alone or right after letters ("Llama3"), never inside a
        # longer number ("2" in "Qwen2.5" is another version).
        version = self.version.strip()
        named = rf"(?:(?<![\w.])|(?<=[^\W\d_])(?=\d)){re.escape(version)}(?![\w.])"
        if not version or re.search(named, self.name, re.IGNORECASE):
            return self.name
        return f"{self.name} {version}"

    def get_absolute_url(self):
        return reverse("system-detail", args=[self.slug])


class TaxonomyTerm(TimeStamped):
    """A node of one of our classification schemes; terms nest through `parent`."""

    class Scheme(models.TextChoices):
        MIT_DOMAIN = "mit-domain", "MIT AI Risk Repository domain"
        MIT_CAUSAL = "mit-causal", "MIT AI Risk Repository causal"
        BEHAVIOUR = "behaviour", "Observed behaviour"

    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    code = models.CharField(max_length=20, blank=True, help_text="The scheme's own code, e.g. 7.1.")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    description = models.TextField(blank=True, help_text="Markdown.")

    class Meta:
        ordering = ["scheme", "code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], condition=~Q(code=""), name="taxonomy_unique_scheme_code"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="taxonomy_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()

    def clean(self):
        if self.parent_id and self.parent.scheme != self.scheme:
            raise ValidationError({"parent": "A term's parent must belong to the same scheme."})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "A term cannot be its own ancestor."})
            ancestor = ancestor.parent

    def get_absolute_url(self):
        return reverse("taxonomy-detail", args=[self.slug])


def oecd_array(field: str, max_length: int = 30, help_text: str = ""):
    """A multi-valued OECD answer: a column of vocabulary values
    (incidents.oecd.ARRAY_VOCABULARIES), checked by the base field's choices
    in forms and by `incident_<field>_known_values` in the database."""
    return ArrayField(
        models.CharField(max_length=max_length, choices=ARRAY_VOCABULARIES[field]),
        default=list,
        blank=True,
        help_text=help_text,
    )


def known_values_constraint(field: str) -> models.CheckConstraint:
    values = sorted(value for value, _label in ARRAY_VOCABULARIES[field])
    return models.CheckConstraint(condition=Q(**{f"{field}__contained_by": values}), name=f"incident_{field}_known_values")


def oecd_severity_matches_kind() -> Q:
    """Incident.kind and the OECD level agree (OECD AI Papers No. 16): harm
    that happened is an incident, serious incident or disaster; a hazard or
    research finding is a hazard or serious hazard. Blank is not yet chosen."""
    condition = Q(oecd_severity="")
    for kind, levels in oecd.LEVELS_FOR_KIND.items():
        condition |= Q(kind=kind, oecd_severity__in=sorted(levels))
    return condition


class Incident(TimeStamped):
    class Kind(models.TextChoices):
        INCIDENT = "incident", "Incident"
        RESEARCH_FINDING = "research-finding", "Research finding"
        HAZARD = "hazard", "Hazard"

    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        CONFIRMED = "confirmed", "Confirmed"
        DISPUTED = "disputed", "Disputed"
        RETRACTED = "retracted", "Retracted"

    class Severity(models.IntegerChoices):
        LOW = 1, "Low"
        MODERATE = 2, "Moderate"
        SIGNIFICANT = 3, "Significant"
        SEVERE = 4, "Severe"
        CRITICAL = 5, "Critical"

    class Setting(models.TextChoices):
        TRAINING = "training", "Training"
        EVALUATION = "evaluation", "Evaluation or simulation"
        DEPLOYMENT = "deployment", "Deployment"

    public_id = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        validators=[RegexValidator(PUBLIC_ID_PATTERN, "Use the form AIKB-YYYY-NNNN.")],
        help_text="Permanent identifier used in URLs and citations; assigned once, never changed.",
    )
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    summary = models.TextField(help_text="Plain-language summary, Markdown.")
    body = models.TextField(blank=True, help_text="Full account, Markdown.")
    occurred_on = models.DateField(null=True, blank=True, db_index=True)
    occurred_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    reported_on = models.DateField(null=True, blank=True, db_index=True)
    reported_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED, db_index=True)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, db_index=True)
    setting = models.CharField(max_length=20, choices=Setting.choices, db_index=True)
    is_published = models.BooleanField(default=False, db_index=True)
    organisations = models.ManyToManyField(Organisation, through="IncidentOrganisation", related_name="incidents")
    systems = models.ManyToManyField(AISystem, through="IncidentSystem", related_name="incidents")
    taxonomy = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="incidents")
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text="Set when this entry was merged into another; its address then redirects there.",
    )
    # Kept up to date by incidents.search.refresh_search_vectors (title > summary > body > evidence quotes),
    # and stored in the row itself, not the TOAST table (migration 0005).
    # Trigram indexes on titles and names are created by migration 0003 where pg_trgm exists.
    search_vector = SearchVectorField(null=True, editable=False)
    # Whether a reproduction verdict exists for one of its claims. Kept by
    # the database (triggers of migration reproductions 0006), whoever
    # writes verdicts, claims or the incident: a filter and facet on a
    # column of the covering indexes below, where testing each incident
    # against the verdicts' ids slowed every query (figures behind this
    # file's comments: docs/benchmarks.md, 'Why the indexes and query shapes').
    has_reproduction = models.BooleanField(default=False, editable=False)

    # The OECD common reporting framework (incidents.oecd: what each
    # criterion is and where it lives; incidents.completeness: whether an
    # entry has it). Blank or empty means not recorded.
    oecd_severity = models.CharField(
        "OECD severity",
        max_length=20,
        choices=OecdSeverity.choices,
        blank=True,
        db_index=True,
        help_text="The OECD level (AI Papers No. 16), beside the 1-5 severity: an incident takes incident, serious "
        "incident or disaster; a hazard or research finding takes hazard or serious hazard.",
    )
    submitter_type = models.CharField(max_length=20, choices=SubmitterType.choices, blank=True)
    submitter_name = models.CharField(
        max_length=200, blank=True, help_text="Shown to the public: an organisation or database, never a private contact."
    )
    countries = oecd_array("countries", max_length=2, help_text="ISO 3166-1 alpha-2 codes, e.g. US, CN, DE.")
    ai_relation = oecd_array("ai_relation", help_text="Whether the development, use or malfunction of the AI system "
                             "is involved.")
    ai_relation_note = models.TextField("AI relation note", blank=True)
    harm_types = oecd_array("harm_types")
    harm_quantification = models.TextField(blank=True, help_text="How much harm: people, money, duration, in words.")
    unintended_use = models.BooleanField(
        null=True, blank=True, help_text="Whether the system was used outside its intended use; empty: not known."
    )
    affected_stakeholders = oecd_array("affected_stakeholders")
    rights_impacts = models.TextField(blank=True, help_text="Human or fundamental rights affected, and how.")
    ai_principles = oecd_array("ai_principles", help_text="The OECD AI Principles concerned.")
    industries = oecd_array("industries", max_length=1, help_text="ISIC Rev.4 sections, A-U.")
    business_functions = oecd_array("business_functions")
    critical_infrastructure = oecd_array(
        "critical_infrastructure", help_text="CER Directive sectors; 'none' (alone) when none was concerned."
    )
    deployment_breadth = models.CharField(max_length=20, choices=DeploymentBreadth.choices, blank=True)
    training_data = models.TextField(blank=True, help_text="What is known of the data the system was trained on.")
    ai_tasks = oecd_array("ai_tasks", help_text="The tasks the AI system performed.")
    autonomy_level = models.CharField(max_length=30, choices=Autonomy.choices, blank=True)
    systems_interacting = models.BooleanField(
        null=True, blank=True, help_text="Whether several AI systems interacting caused it; empty: not known."
    )
    actions_taken = models.TextField(blank=True, help_text="What the developer, deployer or others did in response.")

    history = HistoricalRecords(excluded_fields=["search_vector", "has_reproduction"])

    class Meta:
        ordering = ["-reported_on", "-id"]
        # incidents.publishing: publishing, and changing what the public
        # reads, is an editor's act.
        permissions = [("publish_incident", "Can publish entries and change what the public reads")]
        constraints = [
            models.CheckConstraint(condition=precision_constraint("occurred_on", "occurred_precision"), name="incident_occurred_precision"),
            models.CheckConstraint(condition=precision_constraint("reported_on", "reported_precision"), name="incident_reported_precision"),
            models.CheckConstraint(condition=Q(public_id__regex=PUBLIC_ID_PATTERN), name="incident_public_id_format"),
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=5), name="incident_severity_range"),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="incident_not_merged_into_self"),
            models.CheckConstraint(condition=oecd_severity_matches_kind(), name="incident_oecd_severity_matches_kind"),
            *(known_values_constraint(field) for field in ARRAY_VOCABULARIES),
            models.CheckConstraint(
                condition=~Q(critical_infrastructure__contains=["none"]) | Q(critical_infrastructure__len=1),
                name="incident_critical_infrastructure_none_alone",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="incident_search_gin"),
            models.Index(fields=["is_published", "-reported_on"], name="incident_published_recent"),
            # The API's ordering=title and -title (ties go by id: an incremental sort).
            models.Index(fields=["title"], name="incident_title"),
            # Covers the facet columns of the public list (incidents.facets):
            # counting reads this index alone, not the wide table rows. With
            # the report date, a facet's matching ids come in the default
            # order's terms from here too: a search for a name ("claude",
            # thousands of linked incidents) with kind=incident (half of them)
            # read the whole table for the dates.
            models.Index(
                fields=["kind", "status", "severity", "setting", "occurred_on"],
                include=["id", "reported_on", "has_reproduction"],
                condition=PUBLIC,
                name="incident_public_facets",
            ),
            # The year facet (incidents.facets.occurred_in_years: the year
            # of incident_year) with the default order, newest report first. Occurrence and report dates
            # go together, so walking the date order for an early year read
            # nearly every row before its first match; here a year's rows
            # are adjacent and in order. occurred_on is included so that
            # counting a year reads this index alone, and the other date and
            # severity orders so that a year sorted by them is read from here
            # too, not from its wide rows (year=2024&ordering=-severity).
            # Kind, status and setting are included so that a year with
            # another facet is counted and paged from here as well: it AND-ed
            # this index's bitmap with the kind's, then read the rows
            # (year=2024&kind=incident).
            models.Index(
                incident_year(),
                F("reported_on").desc(nulls_last=True),
                F("id").desc(),
                include=["occurred_on", "severity", "updated", "created", "kind", "status", "setting", "has_reproduction"],
                condition=PUBLIC,
                name="incident_public_year",
            ),
            # Most severe first. The API's order (ordering=-severity, ties by
            # id) is walked until a page of matches, for filters that keep
            # most incidents (kind=incident, has_reproduction=false), instead
            # of sorting all of them. The website's and home page's (ties
            # newest report first) sort the most severe group by the included
            # date, without reading rows.
            models.Index(
                F("severity").desc(),
                F("id").desc(),
                include=["reported_on", "has_reproduction"],
                condition=PUBLIC,
                name="incident_public_severity",
            ),
            # The public incidents with a reproduction, a few percent, in
            # the default order, with the other sorts' and facets' columns:
            # `reproduction=yes` reads its incidents from here alone instead
            # of walking an order's index past the other 95 %.
            models.Index(
                F("reported_on").desc(nulls_last=True),
                F("id").desc(),
                include=["occurred_on", "severity", "updated", "created", "kind", "status", "setting"],
                condition=Q(**PUBLIC_FIELDS, has_reproduction=True),
                name="incident_public_reproduced",
            ),
            # The few incidents the public may not see (drafts, merged), by
            # id: the rows that hang off incidents (a metric's many thousands
            # of measurements) are kept public by excluding these ids
            # (visibility.published_measurements) instead of joining each row
            # to its incident.
            models.Index(
                fields=["id"],
                condition=HIDDEN,
                name="incident_hidden",
            ),
            # The API's oecd_severity filter over public entries.
            models.Index(fields=["oecd_severity"], condition=PUBLIC, name="incident_public_oecd_severity"),
            # The API's harm_type filter (harm_types && ARRAY[...]).
            GinIndex(fields=["harm_types"], name="incident_harm_types_gin"),
        ]

    def __str__(self):
        return f"{self.public_id}: {self.title}" if self.public_id else self.title

    def get_absolute_url(self):
        return reverse("incident-detail", args=[self.public_id])

    @property
    def occurred_display(self) -> str:
        return format_with_precision(self.occurred_on, self.occurred_precision)

    @property
    def reported_display(self) -> str:
        return format_with_precision(self.reported_on, self.reported_precision)

    def clean(self):
        errors = {}
        for field, precision in (("occurred_on", "occurred_precision"), ("reported_on", "reported_precision")):
            message = precision_error(getattr(self, field), getattr(self, precision))
            if message:
                errors[field] = message
        if self.occurred_on and self.reported_on and self.reported_on < self.occurred_on:
            errors["reported_on"] = "An incident cannot be reported before it happened."
        if self.pk and self.merged_into_id == self.pk:
            errors["merged_into"] = "An incident cannot be merged into itself."
        if message := self.oecd_severity_error():
            errors["oecd_severity"] = message
        if "none" in (self.critical_infrastructure or []) and len(self.critical_infrastructure) > 1:
            errors["critical_infrastructure"] = (
                "'None concerned' stands alone: remove it, or remove the sectors chosen with it."
            )
        if errors:
            raise ValidationError(errors)

    def oecd_severity_error(self) -> str | None:
        """The message for an OECD level that does not fit the kind (the constraint incident_oecd_severity_matches_kind)."""
        levels = oecd.LEVELS_FOR_KIND.get(self.kind)
        if not self.oecd_severity or levels is None or self.oecd_severity in levels:
            return None
        kind = self.Kind(self.kind).label.lower()
        if self.kind == self.Kind.INCIDENT:
            return (
                f"An incident takes the OECD level incident, serious incident or disaster; '{self.oecd_severity}' "
                "is for an event that could lead to harm (a hazard)."
            )
        return (
            f"A {kind} takes the OECD level hazard or serious hazard; '{self.oecd_severity}' is for harm that "
            "happened (change the kind to incident if it did)."
        )

    @property
    def oecd_event_type(self) -> str:
        """"incident" or "hazard" (OECD), from the OECD level or else the kind."""
        return oecd.event_type(self.oecd_severity or self.kind)

    def save(self, *args, **kwargs):
        if not self.public_id:
            assign_public_id(self)
        else:
            ensure_public_id_unchanged(self)
        super().save(*args, **kwargs)


class IncidentOrganisation(models.Model):
    class Role(models.TextChoices):
        DEVELOPER = "developer", "Developer"
        DEPLOYER = "deployer", "Deployer"
        AFFECTED = "affected", "Affected party"
        RESEARCHER = "researcher", "Researcher or reporter"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="organisation_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incident_links")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["role", "organisation__name"]
        verbose_name = "organisation involved"
        constraints = [
            models.UniqueConstraint(fields=["incident", "organisation", "role"], name="incident_org_role_unique"),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class IncidentSystem(models.Model):
    class Role(models.TextChoices):
        ACTOR = "actor", "System that acted"
        EVALUATED = "evaluated", "System evaluated"
        INVOLVED = "involved", "Otherwise involved"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="system_links")
    system = models.ForeignKey(AISystem, on_delete=models.PROTECT, related_name="incident_links")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ACTOR)

    class Meta:
        ordering = ["role", "system__name"]
        verbose_name = "AI system involved"
        constraints = [
            models.UniqueConstraint(fields=["incident", "system", "role"], name="incident_system_role_unique"),
        ]

    def __str__(self):
        return f"{self.system} ({self.get_role_display()})"


class IncidentRelation(CleanText):
    class Type(models.TextChoices):
        SAME_EVENT = "same-event", "Same event"
        FOLLOW_UP = "follow-up", "Follow-up study"
        REPLICATES = "replicates", "Replicates"
        CONTRADICTS = "contradicts", "Contradicts"
        RELATED = "related", "Related"

    from_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="relations_from")
    to_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="relations_to")
    relation_type = models.CharField(max_length=20, choices=Type.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "related incident"
        constraints = [
            models.UniqueConstraint(
                fields=["from_incident", "to_incident", "relation_type"], name="incident_relation_unique"
            ),
            models.CheckConstraint(condition=~Q(from_incident=F("to_incident")), name="incident_relation_not_self"),
        ]

    def __str__(self):
        return f"{self.from_incident_id} {self.get_relation_type_display()} {self.to_incident_id}"

    def clean(self):
        if self.from_incident_id and self.from_incident_id == self.to_incident_id:
            raise ValidationError({"to_incident": "An incident cannot be related to itself."})


def archive_upload_path(instance, filename):
    return f"archives/{filename}"


class Source(TimeStamped):
    class Kind(models.TextChoices):
        PAPER = "paper", "Paper"
        ARTICLE = "article", "Article"
        TRANSCRIPT = "transcript", "Transcript"
        LOG = "log", "Log"
        POST = "post", "Post"
        DATASET = "dataset", "Dataset"
        RESPONSE = "response", "Response from the organisation involved"

    class Reliability(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        COMMENTARY = "commentary", "Commentary"

    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    authors = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    published_on = models.DateField(null=True, blank=True)
    reliability = models.CharField(max_length=20, choices=Reliability.choices, db_index=True)
    responding_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        help_text="For a response (right of reply): the organisation that replied.",
    )
    archived_file = models.FileField(upload_to=archive_upload_path, blank=True)
    archived_sha256 = models.CharField(
        max_length=64, blank=True, validators=[RegexValidator(r"^[0-9a-f]{64}$", "A lowercase hex SHA-256.")]
    )
    archived_at = models.DateTimeField(null=True, blank=True, help_text="When the archived copy was retrieved.")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(archived_file="") | ~Q(archived_sha256=""), name="source_archive_has_sha256"
            ),
            models.CheckConstraint(
                condition=~Q(kind="response") | Q(responding_organisation__isnull=False),
                name="source_response_names_organisation",
            ),
        ]
        indexes = [
            # The sources index, newest first (incidents.indexes): its pages
            # walk this order, checking each source is public, instead of
            # checking and sorting every source.
            models.Index(F("published_on").desc(nulls_last=True), F("id").desc(), name="source_newest"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("source-detail", args=[self.pk])

    def clean(self):
        if self.kind == self.Kind.RESPONSE and not self.responding_organisation_id:
            raise ValidationError({"responding_organisation": "A response must name the organisation that replied."})

    def save(self, *args, **kwargs):
        from .archives import record_archive_hash

        record_archive_hash(self)
        super().save(*args, **kwargs)


class Claim(TimeStamped):
    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        SUPPORTED = "supported", "Supported"
        CONTESTED = "contested", "Contested"
        REFUTED = "refuted", "Refuted"
        REPRODUCED = "reproduced", "Reproduced"
        NOT_REPRODUCED = "not-reproduced", "Not reproduced"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    statement = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNVERIFIED, db_index=True)
    status_note = models.TextField(blank=True, help_text="Why the claim has its status.")
    position = models.PositiveSmallIntegerField(default=0)
    systems = models.ManyToManyField(
        AISystem,
        blank=True,
        related_name="claims",
        help_text="The AI systems the claim is about: its figures belong to them. A reproduction run judges a "
        "claim only when the model that ran is one of these systems.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "position", "id"]

    def __str__(self):
        return self.statement[:80]

    def clean(self):
        verdict_only = {self.Status.REPRODUCED, self.Status.NOT_REPRODUCED}
        stored = Claim.objects.filter(pk=self.pk).values_list("status", flat=True).first() if self.pk else None
        if self.status in verdict_only and self.status != stored:
            raise ValidationError(
                {"status": "Only a reproduction verdict can mark a claim reproduced or not reproduced."}
            )


class ClaimStatusChange(models.Model):
    """One change of a claim's status, so readers can follow what moved and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Claim.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    verdict = models.ForeignKey(
        "reproductions.Verdict", on_delete=models.SET_NULL, null=True, blank=True, related_name="status_changes"
    )

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.claim_id}: {self.from_status or '-'} → {self.to_status}"


class Evidence(TimeStamped):
    class LocatorType(models.TextChoices):
        PAGE = "page", "Page"
        SECTION = "section", "Section"
        TIMESTAMP = "timestamp", "Timestamp"
        PARAGRAPH = "paragraph", "Paragraph"
        FIGURE = "figure", "Figure or table"

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts"
        CONTEXT = "context", "Context"

    class Basis(models.TextChoices):
        """Who says so, relative to the claim (incidents.confidence ranks them)."""

        PARTY = "party", "The party's own account"
        PEER_REVIEWED = "peer-reviewed", "Peer-reviewed research"
        INDEPENDENT = "independent", "Independent press or researchers"
        RELAY = "relay", "Coverage relaying another source"
        COMMENTARY = "commentary", "Commentary or opinion"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="evidence")
    quote = models.TextField(help_text="The exact words of the source.")
    locator_type = models.CharField(max_length=20, choices=LocatorType.choices)
    locator = models.CharField(max_length=100, help_text="Page number, section, or timestamp such as 00:04:04.")
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.SUPPORTS)
    basis = models.CharField(
        max_length=20,
        choices=Basis.choices,
        blank=True,
        help_text="Who says so, relative to the claim: the developer, deployer or study authors about their own "
        "system or work; peer-reviewed research; independent press or researchers with their own access; "
        "coverage that only relays another source; or commentary. Left empty, it follows the source's "
        "reliability (primary: the party's own account; secondary: relayed; commentary: commentary).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "claim", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(condition=~Q(basis=""), name="evidence_has_basis"),
            models.CheckConstraint(condition=~Q(quote=""), name="evidence_quote_not_empty"),
            models.CheckConstraint(condition=~Q(locator=""), name="evidence_locator_not_empty"),
            models.CheckConstraint(
                condition=~Q(locator_type="timestamp") | Q(locator__regex=r"^\d{1,2}:\d{2}:\d{2}$"),
                name="evidence_timestamp_format",
            ),
        ]
        indexes = [
            # How many incidents quote each source (incidents.indexes, the
            # sources index's most cited order): each source's incidents in
            # order, read from here alone, where a hash of every (source,
            # incident) pair spilled to disk.
            models.Index(fields=["source", "incident"], name="evidence_source_incident"),
        ]

    def __str__(self):
        return f"{self.source} ({self.get_locator_type_display()} {self.locator})"

    def clean(self):
        errors = {}
        if not self.basis and self.source_id:
            self.basis = basis_from_reliability(self.source.reliability)
        if self.quote and not self.locator.strip():
            errors["locator"] = "A quote needs a locator: the page, section or timestamp where it appears."
        if self.locator_type == self.LocatorType.TIMESTAMP and self.locator and not TIMESTAMP_PATTERN.match(self.locator):
            errors["locator"] = "A timestamp locator has the form HH:MM:SS, e.g. 00:04:04."
        if self.claim_id and self.incident_id and self.claim.incident_id != self.incident_id:
            errors["claim"] = "The claim belongs to another incident."
        if (
            self.source_id
            and self.source.reliability == Source.Reliability.COMMENTARY
            and self.basis not in {"", self.Basis.COMMENTARY, self.Basis.RELAY}
        ):
            errors["basis"] = (
                "This source is rated commentary: a quote from it can show what someone said or argued, "
                "not support a claim. Choose commentary (or relay), or quote a source that states it."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.basis and self.source_id:
            self.basis = basis_from_reliability(self.source.reliability)
        super().save(*args, **kwargs)


def basis_from_reliability(reliability: str) -> str:
    """The basis a quote gets when nobody chose one: the cautious reading of its source's reliability."""
    return {
        Source.Reliability.PRIMARY: Evidence.Basis.PARTY,
        Source.Reliability.SECONDARY: Evidence.Basis.RELAY,
    }.get(reliability, Evidence.Basis.COMMENTARY)


class Metric(TimeStamped):
    class Unit(models.TextChoices):
        PERCENT = "percent", "Percent"
        RATIO = "ratio", "Ratio (x:1)"
        COUNT = "count", "Count"
        PROPORTION = "proportion", "Proportion (0-1)"
        USD = "usd", "US dollars"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        WORSE = "worse", "Higher is worse"
        BETTER = "better", "Higher is better"
        NEUTRAL = "neutral", "Neither"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    higher_is = models.CharField(max_length=10, choices=Direction.choices, default=Direction.NEUTRAL)
    description = models.TextField(blank=True, help_text="What is counted, over what, Markdown.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("metric-detail", args=[self.slug])


class Measurement(TimeStamped):
    """One value of a metric, for one subject, with its provenance: a published
    figure (evidence) or a reproduction run."""

    class Purpose(models.TextChoices):
        PUBLISHED = "published", "Published figure"
        REPRODUCTION = "reproduction", "Our re-run"
        # Runs on a mock, stand-in or CPU model: they prove the pipeline
        # works and are never shown as data (visibility.published_measurements).
        PIPELINE_CHECK = "pipeline-check", "Pipeline check"

    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="measurements")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="measurements")
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="measurements")
    system = models.ForeignKey(
        AISystem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measurements",
        help_text="The AI system measured; empty for the field as a whole.",
    )
    value = models.FloatField()
    lower = models.FloatField(null=True, blank=True, help_text="Lower bound (e.g. of a confidence interval).")
    upper = models.FloatField(null=True, blank=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    as_of = models.DateField(help_text="When the value held (publication or run date).")
    as_of_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY, help_text="How precisely the date is known."
    )
    label = models.CharField(max_length=200, blank=True, help_text="Condition or panel, e.g. '5-model panel'.")
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="measurements"
    )
    reproduction_run = models.ForeignKey(
        "reproductions.ReproductionRun",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
    )
    purpose = models.CharField(
        max_length=20,
        choices=Purpose.choices,
        default=Purpose.PUBLISHED,
        help_text="A published figure (with its evidence), our re-run of the real model, or a pipeline check "
        "(never shown as data).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["metric", "as_of", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(purpose="published") & Q(evidence__isnull=False))
                | (~Q(purpose="published") & Q(reproduction_run__isnull=False)),
                name="measurement_purpose_matches_provenance",
            ),
            models.CheckConstraint(
                condition=precision_constraint("as_of", "as_of_precision"), name="measurement_as_of_precision"
            ),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(lower__lte=F("value")), name="measurement_lower_le_value"
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gte=F("value")), name="measurement_upper_ge_value"
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gte=1), name="measurement_sample_size_positive"
            ),
            models.CheckConstraint(
                condition=(Q(evidence__isnull=False) & Q(reproduction_run__isnull=True))
                | (Q(evidence__isnull=True) & Q(reproduction_run__isnull=False)),
                name="measurement_has_one_provenance",
            ),
        ]
        indexes = [
            models.Index(fields=["metric", "system", "as_of"], name="measurement_metric_system"),
            # A metric's latest measurements (the home page's key metrics).
            models.Index(F("metric"), F("as_of").desc(), F("id").desc(), name="measurement_metric_latest"),
            # A metric's latest value per system and label (its page's chart):
            # DISTINCT ON walks this in order, incident included to leave out
            # hidden ones, where it sorted all the metric's rows by label.
            models.Index(
                fields=["metric", "system", "label", "-as_of", "-id"],
                include=["incident", "purpose"],
                name="measurement_metric_per_system",
            ),
        ]

    def __str__(self):
        return f"{self.metric}: {self.value}"

    def clean(self):
        errors = {}
        if self.lower is not None and self.value is not None and self.lower > self.value:
            errors["lower"] = f"The lower bound ({self.lower}) is above the value ({self.value})."
        if self.upper is not None and self.value is not None and self.upper < self.value:
            errors["upper"] = f"The upper bound ({self.upper}) is below the value ({self.value})."
        if bool(self.evidence_id) == bool(self.reproduction_run_id):
            errors["evidence"] = "A measurement needs exactly one provenance: a published figure's evidence or a reproduction run."
        elif self.evidence_id and self.purpose != self.Purpose.PUBLISHED:
            errors["purpose"] = "A measurement quoted from evidence is a published figure."
        elif self.reproduction_run_id and self.purpose == self.Purpose.PUBLISHED:
            errors["purpose"] = "A measurement from a run is our re-run or a pipeline check, not a published figure."
        if message := precision_error(self.as_of, self.as_of_precision):
            errors["as_of"] = message
        if self.metric_id and self.value is not None:
            unit = self.metric.unit
            if unit == Metric.Unit.PERCENT and not 0 <= self.value <= 100:
                errors["value"] = "A percentage lies between 0 and 100."
            if unit == Metric.Unit.PROPORTION and not 0 <= self.value <= 1:
                errors["value"] = "A proportion lies between 0 and 1."
        if self.evidence_id and self.incident_id and self.evidence.incident_id != self.incident_id:
            errors["evidence"] = "The evidence belongs to another incident."
        if errors:
            raise ValidationError(errors)


class ExternalIdentifier(models.Model):
    """The identifier another incident database gave the same event ("Also
    recorded in"). The schemes, their patterns and addresses are
    incidents.external_ids; an importer writes its rows with origin import
    (external_ids.replace_external_ids), an editor's rows are never replaced."""

    class Scheme(models.TextChoices):
        AIID = "aiid", "AI Incident Database"
        OECD_AIM = "oecd-aim", "OECD AI Incidents Monitor"
        AVID = "avid", "AI Vulnerability Database"
        ATLAS = "atlas", "MITRE ATLAS case study"
        AIAAIC = "aiaaic", "AIAAIC Repository"
        CVE = "cve", "CVE"

    class Origin(models.TextChoices):
        EDITOR = "editor", "Editor"
        IMPORT = "import", "Import"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="external_ids")
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    identifier = models.CharField(max_length=100)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.EDITOR)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme", "identifier"]
        verbose_name = "identifier in another database"
        verbose_name_plural = "identifiers in other databases"
        constraints = [
            models.UniqueConstraint(fields=["incident", "scheme", "identifier"], name="external_id_unique"),
            *(
                models.CheckConstraint(
                    condition=~Q(scheme=key) | Q(identifier__regex=spec.pattern),
                    name=f"external_id_{key.replace('-', '_')}_format",
                )
                for key, spec in SCHEMES.items()
            ),
        ]
        indexes = [models.Index(fields=["scheme", "identifier"], name="external_id_lookup")]

    def __str__(self):
        return f"{self.scheme}:{self.identifier}"

    @property
    def url(self) -> str:
        """Its address in the other database ("" where there is none)."""
        from .external_ids import url_of

        return url_of(self.scheme, self.identifier)

    def clean(self):
        from .external_ids import normalise, validate

        if self.scheme and self.identifier:
            self.identifier = normalise(self.scheme, self.identifier)
        validate(self.scheme, self.identifier)


class CausalAttribution(CleanText):
    """What caused an incident, by factor, and whether the record shows it
    (evidenced: quoted evidence of this incident) or it is speculation. The
    rule on evidence is incidents.attribution.check_attribution: an M2M
    cannot carry a database constraint, so the admin inline and the API call it."""

    class Factor(models.TextChoices):
        MODEL_BEHAVIOUR = "model-behaviour", "Model behaviour"
        DEPLOYMENT_GOVERNANCE = "deployment-governance", "Deployment or governance"
        MISUSE = "misuse", "Misuse"
        MISREPRESENTED_CAPABILITY = "misrepresented-capability", "Misrepresented capability"

    class Grounding(models.TextChoices):
        EVIDENCED = "evidenced", "Evidenced"
        SPECULATIVE = "speculative", "Speculative"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attributions")
    factor = models.CharField(max_length=30, choices=Factor.choices)
    grounding = models.CharField(max_length=20, choices=Grounding.choices)
    explanation = models.TextField()
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="attributions")
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "factor"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "factor"], name="causal_attribution_unique_factor"),
        ]

    def __str__(self):
        return f"{self.get_factor_display()} ({self.get_grounding_display().lower()})"


class PublicIdCounter(models.Model):
    """The last number handed out per year, so identifiers are never reused."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class SearchWord(models.Model):
    """A word that occurs in incidents' text or in the names of organisations
    and AI systems, unaccented and lower-cased: the vocabulary a mistyped
    search word is corrected against ("blakmail" -> "blackmail"), through a
    trigram index. Kept by incidents.search.refresh_search_vectors, from
    what the public may see; and a correction is only offered when the
    corrected search finds published incidents (incidents.search)."""

    word = models.CharField(primary_key=True, max_length=40)

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="searchword_trgm")]

    def __str__(self):
        return self.word
