"""Serious-incident reports (EU AI Act Article 73; GPAI Code of Practice,
Commitment 9) prepared from the knowledge base's record of an incident.

A `SeriousIncidentReport` is one case: one incident, one provider, one AI
system, under one regime. Each report sent to an authority is a
`ReportSubmission`; the reporting clocks (reporting.clocks) read the report's
dates and its submissions. A report is public when its incident is
(reporting.selectors), like every other part of an incident.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from incidents.models import AISystem, Incident, Organisation
from incidents.text import CleanText

from . import clocks, services

# Art. 73(1): the market surveillance authorities of the Member States where
# the incident occurred. ISO 3166-1 alpha-2 (Greece is GR, as ISO writes it).
EU_MEMBER_STATES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)


def default_time_zone() -> str:
    return settings.AIKB_REPORTING_TIME_ZONE


class SeriousIncidentReport(CleanText):
    class Regime(models.TextChoices):
        AI_ACT = clocks.AI_ACT, "EU AI Act, Article 73 (high-risk AI system)"
        GPAI_COP = clocks.GPAI_COP, "GPAI Code of Practice, Commitment 9 (model with systemic risk)"

    class Category(models.TextChoices):
        DEATH = "death", "Death of a person"
        HEALTH = "health", "Serious harm to a person's health"
        CRITICAL_INFRASTRUCTURE = "critical-infrastructure", "Serious and irreversible disruption of critical infrastructure"
        FUNDAMENTAL_RIGHTS = "fundamental-rights", "Infringement of Union-law obligations protecting fundamental rights"
        PROPERTY_ENVIRONMENT = "property-environment", "Serious harm to property or the environment"
        CYBERSECURITY = "cybersecurity", "Serious cybersecurity breach (Code of Practice only)"

    class Stage(models.TextChoices):
        INITIAL = "initial", "Initial"
        FOLLOW_UP = "follow-up", "Follow-up (intermediate)"
        FINAL = "final", "Final (complete)"

    class CausalLink(models.TextChoices):
        ESTABLISHED = "established", "Established"
        REASONABLY_LIKELY = "reasonably-likely", "Reasonably likely"
        UNDER_INVESTIGATION = "under-investigation", "Under investigation"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="serious_incident_reports")
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="serious_incident_reports",
        help_text="Who reports: the provider, or a deployer under Art. 26(5).",
    )
    system = models.ForeignKey(AISystem, on_delete=models.PROTECT, related_name="serious_incident_reports")
    regime = models.CharField(max_length=20, choices=Regime.choices, db_index=True)
    category = models.CharField(
        max_length=30, choices=Category.choices, blank=True, help_text="Art. 3(49) / measure 9.3 category; blank: not yet known."
    )
    widespread_infringement = models.BooleanField(default=False, help_text="Art. 3(61): reported within 2 days.")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.INITIAL, db_index=True)
    eu_database_id = models.CharField(max_length=100, blank=True, help_text="EU database registration (Art. 71, 49).")
    member_states = ArrayField(
        models.CharField(max_length=2, choices=[(code, code) for code in EU_MEMBER_STATES]),
        default=list, blank=True, help_text="Member States where it occurred (Art. 73(1)).",
    )
    started_on = models.DateField(null=True, blank=True, help_text="Start of the serious incident (CoP 9.2(1)).")
    ended_on = models.DateField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True, help_text="In UTC in the admin.")
    aware_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the provider became aware (in UTC in the admin): the reporting clocks count days from its "
        "date in the report's time zone.",
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, help_text="IANA time zone the deadlines' days are counted in."
    )
    resolved_on = models.DateField(null=True, blank=True, help_text="The Code of Practice final report is due 60 days after.")
    affected_persons = models.PositiveIntegerField(null=True, blank=True)
    affected_persons_description = models.TextField(blank=True)
    chain_of_events = models.TextField(blank=True)
    model_involvement_material = models.TextField(blank=True)
    remedial_actions = models.TextField(blank=True)
    recommendations_to_authorities = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    post_market_patterns = models.TextField(blank=True)
    causal_link = models.CharField(max_length=20, choices=CausalLink.choices, blank=True)
    authorities_notified = models.TextField(blank=True, help_text="Other authorities or regimes notified (GDPR, NIS2, DORA, …).")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member_states__contained_by=list(EU_MEMBER_STATES)), name="report_member_states_known"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="report_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(detected_at__isnull=True) | Q(aware_at__isnull=True) | Q(detected_at__lte=models.F("aware_at")),
                name="report_detected_not_after_aware",
            ),
            models.CheckConstraint(
                condition=~Q(regime=clocks.AI_ACT, category="cybersecurity"), name="report_ai_act_category"
            ),
        ]

    def __str__(self):
        return f"{self.incident.public_id}: {self.get_regime_display()} report by {self.provider}"

    def get_absolute_url(self):
        return reverse("serious-incident-report", args=[self.incident.public_id, self.pk])

    def clean(self):
        super().clean()
        errors = {}
        if self.incident_id:
            try:
                services.check_reportable(self.incident)
            except ValidationError as error:
                errors.update(error.message_dict)
            if not errors:
                system = self.system if self.system_id else None
                provider = self.provider if self.provider_id else None
                errors.update(services.check_parties(self.incident, system, provider))
        errors.update(services.check_category(self.regime, self.category))
        errors.update(services.check_dates(self))
        if errors:
            raise ValidationError(errors)

    def clocks(self, now, submissions=None):
        """The reporting clocks at `now` (submissions read when not given)."""
        if submissions is None:
            submissions = self.submissions.all()
        return clocks.reporting_clocks(
            regime=self.regime, category=self.category, widespread_infringement=self.widespread_infringement,
            aware_at=self.aware_at, resolved_on=self.resolved_on, time_zone=self.time_zone,
            submissions=[clocks.Submitted(s.stage, s.submitted_at) for s in submissions], now=now,
        )


class ReportSubmission(CleanText):
    """One report sent to an authority (or the AI Office)."""

    report = models.ForeignKey(SeriousIncidentReport, on_delete=models.CASCADE, related_name="submissions")
    stage = models.CharField(max_length=10, choices=SeriousIncidentReport.Stage.choices)
    submitted_at = models.DateTimeField()
    reference = models.CharField(max_length=100, blank=True, help_text="The authority's or our reference.")
    note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "stage"], condition=~Q(stage="follow-up"), name="report_submission_once_per_stage"
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} report sent {self.submitted_at:%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        errors = services.check_submission(self.report if self.report_id else None, self.stage, self.submitted_at)
        if errors:
            raise ValidationError(errors)
