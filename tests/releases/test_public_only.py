"""A release holds what the public may read and nothing else: no draft or
merged entry, nothing hanging off one, no organisation, system or source
named by drafts alone, no pipeline check, no editor's note; and it never
points at a row it does not hold."""

import csv
import io
import json

import pytest

from incidents.models import Incident
from releases import building
from releases.contents import TABLES, public_document
from tests.factories import AISystemFactory, IncidentFactory, OrganisationFactory, TaxonomyTermFactory

from .conftest import FIRST

pytestmark = pytest.mark.django_db


def _document():
    # As dataset.json reads.
    return json.loads(building.build_release(FIRST, None).file("dataset.json").content)


def _pks(document, label):
    return {r["pk"] for r in document["records"] if r["model"] == label}


def test_drafts_and_what_hangs_off_them_are_never_in_a_release(record, pipeline_check):
    built = building.build_release(FIRST, None)
    document = json.loads(built.file("dataset.json").content)
    assert _pks(document, "incidents.incident") == {record.public.pk}
    assert record.draft_claim.pk not in _pks(document, "incidents.claim")
    assert record.draft_evidence.pk not in _pks(document, "incidents.evidence")
    assert record.secret_org.pk not in _pks(document, "incidents.organisation")
    assert record.secret_system.pk not in _pks(document, "incidents.aisystem")
    assert record.draft_evidence.source_id not in _pks(document, "incidents.source")
    assert {r["fields"]["incident"] for r in document["records"] if r["model"] == "incidents.measurement"} == {
        record.public.pk}
    for secret in ("A draft nobody may read", "A draft claim nobody may read", "Only named by a draft",
                   "Draft-only system", "A source quoted by a draft only"):
        for f in built.files[1:]:
            assert secret.encode() not in f.content, (secret, f.name)


def test_pipeline_checks_and_editors_notes_are_left_out(record, pipeline_check, reproduction):
    document = _document()
    measurements = _pks(document, "incidents.measurement")
    assert pipeline_check.pk not in measurements and reproduction.figure.pk in measurements
    assert _pks(document, "reproductions.reproductionrun") == {reproduction.run.pk}
    assert _pks(document, "reproductions.verdict") == {reproduction.verdict.pk}
    sources = [r for r in document["records"] if r["model"] == "incidents.source"]
    assert sources and all("notes" not in r["fields"] for r in sources)
    models = [r for r in document["records"] if r["model"] == "reproductions.evalmodel"]
    assert models and all("local_path" not in r["fields"] for r in models)
    assert not {"incidents.publicidcounter", "reproductions.runsample", "imports.importrecord"} & {
        r["model"] for r in document["records"]}


def test_a_merged_entry_and_a_relation_to_a_draft_are_left_out(record):
    merged = IncidentFactory(title="A duplicate, merged", merged_into=record.public)
    record.public.relations_from.create(to_incident=record.draft, relation_type="related")
    document = _document()
    assert merged.pk not in _pks(document, "incidents.incident")
    assert _pks(document, "incidents.incidentrelation") == set()


def test_a_reference_to_a_row_left_out_is_emptied_so_every_id_finds_its_row(record):
    # A public system whose developer is named by drafts alone: the system's
    # page shows no developer, and neither does the release.
    system = record.public.systems.first()
    system.developer = record.secret_org
    system.save()
    document = _document()
    row = next(r for r in document["records"] if r["model"] == "incidents.aisystem" and r["pk"] == system.pk)
    assert row["fields"]["developer"] is None
    held = {table.label: _pks(document, table.label) for table in TABLES}
    for table in TABLES:
        for model_field in table.fields():
            if not model_field.is_relation:
                continue
            target = model_field.related_model._meta.label_lower
            for r in document["records"]:
                if r["model"] != table.label:
                    continue
                value = r["fields"][model_field.name]
                for pk in value if model_field.many_to_many else [value]:
                    assert pk is None or pk in held[target], (table.label, model_field.name, pk)


def test_a_row_that_cannot_lose_its_reference_is_left_out_with_it(record):
    # Evidence must name its source; if the source were not held, the evidence goes too.
    from releases import contents

    document = public_document(FIRST)
    by_label = {table.label: [r for r in document["records"] if r["model"] == table.label] for table in TABLES}
    by_label["incidents.source"] = []
    contents._close_references(by_label)
    assert by_label["incidents.evidence"] == []
    assert by_label["incidents.measurement"] == []  # its evidence went
    assert by_label["incidents.claim"]  # nullable links only: kept


