"""The Article 73 document: a serious-incident report laid out in sections
A-G, each field prefilled from the report or the incident's record, or
marked "not yet known".

Source status. The Act's own requirements (Art. 73(1)-(6), 3(49), 3(61),
26(5)) are confirmed from the Regulation's text. The Commission's reporting
template (draft opened for consultation on 26 September 2025) was NOT read:
the sections and most field names below are reconstructed from the Act and
comparable regimes (NIS2, DORA, MDR). Each section says so
(`template: "reconstructed"`), and a field the Act itself names carries its
article in `basis`. docs/reporting.md lists which is which; confirm against
the Commission's template before calling this "the Article 73 template".
"""

from incidents.models import IncidentOrganisation

from .documents import INCIDENT, NOT_YET_KNOWN, clocks_json, document_head, field, iso
from .models import EU_MEMBER_STATES

FORMAT = "aikb-article73-report"
VERSION = 1
TEMPLATE_STATUS = "reconstructed"
TEMPLATE_NOTE = (
    "Sections and field names are reconstructed from Regulation (EU) 2024/1689 and comparable regimes; the "
    "Commission's Article 73 reporting template was not confirmed. Fields with a `basis` are named by the Act."
)
SECTION_TITLES = {
    "A": "Report",
    "B": "Reporting entity",
    "C": "AI system",
    "D": "Incident",
    "E": "Actions",
    "F": "Analysis",
    "G": "Other information",
}


def _submissions(report):
    return sorted(report.submissions.all(), key=lambda s: (s.submitted_at, s.pk))


def _links(report, role):
    return [link.organisation.name for link in report.incident.organisation_links.all() if link.role == role]


def reporter_role(report) -> str:
    system = report.system
    if system.developer_id == report.provider_id or report.provider.name in _links(report, IncidentOrganisation.Role.DEVELOPER):
        return "provider"
    return "deployer (Art. 26(5))"


def _eu_countries(codes):
    return [code for code in codes if code in EU_MEMBER_STATES]


def sections(report) -> dict:
    incident, system, provider = report.incident, report.system, report.provider
    submissions = _submissions(report)
    latest = submissions[-1] if submissions else None
    previous = submissions[-2] if len(submissions) > 1 else None
    attributions = [f"{a.get_factor_display()} ({a.get_grounding_display().lower()}): {a.explanation}"
                    for a in incident.attributions.all()]
    attachments = [
        {"title": e.source.title, "url": e.source.url, "quote": e.quote}
        for e in incident.evidence.all()
    ]
    model = ", ".join(part for part in (system.family, str(system.base_system) if system.base_system_id else "") if part)
    category = report.category
    return {
        "A": {
            "stage": field("Report stage (initial, follow-up or final)", report.get_stage_display(), basis="Art. 73(5)"),
            "report_date": field("Date of this report", iso(latest.submitted_at) if latest else None),
            "aikb_reference": field("Our reference", f"{incident.public_id}/serious-incident-report/{report.pk}"),
            "previous_report_reference": field("Previous report's reference", previous.reference if previous else None),
            "authority_reference": field("Authority's reference", latest.reference if latest else None),
        },
        "B": {
            "provider_name": field("Provider (or deployer reporting under Art. 26(5))", provider.name, basis="Art. 73(1)"),
            "provider_country": field("Provider's country", provider.country),
            "provider_address": field("Address", None),
            "contact_person": field("Contact person, email and telephone", None),
            "authorised_representative": field("Authorised representative in the Union", None),
            "reporter_role": field("Role of the reporting entity", reporter_role(report), basis="Art. 73(1), 26(5)"),
        },
        "C": {
            "system_name": field("AI system", system.name),
            "system_version": field("Version", system.version),
            "eu_database_id": field("EU database registration number", report.eu_database_id, basis="Art. 49, 71"),
            "annex_area": field("Annex III area or Annex I product", None),
            "intended_purpose": field("Intended purpose", None, system.description),
            "gpai_model": field("Integrated general-purpose AI model", None, model),
            "deployers": field("Deployer(s)", None, _links(report, IncidentOrganisation.Role.DEPLOYER)),
        },
        "D": {
            "started_on": field("Occurred (start)", iso(report.started_on), iso(incident.occurred_on)),
            "ended_on": field("Occurred (end)", iso(report.ended_on)),
            "detected_at": field("Detected", iso(report.detected_at)),
            "aware_at": field("Provider became aware", iso(report.aware_at), basis="Art. 73(2)-(4)"),
            "member_states": field("Member State(s) where it occurred", report.member_states,
                                   _eu_countries(incident.countries), basis="Art. 73(1)"),
            "description": field("What happened", report.chain_of_events, incident.summary),
            "category": field("Serious incident category (Art. 3(49))", report.get_category_display() if category else None,
                              basis="Art. 3(49)"),
            "widespread_infringement": field("Widespread infringement (Art. 3(61))", report.widespread_infringement,
                                             basis="Art. 73(3)"),
            "death": field("Death of a person", (category == "death") if category else None, basis="Art. 73(4)"),
            "affected_persons": field("Number of affected persons", report.affected_persons),
            "affected_persons_description": field("Who was affected", report.affected_persons_description,
                                                  list(incident.affected_stakeholders)),
            "harm_types": field("Type of harm (OECD)", None, list(incident.harm_types)),
            "causal_link": field("Causal link between the AI system and the incident",
                                 report.get_causal_link_display() if report.causal_link else None, basis="Art. 73(2)"),
        },
        "E": {
            "measures_taken": field("Immediate and corrective measures taken", report.remedial_actions,
                                    incident.actions_taken, basis="Art. 73(6)"),
            "measures_planned": field("Measures planned", None),
            "system_withdrawn": field("System withdrawn or recalled", None),
            "deployers_informed": field("Deployers and users informed", None),
        },
        "F": {
            "root_cause": field("Root cause", report.root_cause, attributions),
            "investigation_status": field("Status of the investigation (Art. 73(6))",
                                          "complete" if report.stage == "final" else None, basis="Art. 73(6)"),
            "risk_assessment": field("Risk assessment", None, basis="Art. 73(6)"),
        },
        "G": {
            "authorities_notified": field("Other authorities or regimes notified", report.authorities_notified),
            "attachments": field("Supporting materials", None, attachments),
            "additional_information": field("Additional information", None, incident.body),
        },
    }


def article73_document(report, now=None) -> dict:
    """The report as a JSON-ready dict, for a report loaded with
    reporting.documents.with_document_data."""
    return {
        **document_head(report, FORMAT, VERSION),
        "template": {"status": TEMPLATE_STATUS, "note": TEMPLATE_NOTE},
        "sections": {
            key: {"title": SECTION_TITLES[key], "template": TEMPLATE_STATUS, "fields": fields}
            for key, fields in sections(report).items()
        },
        "clocks": clocks_json(report, now),
    }


__all__ = ["article73_document", "FORMAT", "INCIDENT", "NOT_YET_KNOWN"]
