"""Reporting clocks: when each serious-incident report is due, and whether
it was sent in time. Pure functions over plain values; nothing here reads
the database or the clock (the caller passes `now`).

How a period is counted (Regulation (EEC, Euratom) No 1182/71, art. 3):
the day of the event that starts it (becoming aware; the incident's
resolution) is not counted, and the period ends at the end of its last day,
23:59:59.999999 in the report's time zone. "Within 2 days" of awareness at
any time on 3 March therefore ends at the end of 5 March, local time.

We do NOT move a deadline that falls on a Saturday, Sunday or public holiday
to the next working day, as art. 3(4) of that Regulation would: each Member
State has its own holidays, and a deadline shown earlier than the legal one
is safe, one shown later is not. docs/reporting.md says this to readers.

Periods (the regimes' own words are in docs/reporting.md):

- AI Act Art. 73 initial report: 2 days for a widespread infringement or a
  serious and irreversible disruption of critical infrastructure (73(3)),
  10 days for a death (73(4)), otherwise 15 days (73(2)). The complete
  report after an initial incomplete one (73(5)) has no deadline in the Act.
- GPAI Code of Practice, Commitment 9 (measure 9.3): initial report 2 days
  (critical infrastructure), 5 days (cybersecurity breach), 10 days (death),
  15 days (health, fundamental rights, property or environment); an
  intermediate report at least every 4 weeks (28 days) after the previous
  one while the incident is unresolved; the final report at most 60 days
  after it is resolved.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Status = Literal["met", "due", "overdue", "unknown"]

AI_ACT = "ai-act-art73"
GPAI_COP = "gpai-cop"

# Initial-report periods in days, by category (SeriousIncidentReport.Category values).
AI_ACT_INITIAL_DAYS = {
    "critical-infrastructure": 2,
    "death": 10,
    "health": 15,
    "fundamental-rights": 15,
    "property-environment": 15,
}
AI_ACT_WIDESPREAD_DAYS = 2
COP_INITIAL_DAYS = {
    "critical-infrastructure": 2,
    "cybersecurity": 5,
    "death": 10,
    "health": 15,
    "fundamental-rights": 15,
    "property-environment": 15,
}
COP_INTERMEDIATE_DAYS = 28
COP_FINAL_DAYS = 60

STATUS_WORDS = {
    "met": "met",
    "due": "due",
    "overdue": "overdue",
    "unknown": "unknown",
}


@dataclass(frozen=True)
class Clock:
    key: str  # "initial", "intermediate-1", "intermediate-2", …, "final"
    label: str
    basis: str  # where the period comes from, in words
    due_at: datetime.datetime | None
    status: Status
    submitted_at: datetime.datetime | None = None
    late_by: datetime.timedelta | None = None
    note: str = ""

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class Submitted:
    """One report sent, as the clocks need it (reporting.models.ReportSubmission)."""

    stage: str  # "initial", "follow-up" or "final"
    submitted_at: datetime.datetime


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError with a reader's message when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"'{name}' is not a time zone we know; give an IANA name such as Europe/Brussels.") from None


def end_of_day(day: datetime.date, zone: str) -> datetime.datetime:
    """The last microsecond of `day` in `zone`."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=zone_named(zone))


def due_at(aware_at: datetime.datetime, days: int, zone: str) -> datetime.datetime:
    """The end of the day `days` days after the local date of `aware_at` in
    `zone` (the day of awareness itself is not counted)."""
    if aware_at.tzinfo is None:
        raise ValueError("aware_at must carry its time zone.")
    local_day = aware_at.astimezone(zone_named(zone)).date()
    return end_of_day(local_day + datetime.timedelta(days=days), zone)


def due_after_day(day: datetime.date, days: int, zone: str) -> datetime.datetime:
    """The end of the day `days` days after the calendar date `day`."""
    return end_of_day(day + datetime.timedelta(days=days), zone)


def clock_status(
    due: datetime.datetime | None, submitted: datetime.datetime | None, now: datetime.datetime
) -> tuple[Status, datetime.timedelta | None]:
    """`met` (sent by the deadline), `overdue` (sent after it, or not sent
    and the deadline passed; with how late), `due` (not sent, deadline ahead
    or reached this very moment), `unknown` (no deadline can be computed)."""
    if due is None:
        return "unknown", None
    if submitted is not None:
        if submitted <= due:
            return "met", None
        return "overdue", submitted - due
    if now <= due:
        return "due", None
    return "overdue", now - due


def initial_days(regime: str, category: str, widespread_infringement: bool = False) -> int | None:
    """The initial report's period in days, or None when the category is not known (or not one of the regime's)."""
    if regime == AI_ACT:
        if widespread_infringement:
            return AI_ACT_WIDESPREAD_DAYS
        return AI_ACT_INITIAL_DAYS.get(category)
    if regime == GPAI_COP:
        return COP_INITIAL_DAYS.get(category)
    return None


