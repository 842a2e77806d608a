"""How names, locators and labels read: each word once."""

import pytest

from incidents.citations import locator_text
from incidents.figures import measurement_label
from incidents.models import AISystem, Evidence, Measurement
from incidents.templatetags.incident_tags import plural_label


@pytest.mark.parametrize(
    "name, version, shown",
    [
        ("Llama3.1-70B-Instruct", "3.1", "Llama3.1-70B-Instruct"),
        ("Claude Opus", "4", "Claude Opus 4"),
        ("GPT-4o", "2024-08-06", "GPT-4o 2024-08-06"),
        ("Qwen2.5-7B", "2", "Qwen2.5-7B 2"),  # "2" is only part of "2.5": a different version
        ("Claude 3.1", "1", "Claude 3.1 1"),
        ("Qwen3 Coder", "qwen3", "Qwen3 Coder"),
        ("Gemini", "", "Gemini"),
    ],
)
def test_a_system_name_shows_its_version_once(name, version, shown):
    system = AISystem(pk=1, name=name, version=version)
    assert str(system) == shown
    assert measurement_label(Measurement(system=system, label="5-model panel")) == f"{shown} (5-model panel)"


@pytest.mark.parametrize(
    "kind, locator, shown",
    [
        ("paragraph", "paragraph 3", "paragraph 3"),
        ("paragraph", "3", "paragraph 3"),
        ("paragraph", "¶ 3", "¶ 3"),
        ("page", "12", "page 12"),
        ("page", "p. 12", "p. 12"),
        ("page", "Page 12", "Page 12"),
        ("section", "§3.1.4 Safety-Aligned Data Composition", "§3.1.4 Safety-Aligned Data Composition"),
        ("section", "Section 2", "Section 2"),
        ("section", "3.1", "section 3.1"),
        ("section", "AI agent opens SSH tunnel", "section AI agent opens SSH tunnel"),
        ("section", "Sectional analysis", "section Sectional analysis"),
        ("figure", "Figure 1", "Figure 1"),
        ("figure", "Table 2", "Table 2"),
        ("figure", "7", "figure or table 7"),
        ("timestamp", "00:04:04", "timestamp 00:04:04"),
    ],
)
def test_a_locator_names_its_kind_once(kind, locator, shown):
    assert locator_text(Evidence(locator_type=kind, locator=locator)) == shown


@pytest.mark.parametrize(
    "label, plural",
    [
        ("Paper", "Papers"),
        ("Response from the organisation involved", "Responses from the organisation involved"),
        ("Analysis", "Analyses"),
        ("Policy", "Policies"),
        ("Box", "Boxes"),
        ("Log", "Logs"),
    ],
)
def test_a_label_is_pluralised_on_its_head_noun(label, plural):
    assert plural_label(label) == plural
