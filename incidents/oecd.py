"""The OECD common reporting framework for AI incidents: its 29 criteria, the
8 dimensions they are grouped in, and the vocabularies its answers take.

One registry drives everything: the README table ("OECD common reporting
framework: where each criterion lives"), the /methodology/ table, the
completeness of an entry (incidents.completeness), the publish rule
(incidents.publishing.check_publishable), the OECD-shaped JSON document and
its schema, and the importer all read `CRITERIA` and the choices below.

Sources:
- the criteria and the seven mandatory ones: the issue's list of the OECD
  common reporting framework (OECD AI Papers No. 34, 2025);
- incident, hazard, serious incident, serious hazard and disaster: OECD AI
  Papers No. 16 (2024), "Defining AI incidents and related terms";
- ISIC Rev.4 sections (UN statistics) and the critical-infrastructure sectors
  of the CER Directive (EU) 2022/2557, Annex: standard lists;
- RECONSTRUCTED, to check against the paper: the grouping into 8 dimensions
  (after the OECD Framework for the Classification of AI Systems) and the
  harm types, stakeholders, AI principles, business functions, tasks,
  autonomy and breadth levels (after the public OECD AIM facets). A
  correction changes this file only.
"""

from dataclasses import dataclass

from django.db.models import TextChoices


class Dimension(TextChoices):
    METADATA = "metadata", "Metadata"
    HARM = "harm", "Harm details"
    PEOPLE = "people-planet", "People & planet"
    ECONOMIC = "economic-context", "Economic context"
    DATA = "data-input", "Data & input"
    MODEL = "ai-model", "AI model"
    TASK = "task-output", "Task & output"
    OTHER = "other", "Other information"


class OecdSeverity(TextChoices):
    """OECD AI Papers No. 16: a hazard could lead to harm; an incident is
    harm that happened; serious and disaster are the graver levels."""

    HAZARD = "hazard", "AI hazard"
    SERIOUS_HAZARD = "serious-hazard", "Serious AI hazard"
    INCIDENT = "incident", "AI incident"
    SERIOUS_INCIDENT = "serious-incident", "Serious AI incident"
    DISASTER = "disaster", "AI disaster"


HAZARD_LEVELS = frozenset({"hazard", "serious-hazard"})
INCIDENT_LEVELS = frozenset({"incident", "serious-incident", "disaster"})
# What an Article 73 / Code of Practice serious-incident report needs.
SERIOUS_LEVELS = frozenset({"serious-incident", "disaster"})

# Incident.kind -> the OECD levels it may take.
LEVELS_FOR_KIND = {
    "incident": INCIDENT_LEVELS,
    "hazard": HAZARD_LEVELS,
    "research-finding": HAZARD_LEVELS,
}


class HarmType(TextChoices):
    PHYSICAL = "physical", "Physical harm"
    PSYCHOLOGICAL = "psychological", "Psychological harm"
    ECONOMIC = "economic-property", "Economic or property harm"
    REPUTATIONAL = "reputational", "Reputational harm"
    ENVIRONMENTAL = "environmental", "Environmental harm"
    PUBLIC_INTEREST = "public-interest", "Harm to the public interest"
    RIGHTS = "human-fundamental-rights", "Harm to human or fundamental rights"


class AIRelation(TextChoices):
    """The OECD definition's words: an event where the development, use or
    malfunction of an AI system results in (or could result in) harm."""

    DEVELOPMENT = "development", "Development of the AI system"
    USE = "use", "Use of the AI system"
    MALFUNCTION = "malfunction", "Malfunction of the AI system"


class SubmitterType(TextChoices):
    EDITOR = "editor", "Our editors"
    PUBLIC = "public", "Member of the public (submission)"
    DEVELOPER = "developer", "AI developer"
    DEPLOYER = "deployer", "AI deployer"
    RESEARCHER = "researcher", "Researcher"
    MEDIA = "media", "Media"
    GOVERNMENT = "government", "Government or regulator"
    DATABASE = "database", "Another incident database"
    OTHER = "other", "Other"


class Stakeholder(TextChoices):
    CONSUMERS = "consumers", "Consumers"
    WORKERS = "workers", "Workers"
    BUSINESS = "business", "Business"
    GOVERNMENT = "government", "Government"
    CIVIL_SOCIETY = "civil-society", "Civil society"
    GENERAL_PUBLIC = "general-public", "General public"
    CHILDREN = "children", "Children"
    OTHER = "other", "Other"


