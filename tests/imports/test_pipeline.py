"""The shared import loop: one transaction per item, and nothing remembered
from an item that was rolled back."""

import pytest

from imports.pipeline import Applied, Importer, ImportItemError, run_import
from imports.reading import RawItem
from imports.upserts import save_incident, taxonomy_term
from incidents.models import Incident, TaxonomyTerm

pytestmark = pytest.mark.django_db


class TermImporter(Importer):
    """Each item makes an incident tagged with one term; an item with "fail"
    looks the term up twice (so it is remembered) and then fails."""

    database = "avid"

    def read(self, paths):
        for number, document in enumerate(paths, start=1):
            yield RawItem(f"item {number}", document)

    def identify(self, item):
        return item.document["id"]

    def is_published(self, item):
        return True

    def apply(self, item, external_id, incident, published):
        term = taxonomy_term(TaxonomyTerm.Scheme.BEHAVIOUR, "T1", "Shared term", cache=self.term_cache)
        term = taxonomy_term(TaxonomyTerm.Scheme.BEHAVIOUR, "T1", "Shared term", cache=self.term_cache)
        if item.document.get("fail"):
            raise ImportItemError("this item fails after writing")
        incident = save_incident(incident, {
            "title": f"Incident {external_id}", "kind": "incident", "summary": "s", "severity": 2,
            "setting": "deployment", "is_published": published,
        }, "test")
        incident.taxonomy.add(term)
        return Applied(incident=incident)


def test_a_rolled_back_item_leaves_nothing_the_next_item_could_trip_on():
    report = run_import(TermImporter(), [{"id": "a", "fail": True}, {"id": "b"}])

    assert [e.message for e in report.errors] == ["this item fails after writing"]
    assert report.created == 1
    incident = Incident.objects.get()
    assert list(incident.taxonomy.values_list("code", flat=True)) == ["T1"]


def test_a_changed_document_removes_the_quotes_it_no_longer_has():
    from imports.upserts import sync_evidence
    from incidents.models import Evidence
    from tests.factories import IncidentFactory, SourceFactory

    incident, source = IncidentFactory(), SourceFactory()
    sync_evidence(incident, source, [("first words", "section", "1"), ("second words", "section", "2")])
    sync_evidence(incident, source, [("second words", "section", "2"), ("third words", "section", "3")])
    assert sorted(Evidence.objects.filter(incident=incident).values_list("quote", flat=True)) == [
        "second words", "third words"
    ]


class SummaryImporter(TermImporter):
    """Each item's summary comes from its document, as a feed's text does."""

    def apply(self, item, external_id, incident, published):
        incident = save_incident(incident, {
            "title": f"Incident {external_id}", "kind": "incident", "summary": item.document["summary"],
            "severity": 2, "setting": "deployment", "is_published": published,
        }, "test")
        return Applied(incident=incident)


def test_control_characters_in_a_feeds_text_are_dropped_and_the_record_kept():
    report = run_import(SummaryImporter(), [{"id": "c", "summary": "Bell\x07 and\x0c form\r\nfeed\tkept."}])
    assert report.errors == [] and report.created == 1
    from imports.models import ImportRecord

    record = ImportRecord.objects.get(external_id="c")
    assert record.incident.summary == "Bell and form\nfeed\tkept."
    assert record.original["summary"] == "Bell\x07 and\x0c form\r\nfeed\tkept."  # the record keeps what came
