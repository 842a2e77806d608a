"""What a release holds: the dataset export (editorial.dataset), narrowed
to what the public may read (incidents.visibility).

`manage.py export` moves a whole installation: it keeps drafts' neighbours,
merged entries, editors' notes and bookkeeping. A release is for readers,
so each record type of the export is a table here with the rule for its
public rows (`TABLES`), and some record types and fields are left out:

- drafts and merged entries, and everything that hangs off them;
- organisations, AI systems and sources named by drafts alone;
- pipeline checks (runs on mock, stand-in or CPU models and their
  measurements): never shown as data;
- editors' notes on sources, and where a model's weights sit on our disk;
- the public-id counter (bookkeeping), the samples of each run (large; each
  run's are at /api/v1/runs/<id>/samples/) and import records (the items of
  other databases, under their own licences).

A release never points at a row it does not hold: a reference to one is
emptied when it may be empty (a system whose developer is named by drafts
alone shows no developer, as on the system's page) and the row is left out
when it may not, or when the row means nothing without it (a figure
without its evidence or run: `Table.needs`). So dataset.json loads into an empty installation with
`manage.py import_export`, and every foreign key column of the CSV files
finds its row.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Exists, OuterRef

from editorial.dataset import DROPPED_FIELDS, export_dataset
from incidents.visibility import (
    public_incidents,
    public_organisations,
    public_q,
    public_sources,
    public_systems,
    published_measurements,
)

EVERY_ROW = None


@dataclass(frozen=True)
class Table:
    label: str  # the export's record type ("incidents.incident")
    name: str  # the table's name in a release: its CSV file, its key in counts
    public_rows: Callable | None  # () -> queryset of the rows the public reads; EVERY_ROW: all of them
    dropped: frozenset = field(default_factory=frozenset)  # fields the public does not read
    description: str = ""
    # References a row is not shown without, though they may be empty in the
    # database: a row whose referenced row is left out goes too (a figure
    # without its provenance is no figure), where other references are emptied.
    needs: frozenset = field(default_factory=frozenset)

    @property
    def model(self):
        return apps.get_model(self.label)

    def fields(self) -> list:
        """The fields a record of this table carries, in the export's order:
        its own columns, then its many-to-many links kept on the record."""
        meta = self.model._meta
        left_out = DROPPED_FIELDS.get(self.label, set()) | self.dropped
        own = [f for f in meta.local_fields if not f.primary_key and f.name not in left_out]
        many = [f for f in meta.local_many_to_many if f.remote_field.through._meta.auto_created]
        return own + many

    def array_fields(self) -> list[str]:
        return [f.name for f in self.fields() if f.get_internal_type() == "ArrayField"]


def _of_public_incidents(label: str, prefix: str = "incident"):
    return lambda: apps.get_model(label).objects.filter(public_q(prefix))


def _reproduction_runs():
    """Runs that re-test claims; pipeline checks are never shown as data."""
    Run = apps.get_model("reproductions.reproductionrun")
    return Run.objects.filter(purpose=Run.Purpose.REPRODUCTION)


def _relations_between_public():
    Relation = apps.get_model("incidents.incidentrelation")
    return Relation.objects.filter(public_q("from_incident"), public_q("to_incident"))


def _harnesses():
    """Every harness: each is a public page and an API item."""
    return apps.get_model("reproductions.harness").objects.all()


def _eval_models_of_public_runs():
    """Models that a harness names or a released run used."""
    EvalModel = apps.get_model("reproductions.evalmodel")
    Harness = apps.get_model("reproductions.harness")
    return EvalModel.objects.filter(
        Exists(Harness.objects.filter(eval_models=OuterRef("pk")))
        | Exists(Harness.objects.filter(grader=OuterRef("pk")))
        | Exists(_reproduction_runs().filter(model=OuterRef("pk")))
    )


# Parents before children, as the export writes them (and import_export loads them).
TABLES = (
    Table("incidents.organisation", "organisations", public_organisations,
          description="Organisations: developers, deployers, affected parties."),
    Table("incidents.aisystem", "systems", public_systems, description="AI systems and models."),
    Table("incidents.taxonomyterm", "taxonomy_terms", EVERY_ROW,
          description="Terms of the taxonomies incidents are classified with (parent gives the tree)."),
    Table("incidents.incident", "incidents", public_incidents,
          description="Published incidents, research findings and hazards."),
    Table("incidents.incidentorganisation", "incident_organisations",
          _of_public_incidents("incidents.incidentorganisation"),
          description="Which organisation took part in which incident, in which role."),
    Table("incidents.incidentsystem", "incident_systems", _of_public_incidents("incidents.incidentsystem"),
          description="Which AI system took part in which incident, in which role."),
    Table("incidents.incidentrelation", "incident_relations", _relations_between_public,
          description="Links between incidents (same event, follow-up, related)."),
    Table("incidents.source", "sources", public_sources, frozenset({"notes"}),
          description="Papers, articles, transcripts, logs and other sources quoted as evidence."),
    Table("incidents.claim", "claims", _of_public_incidents("incidents.claim"),
          description="Statements about incidents, each with its status (unverified ... reproduced)."),
    Table("incidents.evidence", "evidence", _of_public_incidents("incidents.evidence"),
          description="Exact quotes from sources, where they sit, and whether they support a claim."),
    Table("incidents.externalidentifier", "external_identifiers",
          _of_public_incidents("incidents.externalidentifier"),
          description="The same incident in other databases: scheme (aiid, oecd-aim, avid, atlas, aiaaic, cve) and id."),
    Table("incidents.causalattribution", "causal_attributions", _of_public_incidents("incidents.causalattribution"),
          description="What caused an incident, by factor: evidenced (with the evidence it cites) or speculative."),
    Table("incidents.metric", "metrics", EVERY_ROW, description="What is measured, in which unit."),
    Table("reproductions.evalmodel", "eval_models", _eval_models_of_public_runs, frozenset({"local_path"}),
          description="Models that reproduction harnesses run, pinned to a revision and weight checksums."),
    Table("reproductions.harness", "harnesses", _harnesses,
          description="Reproduction harnesses: a pinned Inspect AI evaluation that re-tests a claim."),
    Table("reproductions.harnessmetric", "harness_metrics", _of_public_incidents("reproductions.harnessmetric",
                                                                                  "claim__incident"),
          description="Which score of a harness re-tests which claim's metric."),
    Table("reproductions.reproductionrun", "reproduction_runs", _reproduction_runs,
          description="Reproduction runs: what ran, on what, and its scores."),
    Table("incidents.measurement", "measurements", published_measurements,
          description="Figures: published values and our re-runs' values, with bounds, sample size and date.",
          needs=frozenset({"evidence", "reproduction_run"})),
    Table("reproductions.verdict", "verdicts", _of_public_incidents("reproductions.verdict", "claim__incident"),
          description="What a reproduction run says about a claim's figure, and why."),
    Table("incidents.claimstatuschange", "claim_status_changes",
          _of_public_incidents("incidents.claimstatuschange", "claim__incident"),
          description="Each move of a claim's status: from, to, when and why."),
    Table("reporting.seriousincidentreport", "serious_incident_reports",
          _of_public_incidents("reporting.seriousincidentreport"),
          description="Serious-incident reports (EU AI Act Art. 73, GPAI Code of Practice) prepared from an incident's "
          "record: provider, system, category and the dates the reporting deadlines count from."),
    Table("reporting.reportsubmission", "report_submissions",
          _of_public_incidents("reporting.reportsubmission", "report__incident"),
          description="Each serious-incident report sent: its stage, when, and the reference given."),
)
BY_LABEL = {table.label: table for table in TABLES}


def public_document(on: datetime.date) -> dict:
    """The dataset export narrowed to a release (module docstring): the
    export's format, with the release date for its time and the records of
    each table sorted by primary key."""
    document = export_dataset()
    kept = {table.label: set(table.public_rows().values_list("pk", flat=True)) for table in TABLES
            if table.public_rows is not EVERY_ROW}
    by_label: dict[str, list[dict]] = {table.label: [] for table in TABLES}
    arrays = {table.label: table.array_fields() for table in TABLES}
    for record in document["records"]:
        table = BY_LABEL.get(record["model"])
        if table is None or (table.label in kept and record["pk"] not in kept[table.label]):
            continue
        fields = {name: value for name, value in record["fields"].items() if name not in table.dropped}
        for name in arrays[table.label]:
            # Django's serializer writes an array as JSON text; a reader wants the list (loading takes either).
            if isinstance(fields.get(name), str):
                fields[name] = json.loads(fields[name])
        by_label[table.label].append({"model": table.label, "pk": record["pk"], "fields": fields})
    _close_references(by_label)
    records = [record for table in TABLES for record in sorted(by_label[table.label], key=lambda r: r["pk"])]
    return {
        "format": document["format"],
        "version": document["version"],
        "release": on.isoformat(),
        # The export's own time would make every build differ: a release is of its date.
        "exported_at": datetime.datetime.combine(on, datetime.time(), tzinfo=datetime.UTC).isoformat(),
        "counts": {table.label: len(by_label[table.label]) for table in TABLES},
        "records": records,
    }


def _references(table: Table):
    """(field, target label) of each of the table's references to another row."""
    for model_field in table.fields():
        if model_field.is_relation:
            yield model_field, model_field.related_model._meta.label_lower