class AIPrinciple(TextChoices):
    ACCOUNTABILITY = "accountability", "Accountability"
    FAIRNESS = "fairness", "Fairness"
    HUMAN_WELLBEING = "human-wellbeing", "Inclusive growth, sustainable development and well-being"
    PRIVACY_DATA = "privacy-data-governance", "Privacy and data governance"
    HUMAN_RIGHTS = "human-rights", "Respect of human rights"
    ROBUSTNESS_SECURITY = "robustness-security", "Robustness and digital security"
    SAFETY = "safety", "Safety"
    TRANSPARENCY = "transparency-explainability", "Transparency and explainability"
    DEMOCRACY_AUTONOMY = "democracy-human-autonomy", "Democracy and human autonomy"


# ISIC Rev.4 sections (21).
ISIC_SECTIONS = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply; sewerage, waste management and remediation activities",
    "F": "Construction",
    "G": "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    "H": "Transportation and storage",
    "I": "Accommodation and food service activities",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M": "Professional, scientific and technical activities",
    "N": "Administrative and support service activities",
    "O": "Public administration and defence; compulsory social security",
    "P": "Education",
    "Q": "Human health and social work activities",
    "R": "Arts, entertainment and recreation",
    "S": "Other service activities",
    "T": "Activities of households as employers; undifferentiated goods- and services-producing activities of "
    "households for own use",
    "U": "Activities of extraterritorial organizations and bodies",
}
ISIC_CHOICES = tuple(ISIC_SECTIONS.items())


class BusinessFunction(TextChoices):
    HR = "human-resources", "Human resource management"
    SALES = "sales", "Sales"
    ICT_SECURITY = "ict-security", "ICT management and information security"
    MARKETING = "marketing-advertising", "Marketing and advertising"
    LOGISTICS = "logistics", "Logistics"
    CUSTOMER_SERVICE = "citizen-customer-service", "Citizen or customer service"
    PROCUREMENT = "procurement", "Procurement"
    MAINTENANCE = "maintenance", "Maintenance"
    ACCOUNTING = "accounting", "Accounting"
    MONITORING_QC = "monitoring-quality-control", "Monitoring and quality control"
    PRODUCTION = "production", "Production"
    PLANNING = "planning-budgeting", "Planning and budgeting"
    RESEARCH_DEVELOPMENT = "research-development", "Research and development"
    COMPLIANCE_JUSTICE = "compliance-justice", "Compliance and justice"
    OTHER = "other", "Other"


class CriticalInfrastructure(TextChoices):
    """The sectors of the CER Directive (EU) 2022/2557, Annex; `none` says
    no critical infrastructure was concerned and stands alone."""

    NONE = "none", "None concerned"
    ENERGY = "energy", "Energy"
    TRANSPORT = "transport", "Transport"
    BANKING = "banking", "Banking"
    FINANCIAL_MARKET = "financial-market", "Financial market infrastructure"
    HEALTH = "health", "Health"
    DRINKING_WATER = "drinking-water", "Drinking water"
    WASTE_WATER = "waste-water", "Waste water"
    DIGITAL_INFRASTRUCTURE = "digital-infrastructure", "Digital infrastructure"
    ICT_SERVICE_MANAGEMENT = "ict-service-management", "ICT service management (business-to-business)"
    PUBLIC_ADMINISTRATION = "public-administration", "Public administration"
    SPACE = "space", "Space"
    FOOD = "food", "Production, processing and distribution of food"


class DeploymentBreadth(TextChoices):
    PILOT = "pilot", "Pilot or test"
    NARROW = "narrow", "Narrow (one organisation or a few users)"
    BROAD = "broad", "Broad (many organisations or users)"
    WIDESPREAD = "widespread", "Widespread (the public at large, several countries)"


class UsageRights(TextChoices):
    PROPRIETARY_API = "proprietary-api", "Proprietary, offered through an API or product"
    PROPRIETARY_INTERNAL = "proprietary-internal", "Proprietary, internal use only"
    OPEN_WEIGHTS = "open-weights", "Open weights"
    OPEN_SOURCE = "open-source", "Open source (weights, code and data)"


class AITask(TextChoices):
    RECOGNITION = "recognition", "Recognition"
    DETECTION = "event-detection", "Event detection"
    FORECASTING = "forecasting", "Forecasting"
    PERSONALISATION = "personalisation", "Personalisation"
    INTERACTION = "interaction-support", "Interaction support"
    OPTIMISATION = "goal-driven-optimisation", "Goal-driven optimisation"
    REASONING_PLANNING = "reasoning-planning", "Reasoning with knowledge structures and planning"
    CONTENT_GENERATION = "content-generation", "Content generation"


