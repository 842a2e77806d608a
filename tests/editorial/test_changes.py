"""The change log of an incident (editorial.changes): what changed, in plain
words, each event once, nothing from drafts or pipeline checks, in a fixed
number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial.changes import Kind, incident_changes
from editorial.submissions import merge_incidents
from incidents.models import Evidence, Measurement
from incidents.services import change_claim_status
from reproductions.models import Verdict
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    MeasurementFactory,
    MetricFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def texts(incident, kind=None):
    return [c.text for c in incident_changes(incident) if kind is None or c.kind == kind]


def revise(obj, reason="", **changes):
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._change_reason = reason  # a reason is the revision's own: not carried to the next save
    obj.save()


@pytest.fixture
def incident(clock):
    incident = IncidentFactory()
    ClaimFactory(incident=incident, position=1, statement="The agent opened a tunnel.")
    clock.tick()
    return incident


def second_claim(incident, clock):
    claim = ClaimFactory(incident=incident, position=2, statement="It mined cryptocurrency.")
    clock.tick()
    return claim


def test_a_status_change_says_which_claim_moved_from_what_to_what_when_and_why(incident, clock):
    claim = second_claim(incident, clock)
    change_claim_status(claim, "contested", reason="The company's reply disputes the figure")

    newest = incident_changes(incident)[0]

    assert newest.kind == Kind.STATUS
    assert newest.text == (
        "Claim 2 moved from Supported to Contested on 3 March 2026: The company's reply disputes the figure."
    )
    assert newest.reason == "The company's reply disputes the figure"
    assert newest.link == f"{incident.get_absolute_url()}#claim-{claim.pk}"


def test_claims_are_numbered_as_the_page_numbers_them(incident, clock):
    claim = ClaimFactory(incident=incident, position=0, statement="Listed first.")
    change_claim_status(claim, "contested", reason="Disputed.")
    assert incident_changes(incident)[0].sentence.startswith("Claim 1 moved from Supported to Contested")


def test_a_status_change_is_said_once_though_it_is_also_a_revision_of_its_claim(incident, clock):
    claim = incident.claims.get()
    change_claim_status(claim, "contested", reason="Disputed by the developer.")

    assert claim.history.filter(history_type="~").count() == 1  # the revision is there
    assert texts(incident, Kind.STATUS) == [
        "Claim 1 moved from Supported to Contested on 3 March 2026: Disputed by the developer."
    ]
    assert texts(incident, Kind.CLAIM) == ["New claim 1: “The agent opened a tunnel.” (Supported)."]


def test_a_status_written_without_a_recorded_change_is_said_from_the_revision(incident, clock):
    claim = incident.claims.get()
    revise(claim, status="refuted", status_note="The logs show no tunnel.")

    assert texts(incident, Kind.STATUS) == [
        "Claim 1 moved from Supported to Refuted on 3 March 2026: The logs show no tunnel."
    ]


def test_two_status_changes_of_one_claim_are_two_entries(incident, clock):
    claim = incident.claims.get()
    change_claim_status(claim, "contested", reason="Disputed.")
    clock.tick(days=2)
    change_claim_status(claim, "supported", reason="The company retracted its denial.")

    assert texts(incident, Kind.STATUS) == [
        "Claim 1 moved from Contested to Supported on 5 March 2026: The company retracted its denial.",
        "Claim 1 moved from Supported to Contested on 3 March 2026: Disputed.",
    ]


def test_new_evidence_names_its_source_the_place_and_the_claim(incident, clock):
    claim = incident.claims.get()
    source = SourceFactory(title="Safety report")
    EvidenceFactory(incident=incident, claim=claim, source=source, locator_type="page", locator="4")
    clock.tick()
    EvidenceFactory(incident=incident, source=source, locator_type="section", locator="3.1")
    clock.tick()
    EvidenceFactory(incident=incident, claim=claim, source=source, stance=Evidence.Stance.CONTRADICTS,
                    locator_type="page", locator="9")

    changes = [c for c in incident_changes(incident) if c.kind == Kind.EVIDENCE]
    assert [c.text for c in changes] == [
        "New evidence against claim 1 from “Safety report” (page 9).",
        "New evidence from “Safety report” (section 3.1).",
        "New evidence for claim 1 from “Safety report” (page 4).",
    ]
    assert changes[0].link == source.get_absolute_url()


def test_corrected_and_removed_evidence(incident, clock):
    evidence = EvidenceFactory(incident=incident, source=SourceFactory(title="Report"), locator_type="page", locator="4")
    clock.tick()
    revise(evidence, quote="A corrected quote.", reason="Misquoted")
    clock.tick()
    revise(evidence, locator="5")
    clock.tick()
    evidence.delete()

    changes = [c for c in incident_changes(incident) if c.kind == Kind.EVIDENCE]
    assert [c.text for c in changes] == [
        "Evidence from “Report” (page 5) was removed.",
        "The place of the quote from “Report” was corrected to page 5.",
        "The quote from “Report” (page 4) was corrected: Misquoted.",
        "New evidence from “Report” (page 4).",
    ]
    assert all(c.link == "" for c in changes)  # nothing left to point at


def test_a_claim_reworded_and_removed(incident, clock):
    claim = second_claim(incident, clock)
    revise(incident.claims.get(position=1), statement="The agent opened a reverse SSH tunnel.", reason="Precision")
    clock.tick()
    claim.delete()

    assert texts(incident, Kind.CLAIM)[:2] == [
        "A claim was removed: “It mined cryptocurrency.”.",
        "Claim 1 now reads “The agent opened a reverse SSH tunnel.”: Precision.",
    ]


def test_revisions_of_the_entry_say_what_changed(incident, clock):
    revise(incident, summary="A better summary.", reason="After the company replied")
    clock.tick()
    revise(incident, status="confirmed", severity=4)
    clock.tick()
    revise(incident, slug="another-slug")  # bookkeeping: not said

    assert texts(incident, Kind.CHANGED) == [
        "Its status moved from Reported to Confirmed; its severity moved from 3 to 4 of 5 (Severe).",
        "The summary was revised: After the company replied.",
    ]


def test_first_publication_is_said_and_drafting_before_it_is_not(clock):
    draft = IncidentFactory(is_published=False, summary="Draft wording nobody published.")
    ClaimFactory(incident=draft, statement="A draft claim.")
    EvidenceFactory(incident=draft)
    revise(draft, title="Draft title")
    assert incident_changes(draft) == []  # a draft has no change log

    clock.tick(days=1)
    revise(draft, is_published=True, reason="Reviewed")

    assert texts(draft) == ["First published: Reviewed."]


def test_a_withdrawal_is_said_and_what_was_edited_meanwhile_is_not(incident, clock):
    revise(incident, is_published=False, reason="Under review")
    clock.tick()
    revise(incident.claims.get(), statement="Secret rewording.")
    change_claim_status(incident.claims.get(), "contested", reason="Hidden reason.")
    clock.tick()
    revise(incident, is_published=True)

    assert texts(incident) == [
        "Published again.",
        "Withdrawn from publication: Under review.",
        "New claim 1: “The agent opened a tunnel.” (Supported).",
        "First published.",
    ]


def test_a_merged_duplicate_is_said_and_a_merged_draft_is_not(incident, clock):
    duplicate = IncidentFactory(title="The same tunnel, reported twice")
    draft = IncidentFactory(is_published=False, title="A draft duplicate")
    clock.tick()
    merge_incidents(duplicate, incident)
    merge_incidents(draft, incident)

    merged = [c for c in incident_changes(incident) if c.kind == Kind.MERGED]
    assert [c.text for c in merged] == [
        f"{duplicate.public_id} (“The same tunnel, reported twice”) was merged into this entry; its address now "
        "leads here."
    ]
    duplicate.refresh_from_db()
    assert incident_changes(duplicate) == []  # a merged entry has no change log of its own


def test_a_verdict_is_said_with_the_status_change_it_caused(incident, clock, make_run):
    claim = incident.claims.get()
    run = make_run()
    verdict = Verdict.objects.create(run=run, claim=claim, outcome="consistent", reason="Within the margin.")
    change_claim_status(claim, "reproduced", reason="Within the margin. Every figure agrees.", verdict=verdict)

    newest = incident_changes(incident)[0]
    assert newest.kind == Kind.VERDICT
    assert newest.text == (
        f"Verdict on claim 1: consistent with the published figure (run #{run.pk}); claim 1 moved from Supported "
        "to Reproduced: Within the margin. Every figure agrees."
    )
    assert newest.link == run.get_absolute_url()
    assert texts(incident, Kind.STATUS) == []


def test_a_verdict_that_moves_nothing_is_said_with_its_reason(incident, clock, make_run):
    run = make_run()
    Verdict.objects.create(run=run, claim=incident.claims.get(), outcome="inconclusive", reason="Too few samples.")
    assert texts(incident, Kind.VERDICT) == [f"Verdict on claim 1: inconclusive (run #{run.pk}): Too few samples."]


def test_pipeline_checks_are_never_said(incident, clock, make_run):
    check = make_run(purpose="pipeline-check")
    claim = incident.claims.get()
    MeasurementFactory(incident=incident, claim=claim, evidence=None, reproduction_run=check,
                       purpose=Measurement.Purpose.PIPELINE_CHECK, value=12.0)
    Verdict.objects.create(run=check, claim=claim, outcome="inconsistent", reason="Mock model.")

    assert not any(c.kind in (Kind.VERDICT, Kind.MEASUREMENT) for c in incident_changes(incident))
    assert not any(f"#{check.pk}" in c.text for c in incident_changes(incident))


def test_figures_published_corrected_and_re_run(incident, clock, make_run):
    metric = MetricFactory(name="Blackmail rate")
    figure = MeasurementFactory(incident=incident, evidence=EvidenceFactory(incident=incident), metric=metric,
                                system__name="Claude Opus 4", value=96.0)
    clock.tick()
    revise(figure, value=95.0, reason="Rounding")
    clock.tick()
    judged_run, other_run = make_run(), make_run()
    judged = MeasurementFactory(incident=incident, evidence=None, reproduction_run=judged_run, metric=metric,
                                system=None, purpose=Measurement.Purpose.REPRODUCTION, value=70.0)
    Verdict.objects.create(run=judged_run, claim=incident.claims.get(), measurement=judged, outcome="inconsistent",
                           reason="Far below.")
    MeasurementFactory(incident=incident, evidence=None, reproduction_run=other_run, metric=metric, system=None,
                       purpose=Measurement.Purpose.REPRODUCTION, value=80.0)

    assert texts(incident, Kind.MEASUREMENT) == [
        f"Our re-run (run #{other_run.pk}) measured Blackmail rate at 80%.",
        "The published figure for Blackmail rate for Claude Opus 4 was corrected from 96% to 95%: Rounding.",
        "New published figure: Blackmail rate 96% for Claude Opus 4.",
    ]


def test_newest_first_and_at_most_the_limit(incident, clock):
    for n in range(8):
        clock.tick()
        revise(incident, title=f"Title {n}")

    changes = incident_changes(incident, limit=5)

    assert len(changes) == 5
    assert changes[0].text == "The title changed to “Title 7”."
    assert [c.when for c in changes] == sorted((c.when for c in changes), reverse=True)


def test_each_change_keeps_its_key(incident, clock):
    change_claim_status(incident.claims.get(), "contested", reason="Disputed.")
    before = {c.key: c.text for c in incident_changes(incident)}
    clock.tick()
    revise(incident, summary="Later.")
    after = {c.key: c.text for c in incident_changes(incident)}

    assert len(after) == len(before) + 1 and before.items() <= after.items()


def test_the_change_log_has_a_fixed_number_of_queries(clock, make_run):
    def queries(incident):
        incident.refresh_from_db()  # no claims prefetched: the worst case
        with CaptureQueriesContext(connection) as captured:
            changes = incident_changes(incident)
        return len(captured), len(changes)

    small = IncidentFactory()
    ClaimFactory(incident=small)
    big = IncidentFactory()
    for n in range(6):
        clock.tick()
        claim = ClaimFactory(incident=big)
        EvidenceFactory(incident=big, claim=claim)
        MeasurementFactory(incident=big, evidence=EvidenceFactory(incident=big))
        change_claim_status(claim, "contested", reason=f"Reason {n}.")
        Verdict.objects.create(run=make_run(), claim=claim, outcome="inconclusive", reason="Few samples.")
        revise(big, summary=f"Summary {n}.")
        merge_incidents(IncidentFactory(), big)

    small_queries, small_entries = queries(small)
    big_queries, big_entries = queries(big)
    assert big_entries > 40 > small_entries
    assert big_queries == small_queries <= 7
