"""The Code of Practice document: the nine items of measure 9.2, items 1-7
in the initial report, missing information recorded as missing."""

import datetime

import jsonschema
import pytest

from reporting.code_of_practice import ITEM_LABELS, cop_document
from reporting.schema import REPORT_SCHEMA

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=datetime.timezone.utc)


def test_nine_items_in_order_with_labels_and_schema(loaded):
    document = cop_document(loaded, NOW)
    items = document["items"]
    assert [item["item"] for item in items] == list(range(1, 10))
    assert [item["label"] for item in items] == [ITEM_LABELS[n] for n in range(1, 10)]
    assert [item["in_initial_report"] for item in items] == [True] * 7 + [False] * 2
    jsonschema.validate(document, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)


def test_items_prefilled_from_the_report_and_the_incident(loaded):
    items = {item["item"]: item for item in cop_document(loaded, NOW)["items"]}
    assert items[1]["value"] == {"start": "2026-03-05", "end": None, "precision": "day"}
    assert items[1]["source"] == "incident"
    assert items[2]["value"]["affected_group"] == "One patient, hospitalised for three days."
    assert items[2]["source"] == "report"
    assert items[3]["value"] == "The assistant read a dosage question as a request to stop treatment."
    assert items[4]["value"] == {"name": "MedAssist", "version": "2.1", "family": "MedLM"}
    assert items[5]["value"] == [{"title": "Clinic incident note", "url": "https://example.org/note"}]
    assert items[5]["source"] == "incident"
    assert items[6]["value"] == "The deployer withdrew the medication advice feature."
    assert items[8]["value"][0]["explanation"] == "The model ignored the dosage context."


def test_unknown_items_say_so(loaded):
    items = {item["item"]: item for item in cop_document(loaded, NOW)["items"]}
    for number in (7, 9):
        assert items[number]["known"] is False
        assert items[number]["source"] == "not yet known"
        assert items[number]["value"] is None
    assert all(items[n]["known"] for n in (1, 2, 3, 4, 5, 6, 8))


def test_report_dates_replace_the_incident_dates(loaded):
    loaded.started_on, loaded.ended_on = datetime.date(2026, 3, 5), datetime.date(2026, 3, 8)
    item = cop_document(loaded, NOW)["items"][0]
    assert (item["value"], item["source"]) == ({"start": "2026-03-05", "end": "2026-03-08"}, "report")