class Autonomy(TextChoices):
    NONE = "no-action", "No action autonomy (a human decides and acts)"
    LOW = "human-in-the-loop", "Low: human in the loop"
    MEDIUM = "human-on-the-loop", "Medium: human on the loop"
    HIGH = "human-out-of-the-loop", "High: human out of the loop"


@dataclass(frozen=True)
class Criterion:
    key: str  # also the key in the OECD-shaped JSON document (incidents.oecd_document)
    label: str
    dimension: Dimension
    mandatory: bool
    home: str  # where it is stored, e.g. "Incident.harm_types"
    met_when: str  # the rule of incidents.completeness, in words
    fill_in: str  # where an editor fills it in (the admin)

    @property
    def json_key(self) -> str:
        return self.key

    @property
    def dimension_label(self) -> str:
        return Dimension(self.dimension).label


def _c(key, label, dimension, mandatory, home, met_when, fill_in):
    return Criterion(key, label, dimension, mandatory, home, met_when, fill_in)


D = Dimension
CRITERIA: tuple[Criterion, ...] = (
    # Metadata
    _c("title", "Title", D.METADATA, True, "Incident.title", "not empty", "the title field"),
    _c("description", "Description", D.METADATA, True, "Incident.summary", "not empty", "the summary"),
    _c("submitter", "Submitter", D.METADATA, True, "Incident.submitter_type, Incident.submitter_name",
       "a submitter type is chosen", "OECD reporting criteria: submitter type"),
    _c("supporting_materials", "Supporting materials", D.METADATA, True, "Evidence → Source",
       "at least one piece of evidence quotes a source", "the Evidence rows below"),
    _c("first_occurrence_date", "Date of first occurrence", D.METADATA, False,
       "Incident.occurred_on, Incident.occurred_precision", "a date of occurrence is given", "Dates: occurred on"),
    _c("countries", "Countries", D.METADATA, False, "Incident.countries (ISO 3166-1 alpha-2)",
       "at least one country", "OECD reporting criteria: countries"),
    # Harm details
    _c("ai_relation", "How the AI system relates to the incident", D.HARM, True,
       "Incident.ai_relation, Incident.ai_relation_note", "a relation (development, use, malfunction) or a note",
       "OECD reporting criteria: AI relation"),
    _c("severity", "Severity", D.HARM, True, "Incident.oecd_severity (beside the 1–5 Incident.severity)",
       "an OECD level is chosen", "OECD reporting criteria: OECD severity"),
    _c("harm_types", "Type of harm", D.HARM, True, "Incident.harm_types", "at least one harm type",
       "OECD reporting criteria: harm types"),
    _c("harm_quantification", "Harm quantification", D.HARM, False, "Incident.harm_quantification", "not empty",
       "OECD reporting criteria: harm quantification"),
    _c("unintended_use", "Unintended use", D.HARM, False, "Incident.unintended_use (yes / no / not known)",
       "yes or no (not 'not known')", "OECD reporting criteria: unintended use"),
    # People & planet
    _c("affected_stakeholders", "Affected stakeholders", D.PEOPLE, False,
       "Incident.affected_stakeholders; IncidentOrganisation role affected",
       "a stakeholder group, or an organisation linked as affected", "OECD reporting criteria: affected stakeholders"),
    _c("rights_impacts", "Human and fundamental rights impacts", D.PEOPLE, False, "Incident.rights_impacts",
       "not empty", "OECD reporting criteria: rights impacts"),
    _c("ai_principles", "OECD AI Principles concerned", D.PEOPLE, False, "Incident.ai_principles",
       "at least one principle", "OECD reporting criteria: AI principles"),
    # Economic context
    _c("industries", "Industry (ISIC Rev.4 section)", D.ECONOMIC, False, "Incident.industries",
       "at least one section", "OECD reporting criteria: industries"),
    _c("business_functions", "Business function", D.ECONOMIC, False, "Incident.business_functions",
       "at least one function", "OECD reporting criteria: business functions"),
    _c("critical_infrastructure", "Critical infrastructure", D.ECONOMIC, False,
       "Incident.critical_infrastructure (CER Directive sectors, or none)", "a sector, or 'none'",
       "OECD reporting criteria: critical infrastructure"),
    _c("deployment_breadth", "Breadth of deployment", D.ECONOMIC, False, "Incident.deployment_breadth",
       "a breadth is chosen", "OECD reporting criteria: deployment breadth"),
    # Data & input
    _c("training_data", "Training data", D.DATA, False, "Incident.training_data", "not empty",
       "OECD reporting criteria: training data"),
    _c("usage_rights", "Usage rights", D.DATA, False, "AISystem.usage_rights",
       "a linked AI system has its usage rights", "the AI system's page: usage rights"),
    # AI model
    _c("ai_systems", "System name and version", D.MODEL, False, "IncidentSystem → AISystem.name, .version",
       "at least one linked AI system", "the AI systems involved, below"),
    _c("developers_deployers", "Developer and deployer", D.MODEL, False,
       "IncidentOrganisation role developer/deployer; AISystem.developer",
       "an organisation linked as developer or deployer, or a linked system with a developer",
       "the organisations involved, below"),
    _c("model", "Model", D.MODEL, False, "AISystem.family, AISystem.base_system",
       "a linked AI system with a family or a base system", "the AI system's page: family or base system"),
    # Task & output
    _c("tasks", "Tasks", D.TASK, False, "Incident.ai_tasks", "at least one task", "OECD reporting criteria: AI tasks"),
    _c("autonomy_level", "Level of autonomy", D.TASK, False, "Incident.autonomy_level", "a level is chosen",
       "OECD reporting criteria: autonomy level"),
    _c("systems_interacting", "Several AI systems interacting", D.TASK, False,
       "Incident.systems_interacting (yes / no / not known)", "yes or no (not 'not known')",
       "OECD reporting criteria: systems interacting"),
    # Other information
    _c("actions_taken", "Actions taken", D.OTHER, False, "Incident.actions_taken; evidence from a response source",
       "not empty, or evidence quoting a right-of-reply response", "OECD reporting criteria: actions taken"),
    _c("steps_to_reproduce", "Steps to reproduce", D.OTHER, False,
       "reproductions.HarnessMetric (claim → incident) → Harness", "a claim of the entry has a reproduction harness",
       "a harness linked to one of its claims (reproductions)"),
    _c("additional_information", "Additional information", D.OTHER, False, "Incident.body", "not empty",
       "Account: body"),
)
del D

