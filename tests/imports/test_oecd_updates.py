"""A changed OECD document updates its entry: what the document gives is
written (and only that), what it leaves out is kept, and records shared with
other entries (systems, sources) keep what they hold."""

import copy
import json

import pytest

from imports.oecd import OecdImporter
from imports.pipeline import run_import
from incidents.models import AISystem, CausalAttribution, Evidence
from incidents.oecd_document import incident_document
from tests.factories import (
    AISystemFactory,
    CausalAttributionFactory,
    EvidenceFactory,
    ExternalIdentifierFactory,
    IncidentFactory,
    IncidentSystemFactory,
    MeasurementFactory,
)

pytestmark = pytest.mark.django_db


def run(tmp_path, document):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(document))
    return run_import(OecdImporter(), [path])


@pytest.fixture
def entry():
    incident = IncidentFactory(harm_types=["physical"], oecd_severity="incident")
    first = EvidenceFactory(incident=incident, locator="1")
    EvidenceFactory(incident=incident, locator="2", source=first.source)
    CausalAttributionFactory(incident=incident, factor="misuse")
    CausalAttributionFactory(incident=incident, factor="model-behaviour", grounding="evidenced", evidence=[first])
    IncidentSystemFactory(incident=incident, system=AISystemFactory(name="Shared", version="1", family="Family A"))
    ExternalIdentifierFactory(incident=incident, scheme="aiid", identifier="77", origin="editor")
    return incident


def test_a_changed_document_writes_what_it_gives(tmp_path, entry):
    document = incident_document(entry)
    changed = copy.deepcopy(document)
    changed["criteria"]["harm_types"] = ["physical", "reputational"]
    changed["criteria"]["supporting_materials"][0]["stance"] = "context"
    del changed["criteria"]["supporting_materials"][1]
    changed["attribution"] = [a for a in changed["attribution"] if a["factor"] == "model-behaviour"]
    changed["attribution"][0]["explanation"] = "Now explained."
    changed["identifiers"].append({"scheme": "cve", "id": "CVE-2024-12345"})
    revisions = entry.history.count()

    report = run(tmp_path, changed)

    assert (report.updated, report.errors) == (1, [])
    entry.refresh_from_db()
    assert entry.harm_types == ["physical", "reputational"]
    assert entry.history.count() == revisions + 1
    assert list(Evidence.objects.filter(incident=entry).values_list("locator", "stance")) == [("1", "context")]
    assert list(CausalAttribution.objects.filter(incident=entry).values_list("factor", "explanation")) == [
        ("model-behaviour", "Now explained.")]
    assert sorted(entry.external_ids.values_list("scheme", "identifier", "origin")) == [
        ("aiid", "77", "editor"), ("cve", "CVE-2024-12345", "import")]
    assert incident_document(entry)["criteria"]["harm_types"] == ["physical", "reputational"]


def test_evidence_a_measurement_relies_on_is_kept(tmp_path, entry):
    kept = entry.evidence.get(locator="2")
    MeasurementFactory(incident=entry, evidence=kept)
    document = incident_document(entry)
    del document["criteria"]["supporting_materials"][1]
    assert run(tmp_path, document).errors == []
    assert Evidence.objects.filter(pk=kept.pk).exists()


def test_keys_left_out_keep_what_they_hold(tmp_path, entry):
    document = incident_document(entry)
    for key in ("harm_types", "supporting_materials", "ai_systems"):
        del document["criteria"][key]
    del document["attribution"]
    del document["identifiers"]
    document["criteria"]["title"] = "A new title"
    assert run(tmp_path, document).updated == 1
    entry.refresh_from_db()
    assert entry.title == "A new title" and entry.harm_types == ["physical"]
    assert (entry.evidence.count(), entry.attributions.count(), entry.system_links.count()) == (2, 2, 1)
    assert entry.external_ids.count() == 1


def test_a_shared_system_keeps_its_fields_and_blank_ones_are_filled(tmp_path, entry):
    document = incident_document(entry)
    [system] = document["criteria"]["ai_systems"]
    system["family"] = "Family B"
    system["developer"] = "New Developer"
    document["criteria"]["usage_rights"] = [{"system": "Shared", "version": "1", "usage_rights": "open-weights"}]
    AISystem.objects.filter(name="Shared").update(developer=None)
    assert run(tmp_path, document).errors == []
    shared = AISystem.objects.get(name="Shared")
    assert shared.family == "Family A"  # not overwritten
    assert (shared.developer.name, shared.usage_rights) == ("New Developer", "open-weights")  # filled
