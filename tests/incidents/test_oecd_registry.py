"""The OECD registry (incidents/oecd.py): 29 criteria in 8 dimensions, 7
mandatory; the README table and /methodology/ list every one of them."""

from pathlib import Path

import pytest
from django.conf import settings

from incidents.oecd import (
    CRITERIA,
    MANDATORY_KEYS,
    Dimension,
    criteria_by_dimension,
    event_type,
    markdown_table,
)

README = Path(settings.BASE_DIR) / "README.md"


def test_twenty_nine_criteria_in_eight_dimensions_seven_mandatory():
    assert len(CRITERIA) == 29 and len({c.key for c in CRITERIA}) == 29
    assert len(Dimension) == 8 and {c.dimension for c in CRITERIA} == set(Dimension)
    assert [len(group) for _, group in criteria_by_dimension()] == [6, 5, 3, 4, 2, 3, 3, 3]
    assert MANDATORY_KEYS == ("title", "description", "submitter", "supporting_materials", "ai_relation", "severity",
                              "harm_types")
    assert all(c.json_key == c.key and c.home and c.met_when and c.fill_in for c in CRITERIA)


def test_event_type_follows_the_level_or_kind():
    assert [event_type(v) for v in ("hazard", "serious-hazard", "research-finding")] == ["hazard"] * 3
    assert [event_type(v) for v in ("incident", "serious-incident", "disaster")] == ["incident"] * 3
    with pytest.raises(ValueError):
        event_type("catastrophe")


def test_readme_holds_the_registrys_table():
    text = README.read_text(encoding="utf-8")
    assert "## OECD common reporting framework: where each criterion lives" in text
    assert markdown_table() in text
    for criterion in CRITERIA:
        assert f"`{criterion.key}`" in text
    assert "docs/oecd.md" in text and "docs/reporting.md" in text


@pytest.mark.django_db
def test_methodology_lists_every_criterion(client):
    page = client.get("/methodology/").content.decode()
    assert 'id="oecd"' in page and 'id="oecd-levels"' in page
    for number, criterion in enumerate(CRITERIA, start=1):
        assert f'id="oecd-{criterion.key}"' in page
        assert f"<code>{criterion.key}</code>" in page
    assert page.count("<td>Mandatory</td>") == 7
    # The placeholders the other parts of issue 23 fill.
    assert 'id="attribution"' in page and 'id="reporting-clocks"' in page