CRITERIA_BY_KEY: dict[str, Criterion] = {c.key: c for c in CRITERIA}
MANDATORY: tuple[Criterion, ...] = tuple(c for c in CRITERIA if c.mandatory)
MANDATORY_KEYS: tuple[str, ...] = tuple(c.key for c in MANDATORY)


def criteria_by_dimension() -> list[tuple[Dimension, list[Criterion]]]:
    """The criteria grouped by dimension, in the registry's order."""
    return [(dimension, [c for c in CRITERIA if c.dimension == dimension]) for dimension in Dimension]


def event_type(kind_or_level: str) -> str:
    """"incident" or "hazard", the OECD event type, from an incident's kind
    or OECD level (an OECD level decides where it is set)."""
    if kind_or_level in INCIDENT_LEVELS or kind_or_level == "incident":
        return "incident"
    if kind_or_level in HAZARD_LEVELS or kind_or_level in LEVELS_FOR_KIND:
        return "hazard"
    raise ValueError(f"Not a kind or OECD level: {kind_or_level!r}")


# Multi-valued Incident columns and their vocabularies (the constraints
# incident_<field>_known_values, the admin's checkboxes, the JSON Schema).
def _array_vocabularies():
    from .countries import COUNTRY_CHOICES

    return {
        "harm_types": tuple(HarmType.choices),
        "ai_relation": tuple(AIRelation.choices),
        "affected_stakeholders": tuple(Stakeholder.choices),
        "ai_principles": tuple(AIPrinciple.choices),
        "business_functions": tuple(BusinessFunction.choices),
        "critical_infrastructure": tuple(CriticalInfrastructure.choices),
        "ai_tasks": tuple(AITask.choices),
        "countries": COUNTRY_CHOICES,
        "industries": ISIC_CHOICES,
    }


ARRAY_VOCABULARIES: dict[str, tuple[tuple[str, str], ...]] = _array_vocabularies()


def markdown_table() -> str:
    """The registry as the README's table ("OECD common reporting framework:
    where each criterion lives"); tests/incidents/test_oecd_registry.py checks
    that README.md holds exactly this."""
    lines = [
        "| # | key | criterion | dimension | mandatory | where it lives | met when |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, c in enumerate(CRITERIA, start=1):
        mandatory = "**mandatory**" if c.mandatory else ""
        lines.append(
            f"| {number} | `{c.key}` | {c.label} | {c.dimension_label} | {mandatory} | `{c.home}` | {c.met_when} |"
        )
    return "\n".join(lines)