def _close_references(by_label: dict[str, list[dict]]) -> None:
    """Empty or drop what points at a row the release does not hold
    (module docstring), until nothing does: dropping a row may orphan others."""
    changed = True
    while changed:
        changed = False
        held = {label: {record["pk"] for record in records} for label, records in by_label.items()}
        for table in TABLES:
            references = list(_references(table))
            if not references:
                continue
            kept = []
            for record in by_label[table.label]:
                fields = record["fields"]
                whole = True
                for model_field, target in references:
                    value = fields.get(model_field.name)
                    if model_field.many_to_many:
                        within = sorted(pk for pk in value if pk in held.get(target, ()))
                        changed |= within != sorted(value)
                        fields[model_field.name] = within
                    elif value is not None and value not in held.get(target, ()):
                        if model_field.null and model_field.name not in table.needs:
                            fields[model_field.name] = None
                        else:
                            whole = False
                        changed = True
                if whole:
                    kept.append(record)
            by_label[table.label] = kept


def rows_of(document: dict) -> dict[str, list[dict]]:
    """The records of a release document by table name, in document order."""
    tables = {table.name: [] for table in TABLES}
    names = {table.label: table.name for table in TABLES}
    for record in document["records"]:
        tables[names[record["model"]]].append(record)
    return tables
