"""What changed in an incident, in plain words: the "What changed" section
of its page, its Atom feed (/incidents/<public-id>/changes.atom) and the
`changes` of its API item all read `incident_changes`.

It reads what the history page reads (editorial.history: the revision rows
of the incident, its claims, evidence and measurements), the claims'
recorded status changes (incidents.ClaimStatusChange, which hold the
reason) and the reproduction verdicts on its claims, reached through the
claims' `verdicts` relation: this app sits below reproductions and does
not import it (tests/test_architecture.py).

Each event is said once. A status change is also a revision of its claim
(the status field): the recorded change is said, with its reason, and the
revision only where no change was recorded for it (a status written
without incidents.services.change_claim_status). A status change that a
verdict caused is said with the verdict. A reproduction's measurement is
said with its verdict where it has one.

Never said:
- pipeline checks: their measurements and any verdict of their runs. The
  methodology page (/methodology/#pipeline-checks) shows their figures on
  the run's page and, labelled, on the incident page, and nowhere else;
- anything done while the entry was not public: drafting before it was
  first published, and edits while it was withdrawn (its publication and
  withdrawal are said, not what was drafted meanwhile);
- the change log of a draft or merged entry, which is empty (its page,
  feed and API item are a 404 or redirect to the survivor);
- bookkeeping: saves that changed nothing readers see, claim order.

The queries are fixed, whatever the number of changes: the incident's
revisions and those of entries merged into it (one), its claims (none when
prefetched, as the page and the API item do), the claims', evidence's and
measurements' revisions (one each, sources, metrics and systems joined),
the status changes (one) and the verdicts with their runs (one).
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import dateformat, timezone

from incidents.citations import locator_text
from incidents.figures import format_value
from incidents.models import Claim, ClaimStatusChange, Evidence, Incident, Measurement, format_with_precision
from incidents.visibility import is_public

MAX_ENTRIES = 50
QUOTED_CHARS = 160
# A recorded status change and the claim revision that saved it are written
# in one transaction, milliseconds apart.
SAME_CHANGE_WINDOW = timedelta(minutes=1)


class Kind(models.TextChoices):
    CREATED = "created", "Published"
    CHANGED = "changed", "Entry revised"
    CLAIM = "claim", "Claim added, reworded or removed"
    STATUS = "status", "Claim status changed"
    EVIDENCE = "evidence", "Evidence added, corrected or removed"
    MEASUREMENT = "measurement", "Figure added, corrected or removed"
    VERDICT = "verdict", "Reproduction verdict"
    MERGED = "merged", "Duplicate merged into this entry"


@dataclass(frozen=True)
class Change:
    """One entry of the change log. `sentence` says what changed; `reason`
    is why, where one was recorded; `link` is a path on the site (the claim,
    the source, the run), `link_label` its words; `key` never changes, so
    feed readers keep one entry per change."""

    when: datetime
    kind: str
    sentence: str
    reason: str = ""
    link: str = ""
    link_label: str = ""
    key: str = ""

    @property
    def text(self) -> str:
        """The sentence with its reason: "Claim 2 moved from Supported to
        Contested on 3 March 2026: the company's reply disputes it."."""
        reason = " ".join(self.reason.split())
        if not reason:
            return self.sentence
        end = "" if reason[-1] in ".!?…" else "."
        return f"{self.sentence.rstrip('.')}: {reason}{end}"


def long_date(when) -> str:
    """3 March 2026, in the site's time zone."""
    return dateformat.format(timezone.localtime(when), "j F Y")


def incident_changes(incident: Incident, limit: int = MAX_ENTRIES) -> list[Change]:
    """The newest `limit` changes of a public incident, newest first, in
    plain words (see the module docstring); none for a draft or merged
    entry."""
    if not is_public(incident):
        return []
    return _ChangeLog(incident).entries()[:limit]


