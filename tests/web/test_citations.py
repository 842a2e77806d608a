import datetime
import json

import pytest

from incidents.citations import (
    bibtex_escape,
    incident_bibtex,
    incident_citation_text,
    incident_csl,
    source_bibtex,
    source_csl,
)
from tests.factories import IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_incident_citation_text_names_id_title_and_permanent_address(settings):
    settings.SITE_URL = "https://aikb.example.org"
    incident = IncidentFactory(title="Agent mined crypto")
    text = incident_citation_text(incident)
    assert incident.public_id in text
    assert "Agent mined crypto" in text
    assert f"https://aikb.example.org/incidents/{incident.public_id}/" in text
    assert "(2025)" in text


def test_incident_bibtex_is_keyed_by_public_id_and_escapes_specials():
    incident = IncidentFactory(title="R&D 50% of_budget")
    entry = incident_bibtex(incident)
    assert entry.startswith(f"@misc{{{incident.public_id.lower()},")
    assert r"R\&D 50\% of\_budget" in entry
    assert entry.count("{") == entry.count("}")


def test_incident_csl_is_json_serialisable_with_month_precision():
    incident = IncidentFactory(reported_on=datetime.date(2025, 6, 1), reported_precision="month")
    item = incident_csl(incident)
    json.dumps(item)
    assert item["id"] == incident.public_id
    assert item["issued"] == {"date-parts": [[2025, 6]]}
    assert item["URL"].endswith(f"/incidents/{incident.public_id}/")


def test_source_citations_carry_authors_and_type():
    source = SourceFactory(authors=["Ada Lovelace", "Turing"], kind="post", title="Notes {draft}")
    entry = source_bibtex(source)
    assert entry.startswith(f"@misc{{source{source.pk},")
    assert "Ada Lovelace and Turing" in entry
    assert r"Notes \{draft\}" in entry
    item = source_csl(source)
    assert item["type"] == "post-weblog"
    assert item["author"] == [{"given": "Ada", "family": "Lovelace"}, {"literal": "Turing"}]


def test_bibtex_escape_handles_backslash():
    assert bibtex_escape("a\\b") == r"a\textbackslash{}b"