def _initial_basis(regime: str, category: str, widespread: bool, days: int | None) -> str:
    if regime == AI_ACT:
        if widespread:
            return "AI Act Art. 73(3): widespread infringement, 2 days after awareness"
        article = {2: "73(3)", 10: "73(4)", 15: "73(2)"}.get(days, "73(2)-(4)")
        return f"AI Act Art. {article}: {days} days after awareness" if days else "AI Act Art. 73(2)-(4)"
    return f"GPAI Code of Practice, measure 9.3: {days} days after awareness" if days else "GPAI Code of Practice, measure 9.3"


def reporting_clocks(
    *,
    regime: str,
    category: str,
    widespread_infringement: bool,
    aware_at: datetime.datetime | None,
    resolved_on: datetime.date | None,
    time_zone: str,
    submissions: Iterable[Submitted],
    now: datetime.datetime,
) -> tuple[Clock, ...]:
    """Every clock of one report: the initial report, then (Code of
    Practice) the intermediate reports up to the next one owed, then the
    final report."""
    submissions = sorted(submissions, key=lambda s: s.submitted_at)
    initial_sent = next((s.submitted_at for s in submissions if s.stage == "initial"), None)
    final_sent = next((s.submitted_at for s in submissions if s.stage == "final"), None)
    follow_ups = [s.submitted_at for s in submissions if s.stage == "follow-up"]

    clocks = [_initial_clock(regime, category, widespread_infringement, aware_at, time_zone, initial_sent, now)]
    if regime == GPAI_COP:
        clocks.extend(_intermediate_clocks(initial_sent, follow_ups, resolved_on, time_zone, now))
        clocks.append(_cop_final_clock(resolved_on, time_zone, final_sent, now))
    else:
        clocks.append(_ai_act_final_clock(final_sent))
    return tuple(clocks)


def _initial_clock(regime, category, widespread, aware_at, time_zone, submitted, now) -> Clock:
    days = initial_days(regime, category, widespread)
    basis = _initial_basis(regime, category, widespread, days)
    label = "Initial report"
    if aware_at is None:
        return Clock("initial", label, basis, None, "unknown", submitted, None,
                     "Unknown: the date of awareness is not recorded, so the deadline cannot be counted.")
    if days is None:
        return Clock("initial", label, basis, None, "unknown", submitted, None,
                     "Unknown: the category of serious incident is not recorded, so the period is not known.")
    due = due_at(aware_at, days, time_zone)
    status, late_by = clock_status(due, submitted, now)
    return Clock("initial", label, basis, due, status, submitted, late_by, f"{days} days after awareness.")


def _intermediate_clocks(initial_sent, follow_ups, resolved_on, time_zone, now) -> list[Clock]:
    """Each intermediate report is due 28 days after the report before it
    (the initial report, then each intermediate), while the incident is
    unresolved: one whose deadline falls after the day of resolution is
    replaced by the final report. Shown up to the first one not yet sent."""
    if initial_sent is None:
        return []
    clocks = []
    previous = initial_sent
    pending = list(follow_ups)
    number = 1
    while True:
        previous_day = previous.astimezone(zone_named(time_zone)).date()
        due = due_after_day(previous_day, COP_INTERMEDIATE_DAYS, time_zone)
        if resolved_on is not None and resolved_on < due.date():
            break
        submitted = pending.pop(0) if pending else None
        status, late_by = clock_status(due, submitted, now)
        clocks.append(Clock(
            f"intermediate-{number}", f"Intermediate report {number}",
            "GPAI Code of Practice, measure 9.3: at least every 4 weeks while unresolved",
            due, status, submitted, late_by, "28 days after the previous report.",
        ))
        if submitted is None:
            break
        previous = submitted
        number += 1
    return clocks


def _cop_final_clock(resolved_on, time_zone, submitted, now) -> Clock:
    label, basis = "Final report", "GPAI Code of Practice, measure 9.3: 60 days after resolution"
    if resolved_on is None:
        return Clock("final", label, basis, None, "unknown", submitted, None,
                     "Unknown: due 60 days after the incident is resolved, and it is not recorded as resolved.")
    due = due_after_day(resolved_on, COP_FINAL_DAYS, time_zone)
    status, late_by = clock_status(due, submitted, now)
    return Clock("final", label, basis, due, status, submitted, late_by, "60 days after the incident was resolved.")


def _ai_act_final_clock(submitted) -> Clock:
    # Art. 73(5)-(6): a complete report may follow an initial incomplete one,
    # after the investigation; the Act sets it no deadline.
    return Clock(
        "final", "Complete report", "AI Act Art. 73(5)-(6)", None, "met" if submitted else "due", submitted, None,
        "No deadline (Art. 73(6) investigation).",
    )