def _quoted(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > QUOTED_CHARS:
        text = text[: QUOTED_CHARS - 1].rstrip() + "…"
    return f"“{text}”"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _walk(rows):
    """Each revision row with the previous row of the same object (None for
    the first); rows oldest first."""
    previous = {}
    for row in rows:
        yield row, previous.get(row.id)
        previous[row.id] = row


def _changed(row, previous, names) -> set[str]:
    if previous is None:
        return set()
    return {name for name in names if getattr(row, name) != getattr(previous, name)}


def _attnames(model, names) -> list[str]:
    """The attribute names of the fields `names` of a model's revision rows
    (a foreign key's id: comparing rows then loads nothing)."""
    return [model.history.model._meta.get_field(name).attname for name in names]


def _row_is_public(row) -> bool:
    return bool(row.is_published and not row.merged_into_id)


class _Publicity:
    """Whether the entry was public at a moment, from its own revisions."""

    def __init__(self, rows):
        self.times = [row.history_date for row in rows]
        self.states = [_row_is_public(row) for row in rows]

    def at(self, when) -> bool:
        if not self.times:
            return True  # written without revisions (raw SQL): public now, and nothing else is known
        index = bisect_right(self.times, when) - 1
        return index >= 0 and self.states[index]


KIND_WITH_ARTICLE = {
    Incident.Kind.INCIDENT: "an incident",
    Incident.Kind.RESEARCH_FINDING: "a research finding",
    Incident.Kind.HAZARD: "a hazard",
}

MEASUREMENT_FIELDS = ("value", "lower", "upper", "sample_size", "as_of", "as_of_precision", "label", "metric",
                      "system", "claim")
EVIDENCE_FIELDS = ("quote", "locator_type", "locator", "stance", "basis", "claim", "source")


def _date_corrected(what: str, value, precision) -> str:
    if value is None:
        return f"the date {what} was removed"
    return f"the date {what} was corrected to {format_with_precision(value, precision)}"


def _incident_clauses(row, previous) -> list[str]:
    """What a revision of the incident changed, as clauses, most telling first."""
    changed = _changed(row, previous, [
        "title", "kind", "status", "severity", "setting", "occurred_on", "occurred_precision", "reported_on",
        "reported_precision", "summary", "body",
    ])
    clauses = []
    if "title" in changed:
        clauses.append(f"the title changed to {_quoted(row.title)}")
    if "kind" in changed:
        clauses.append(f"it is now classed as {KIND_WITH_ARTICLE.get(row.kind, row.get_kind_display().lower())}")
    if "status" in changed:
        clauses.append(f"its status moved from {previous.get_status_display()} to {row.get_status_display()}")
    if "severity" in changed:
        clauses.append(f"its severity moved from {previous.severity} to {row.severity} of 5 ({row.get_severity_display()})")
    if "setting" in changed:
        clauses.append(f"its setting was corrected to {row.get_setting_display().lower()}")
    if changed & {"occurred_on", "occurred_precision"}:
        clauses.append(_date_corrected("it occurred", row.occurred_on, row.occurred_precision))
    if changed & {"reported_on", "reported_precision"}:
        clauses.append(_date_corrected("it was reported", row.reported_on, row.reported_precision))
    if "summary" in changed:
        clauses.append("the summary was revised")
    if "body" in changed:
        clauses.append("the full account was revised")
    return clauses


class _ChangeLog:
    def __init__(self, incident: Incident):
        self.incident = incident
        self.page = incident.get_absolute_url()
        # Numbered as the page numbers them (claims in order): "claim 2".
        claims = sorted(incident.claims.all(), key=lambda claim: (claim.position, claim.pk))
        self.claim_numbers = {claim.pk: number for number, claim in enumerate(claims, 1)}
        self.found = []

    # --- words ------------------------------------------------------------------------------------

    def claim_name(self, claim_id) -> str:
        number = self.claim_numbers.get(claim_id)
        return f"claim {number}" if number else "a claim since removed"

    def claim_link(self, claim_id) -> tuple[str, str]:
        if claim_id in self.claim_numbers:
            return f"{self.page}#claim-{claim_id}", f"see {self.claim_name(claim_id)}"
        return "", ""

    def moved(self, claim_id, from_status, to_status) -> str:
        """In words like: claim 2 moved from Supported to Contested."""
        labels = dict(Claim.Status.choices)
        name = self.claim_name(claim_id)
        if not from_status:
            return f"{name} was marked {labels.get(to_status, to_status)}"
        return f"{name} moved from {labels.get(from_status, from_status)} to {labels.get(to_status, to_status)}"

    def moved_on(self, claim_id, from_status, to_status, when) -> str:
        """In words like: Claim 2 moved from Supported to Contested on 3 March 2026."""
        return f"{_capitalised(self.moved(claim_id, from_status, to_status))} on {long_date(when)}."

    def add(self, when, kind, sentence, key, reason="", link="", link_label=""):
        self.found.append(Change(when, kind, sentence, (reason or "").strip(), link, link_label, key))

    # --- the log ----------------------------------------------------------------------------------

    def entries(self) -> list[Change]:
        incident = self.incident
        rows = list(Incident.history.filter(Q(id=incident.pk) | Q(merged_into_id=incident.pk))
                    .order_by("history_date", "history_id"))
        own = [row for row in rows if row.id == incident.pk]
        self.public = _Publicity(own)
        verdicts = self.shown_verdicts()
        self.incident_entries(own)
        self.merged_entries([row for row in rows if row.id != incident.pk])
        status_changes = self.status_entries(verdicts)
        self.claim_entries(status_changes)
        self.evidence_entries()
        self.measurement_entries(verdicts)
        # At one moment, the publication comes before what was published with it.
        self.found.sort(key=lambda change: (change.when, change.kind != Kind.CREATED, change.key), reverse=True)
        return self.found

    def incident_entries(self, rows):
        ever_public = False
        for row, previous in _walk(rows):
            reason = row.history_change_reason or ""
            key = f"incident-revision:{row.history_id}"
            was_public = previous is not None and _row_is_public(previous)
            now_public = _row_is_public(row)
            if now_public and not was_public:
                if ever_public:
                    self.add(row.history_date, Kind.CHANGED, "Published again.", key, reason)
                else:
                    self.add(row.history_date, Kind.CREATED, "First published.", key, reason)
                ever_public = True
            elif was_public and not now_public:
                self.add(row.history_date, Kind.CHANGED, "Withdrawn from publication.", key, reason)
            elif now_public and (clauses := _incident_clauses(row, previous)):
                self.add(row.history_date, Kind.CHANGED, _capitalised("; ".join(clauses)) + ".", key, reason)

    def merged_entries(self, rows):
        """Entries merged into this one, said when they were public: a
        draft merged here was never anyone's to read."""
        seen = set()
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)  # the merge is its first row that names this entry
            if row.is_published and self.public.at(row.history_date):
                self.add(row.history_date, Kind.MERGED,
                         f"{row.public_id} ({_quoted(row.title)}) was merged into this entry; its address now leads here.",
                         f"merge:{row.history_id}")

    def shown_verdicts(self) -> dict:
        """The verdicts on its claims that are about a real model, by id:
        those of pipeline-check runs are never said."""
        verdict_model = Claim._meta.get_field("verdicts").related_model
        verdicts = verdict_model.objects.filter(claim__incident=self.incident).select_related("run")
        return {v.pk: v for v in verdicts if not v.run.is_pipeline_check and self.public.at(v.created)}

    def status_entries(self, verdicts) -> dict:
        """The recorded status changes, each said once: with its verdict
        where a verdict caused it. Returns them by (claim, from, to), for
        the claim revisions that saved them."""
        changes = list(ClaimStatusChange.objects.filter(claim__incident=self.incident).order_by("changed_at", "id"))
        folded = {change.verdict_id: change for change in changes if change.verdict_id in verdicts}
        for verdict in verdicts.values():
            self.verdict_entry(verdict, folded.get(verdict.pk))
        recorded = defaultdict(list)
        for change in changes:
            recorded[(change.claim_id, change.from_status, change.to_status)].append(change)
            if change.verdict_id in verdicts or not self.public.at(change.changed_at):
                continue
            link, label = self.claim_link(change.claim_id)
            self.add(change.changed_at, Kind.STATUS,
                     self.moved_on(change.claim_id, change.from_status, change.to_status, change.changed_at),
                     f"status-change:{change.pk}", change.reason, link, label)
        return recorded

    def verdict_entry(self, verdict, status_change):
        outcome = {
            "consistent": "consistent with the published figure",
            "inconsistent": "inconsistent with the published figure",
            "inconclusive": "inconclusive",
        }.get(verdict.outcome, verdict.get_outcome_display().lower())
        claim = self.claim_name(verdict.claim_id)
        sentence = f"Verdict on {claim}: {outcome} (run #{verdict.run_id})"
        reason = verdict.reason
        if status_change is not None:
            sentence += "; " + self.moved(verdict.claim_id, status_change.from_status, status_change.to_status)
            reason = status_change.reason or reason
        self.add(verdict.created, Kind.VERDICT, sentence + ".", f"verdict:{verdict.pk}", reason,
                 verdict.run.get_absolute_url(), f"see run #{verdict.run_id}")

    def claim_entries(self, recorded):
        rows = Claim.history.filter(incident_id=self.incident.pk).order_by("history_date", "history_id")
        for row, previous in _walk(rows):
            if not self.public.at(row.history_date):
                continue
            key = f"claim-revision:{row.history_id}"
            reason = row.history_change_reason or ""
            link, label = self.claim_link(row.id)
            if row.history_type == "+":
                added = f"New {self.claim_name(row.id)}" if row.id in self.claim_numbers else "A claim was added"
                self.add(row.history_date, Kind.CLAIM,
                         f"{added}: {_quoted(row.statement)} ({row.get_status_display()}).", key, reason, link, label)
            elif row.history_type == "-":
                self.add(row.history_date, Kind.CLAIM, f"A claim was removed: {_quoted(row.statement)}.", key, reason)
            else:
                changed = _changed(row, previous, ["statement", "status", "status_note"])
                if "status" in changed and not self.take_recorded(recorded, row, previous):
                    # Written without a recorded change: the revision is all there is.
                    self.add(row.history_date, Kind.STATUS,
                             self.moved_on(row.id, previous.status, row.status, row.history_date),
                             f"claim-status:{row.history_id}",
                             reason or (row.status_note if "status_note" in changed else ""), link, label)
                if "statement" in changed:
                    self.add(row.history_date, Kind.CLAIM,
                             f"{_capitalised(self.claim_name(row.id))} now reads {_quoted(row.statement)}.",
                             key, reason, link, label)
                elif changed == {"status_note"}:
                    self.add(row.history_date, Kind.CLAIM,
                             f"The explanation of {self.claim_name(row.id)}'s status was revised.", key, reason, link, label)

    @staticmethod
    def take_recorded(recorded, row, previous) -> bool:
        """Whether a recorded status change is this revision's (the nearest
        in time, within SAME_CHANGE_WINDOW); it is then taken, so that two
        revisions never claim the same change."""
        candidates = recorded.get((row.id, previous.status, row.status), [])
        nearest = min(candidates, key=lambda change: abs(change.changed_at - row.history_date), default=None)
        if nearest is None or abs(nearest.changed_at - row.history_date) > SAME_CHANGE_WINDOW:
            return False
        candidates.remove(nearest)
        return True

    def evidence_entries(self):
        rows = list(Evidence.history.filter(incident_id=self.incident.pk).select_related("source")
                    .order_by("history_date", "history_id"))
        last = {row.id: row for row in rows}
        names = _attnames(Evidence, EVIDENCE_FIELDS)
        for row, previous in _walk(rows):
            if not self.public.at(row.history_date):
                continue
            title = _quoted(row.source.title) if row.source else "a source"
            where = f"{title} ({locator_text(row)})"
            link, label = "", ""
            if last[row.id].history_type != "-" and row.source_id:
                link, label = reverse("source-detail", args=[row.source_id]), "see the source"
            if row.history_type == "+":
                word = "context" if row.stance == Evidence.Stance.CONTEXT else "evidence"
                preposition = "against" if row.stance == Evidence.Stance.CONTRADICTS else "for"
                about = f" {preposition} {self.claim_name(row.claim_id)}" if row.claim_id else ""
                sentence = f"New {word}{about} from {where}."
            elif row.history_type == "-":
                sentence = f"Evidence from {where} was removed."
            else:
                changed = _changed(row, previous, names)
                if not changed:
                    continue
                if "quote" in changed:
                    sentence = f"The quote from {where} was corrected."
                elif changed <= {"locator", "locator_type"}:
                    sentence = f"The place of the quote from {title} was corrected to {locator_text(row)}."
                else:
                    sentence = f"The evidence from {where} was revised."
            self.add(row.history_date, Kind.EVIDENCE, sentence, f"evidence-revision:{row.history_id}",
                     row.history_change_reason, link, label)

    def measurement_entries(self, verdicts):
        judged = {verdict.measurement_id for verdict in verdicts.values()}
        rows = list(Measurement.history.filter(incident_id=self.incident.pk).select_related("metric", "system")
                    .order_by("history_date", "history_id"))
        names = _attnames(Measurement, MEASUREMENT_FIELDS)
        for row, previous in _walk(rows):
            # Pipeline checks are never data; a re-run with a verdict is said by its verdict.
            if row.purpose == Measurement.Purpose.PIPELINE_CHECK or not self.public.at(row.history_date):
                continue
            if row.purpose == Measurement.Purpose.REPRODUCTION and row.id in judged:
                continue
            metric = row.metric.name if row.metric else "a metric"
            value = format_value(row.value, row.metric.unit if row.metric else "")
            system = f" for {row.system.name}" if row.system else ""
            claim = f" ({self.claim_name(row.claim_id)})" if row.claim_id else ""
            rerun = row.purpose == Measurement.Purpose.REPRODUCTION
            figure = "re-run figure" if rerun else "published figure"
            link, label = "", ""
            if rerun and row.reproduction_run_id:
                link = reverse("reproduction-run-detail", args=[row.reproduction_run_id])
                label = f"see run #{row.reproduction_run_id}"
            if row.history_type == "+":
                if rerun:
                    sentence = f"Our re-run (run #{row.reproduction_run_id}) measured {metric}{system} at {value}{claim}."
                else:
                    sentence = f"New published figure: {metric} {value}{system}{claim}."
            elif row.history_type == "-":
                sentence = f"The {figure} for {metric}{system} ({value}) was removed."
            else:
                changed = _changed(row, previous, names)
                if not changed:
                    continue
                if "value" in changed:
                    old = format_value(previous.value, previous.metric.unit if previous.metric else "")
                    sentence = f"The {figure} for {metric}{system} was corrected from {old} to {value}."
                else:
                    sentence = f"The {figure} for {metric}{system} was revised."
            self.add(row.history_date, Kind.MEASUREMENT, sentence, f"measurement-revision:{row.history_id}",
                     row.history_change_reason, link, label)