def test_csv_files_are_sorted_by_id_with_fixed_columns_and_no_formulas(record):
    later = IncidentFactory(title="=HYPERLINK(\"http://evil.example\")", summary="@SUM(A1)", body="-3")
    first = IncidentFactory(title="+cmd|' /C calc'!A0")
    built = building.build_release(FIRST, None)
    rows = list(csv.reader(io.StringIO(built.file("incidents.csv").content.decode())))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["id", "created", "updated", "public_id"]
    assert header == ["id", *[f.name for f in Incident._meta.local_fields if f.name not in {
        "id", "search_vector", "has_reproduction"}]]
    assert [int(row[0]) for row in body] == sorted([record.public.pk, later.pk, first.pk])
    cells = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
    assert cells[later.pk]["title"].startswith("'=HYPERLINK")
    assert cells[later.pk]["summary"] == "'@SUM(A1)"
    assert cells[later.pk]["body"] == "-3"  # a number stays a number
    assert cells[first.pk]["title"].startswith("'+cmd")
    assert cells[first.pk]["is_published"] == "true" and cells[first.pk]["merged_into"] == ""
    assert built.file("incidents.csv").content.endswith(b"\r\n")
    links = list(csv.reader(io.StringIO(built.file("incidents_taxonomy.csv").content.decode())))
    assert links[0] == ["incident", "taxonomyterm"]
    assert links[1:] == sorted(links[1:], key=lambda row: (int(row[0]), int(row[1])))
    assert len(links) == 3


def test_every_table_has_its_csv_even_when_empty(record):
    built = building.build_release(FIRST, None)
    names = {f.name for f in built.files}
    for table in TABLES:
        assert f"{table.name}.csv" in names
    assert built.file("verdicts.csv").content.startswith(b"id,")


def test_an_organisation_recorded_on_its_own_is_public_and_released(record):
    alone = OrganisationFactory(name="Named by no incident", slug="named-by-none")
    AISystemFactory(developer=alone)
    assert alone.pk in _pks(_document(), "incidents.organisation")


def test_links_are_listed_in_id_order_whatever_order_the_database_reads_them_in(record):
    # The taxonomy is read in its own order (scheme, code, name): later ids first here.
    record.public.taxonomy.clear()
    earlier = TaxonomyTermFactory(name="Zulu, recorded first")
    later = TaxonomyTermFactory(name="Alpha, recorded last")
    record.public.taxonomy.add(earlier, later)
    assert list(record.public.taxonomy.values_list("pk", flat=True)) == [later.pk, earlier.pk]
    row = next(r for r in _document()["records"] if r["model"] == "incidents.incident")
    assert row["fields"]["taxonomy"] == [earlier.pk, later.pk]


def test_each_table_rule_leaves_out_the_rows_of_drafts_and_pipeline_checks(record, pipeline_check):
    """Each table's own rule, apart from the reference check that would also catch them."""
    from incidents.models import ClaimStatusChange, IncidentRelation
    from releases.contents import BY_LABEL
    from reproductions.models import Verdict
    from tests.reproductions.factories import HarnessMetricFactory, RunFactory

    relation = IncidentRelation.objects.create(from_incident=record.public, to_incident=record.draft,
                                               relation_type="related")
    link = HarnessMetricFactory(claim=record.draft_claim)
    run = RunFactory(harness=link.harness, status="succeeded", purpose="reproduction")
    verdict = Verdict.objects.create(run=run, claim=record.draft_claim, outcome="consistent", reason="x")
    change = ClaimStatusChange.objects.create(claim=record.draft_claim, to_status="supported", reason="x")
    hidden = {
        "incidents.incident": [record.draft.pk],
        "incidents.incidentorganisation": list(record.draft.organisation_links.values_list("pk", flat=True)),
        "incidents.incidentsystem": list(record.draft.system_links.values_list("pk", flat=True)),
        "incidents.incidentrelation": [relation.pk],
        "incidents.claim": [record.draft_claim.pk],
        "incidents.evidence": [record.draft_evidence.pk],
        "incidents.measurement": [*record.draft.measurements.values_list("pk", flat=True), pipeline_check.pk],
        "reproductions.harnessmetric": [link.pk],
        "reproductions.verdict": [verdict.pk],
        "incidents.claimstatuschange": [change.pk],
        "reproductions.reproductionrun": [pipeline_check.reproduction_run_id],
    }
    for label, pks in hidden.items():
        assert pks, label
        rows = set(BY_LABEL[label].public_rows().values_list("pk", flat=True))
        assert not rows & set(pks), label
