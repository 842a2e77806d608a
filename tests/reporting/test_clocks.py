"""reporting.clocks: each deadline counted from the local day of
awareness, ending at the end of the last day in the report's time zone."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from reporting import clocks
from reporting.clocks import Submitted, due_at, reporting_clocks

UTC = datetime.timezone.utc
BRUSSELS = ZoneInfo("Europe/Brussels")
US = datetime.timedelta(microseconds=1)


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def local(zone, *args):
    return datetime.datetime(*args, tzinfo=ZoneInfo(zone))


def end_of(zone, year, month, day):
    return datetime.datetime(year, month, day, 23, 59, 59, 999999, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize("days", [2, 5, 10, 15, 28, 60])
def test_due_at_is_end_of_the_last_day_the_day_of_awareness_not_counted(days):
    aware = local("Europe/Brussels", 2026, 6, 3, 9, 0)
    expected_day = datetime.date(2026, 6, 3) + datetime.timedelta(days=days)
    assert due_at(aware, days, "Europe/Brussels") == end_of("Europe/Brussels", *expected_day.timetuple()[:3])


def test_two_days_from_awareness_in_the_morning():
    assert due_at(local("Europe/Brussels", 2026, 3, 3, 0, 0), 2, "Europe/Brussels") == end_of("Europe/Brussels", 2026, 3, 5)


def test_awareness_late_in_the_utc_evening_is_the_next_day_in_brussels():
    # 23:30 UTC on 10 June is 01:30 on 11 June in Brussels (CEST, UTC+2).
    aware = utc(2026, 6, 10, 23, 30)
    assert due_at(aware, 2, "Europe/Brussels") == end_of("Europe/Brussels", 2026, 6, 13)
    assert due_at(aware, 2, "UTC") == end_of("UTC", 2026, 6, 12)


def test_deadline_across_the_spring_dst_change():
    # Clocks go forward on 29 March 2026: the deadline is still the end of the local day, now UTC+2.
    aware = local("Europe/Brussels", 2026, 3, 27, 12, 0)
    due = due_at(aware, 5, "Europe/Brussels")
    assert due == end_of("Europe/Brussels", 2026, 4, 1)
    assert due.utcoffset() == datetime.timedelta(hours=2)
    assert due.astimezone(UTC) == utc(2026, 4, 1, 21, 59, 59, 999999)


def test_deadline_across_the_autumn_dst_change():
    # Clocks go back on 25 October 2026: UTC+1 from then on.
    aware = local("Europe/Brussels", 2026, 10, 23, 12, 0)
    due = due_at(aware, 2, "Europe/Brussels")
    assert due.astimezone(UTC) == utc(2026, 10, 25, 22, 59, 59, 999999)
    # Awareness in the repeated hour (02:30 happens twice) still counts from 25 October.
    ambiguous = datetime.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BRUSSELS)
    assert due_at(ambiguous, 2, "Europe/Brussels") == end_of("Europe/Brussels", 2026, 10, 27)


def test_the_same_moment_gives_different_days_in_new_york_and_tokyo():
    aware = utc(2026, 6, 10, 2, 0)  # 22:00 on 9 June in New York, 11:00 on 10 June in Tokyo
    assert due_at(aware, 10, "America/New_York") == end_of("America/New_York", 2026, 6, 19)
    assert due_at(aware, 10, "Asia/Tokyo") == end_of("Asia/Tokyo", 2026, 6, 20)


def test_naive_awareness_and_unknown_zone_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        due_at(datetime.datetime(2026, 6, 10, 12), 2, "UTC")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        due_at(utc(2026, 6, 10, 12), 2, "Mars/Olympus")


AWARE = local("Europe/Brussels", 2026, 6, 1, 10, 0)


def clocks_for(regime="gpai-cop", category="death", widespread=False, aware_at=AWARE, resolved_on=None,
               submissions=(), now=None, zone="Europe/Brussels"):
    return reporting_clocks(
        regime=regime, category=category, widespread_infringement=widespread, aware_at=aware_at,
        resolved_on=resolved_on, time_zone=zone, submissions=list(submissions), now=now or AWARE,
    )


def initial(**kwargs):
    return clocks_for(**kwargs)[0]


@pytest.mark.parametrize(
    ("regime", "category", "widespread", "days"),
    [
        ("ai-act-art73", "critical-infrastructure", False, 2),
        ("ai-act-art73", "health", True, 2),
        ("ai-act-art73", "death", False, 10),
        ("ai-act-art73", "health", False, 15),
        ("ai-act-art73", "fundamental-rights", False, 15),
        ("ai-act-art73", "property-environment", False, 15),
        ("gpai-cop", "critical-infrastructure", False, 2),
        ("gpai-cop", "cybersecurity", False, 5),
        ("gpai-cop", "death", False, 10),
        ("gpai-cop", "health", False, 15),
        ("gpai-cop", "fundamental-rights", False, 15),
        ("gpai-cop", "property-environment", False, 15),
    ],
)
def test_initial_report_period_by_regime_and_category(regime, category, widespread, days):
    clock = initial(regime=regime, category=category, widespread=widespread)
    assert clock.due_at == end_of("Europe/Brussels", 2026, 6, 1 + days)
    assert clock.status == "due"
    assert f"{days} days" in clock.basis


def test_initial_status_around_the_deadline():
    due = end_of("Europe/Brussels", 2026, 6, 11)  # death: 10 days
    assert initial(now=due - US).status == "due"
    assert initial(now=due).status == "due"
    late = initial(now=due + US)
    assert late.status == "overdue"
    assert late.late_by == US


def test_submitted_exactly_at_the_deadline_is_met_a_microsecond_later_is_late():
    due = end_of("Europe/Brussels", 2026, 6, 11)
    on_time = initial(submissions=[Submitted("initial", due)], now=due + datetime.timedelta(days=30))
    assert (on_time.status, on_time.late_by, on_time.submitted_at) == ("met", None, due)
    late = initial(submissions=[Submitted("initial", due + US)], now=due + datetime.timedelta(days=30))
    assert late.status == "overdue"
    assert late.late_by == US


def test_no_awareness_or_no_category_is_unknown_with_the_reason():
    no_awareness = initial(aware_at=None)
    assert (no_awareness.status, no_awareness.due_at) == ("unknown", None)
    assert "awareness" in no_awareness.note
    no_category = initial(category="")
    assert no_category.status == "unknown"
    assert "category" in no_category.note
    # Cybersecurity is a Code of Practice category, not an Art. 3(49) one.
    assert initial(regime="ai-act-art73", category="cybersecurity").status == "unknown"


def test_ai_act_complete_report_has_no_deadline():
    final = clocks_for(regime="ai-act-art73")[-1]
    assert (final.key, final.due_at, final.status) == ("final", None, "due")
    assert "No deadline (Art. 73(6) investigation)" in final.note
    sent = clocks_for(regime="ai-act-art73", submissions=[Submitted("final", AWARE + datetime.timedelta(days=90))])
    assert sent[-1].status == "met"
    assert [c.key for c in sent] == ["initial", "final"]  # no intermediate reports under the Act


def test_no_intermediate_clock_before_the_initial_report_is_sent():
    assert [c.key for c in clocks_for()] == ["initial", "final"]


def test_intermediate_reports_every_28_days_after_the_previous_one():
    sent_initial = local("Europe/Brussels", 2026, 6, 5, 16, 0)
    first_due = end_of("Europe/Brussels", 2026, 7, 3)
    result = clocks_for(submissions=[Submitted("initial", sent_initial)], now=first_due)
    assert [c.key for c in result] == ["initial", "intermediate-1", "final"]
    assert result[1].due_at == first_due
    assert result[1].status == "due"
    assert clocks_for(submissions=[Submitted("initial", sent_initial)], now=first_due + US)[1].status == "overdue"

    follow_up = local("Europe/Brussels", 2026, 7, 1, 9, 0)  # two days early: the next one counts from here
    result = clocks_for(submissions=[Submitted("initial", sent_initial), Submitted("follow-up", follow_up)], now=follow_up)
    assert [c.key for c in result] == ["initial", "intermediate-1", "intermediate-2", "final"]
    assert (result[1].status, result[1].submitted_at) == ("met", follow_up)
    assert result[2].due_at == end_of("Europe/Brussels", 2026, 7, 29)
    assert result[2].status == "due"


def test_intermediate_sent_late_is_overdue_with_how_late():
    sent_initial = local("Europe/Brussels", 2026, 6, 5, 16, 0)
    late = end_of("Europe/Brussels", 2026, 7, 3) + datetime.timedelta(hours=1)
    result = clocks_for(submissions=[Submitted("initial", sent_initial), Submitted("follow-up", late)], now=late)
    assert result[1].status == "overdue"
    assert result[1].late_by == datetime.timedelta(hours=1)


def test_resolution_before_the_next_intermediate_deadline_ends_them():
    sent_initial = local("Europe/Brussels", 2026, 6, 5, 16, 0)
    subs = [Submitted("initial", sent_initial)]
    assert [c.key for c in clocks_for(submissions=subs, resolved_on=datetime.date(2026, 7, 2))] == ["initial", "final"]
    # Resolved on the deadline's own day: the intermediate report is still owed.
    keys = [c.key for c in clocks_for(submissions=subs, resolved_on=datetime.date(2026, 7, 3))]
    assert keys == ["initial", "intermediate-1", "final"]


def test_cop_final_report_60_days_after_resolution():
    resolved = datetime.date(2026, 6, 20)
    due = end_of("Europe/Brussels", 2026, 8, 19)
    assert clocks_for(resolved_on=resolved, now=due)[-1].due_at == due
    assert clocks_for(resolved_on=resolved, now=due)[-1].status == "due"
    assert clocks_for(resolved_on=resolved, now=due + US)[-1].status == "overdue"
    met = clocks_for(resolved_on=resolved, submissions=[Submitted("final", due)], now=due + US)[-1]
    assert met.status == "met"
    unresolved = clocks_for()[-1]
    assert (unresolved.status, unresolved.due_at) == ("unknown", None)
    assert "resolved" in unresolved.note


def test_status_words_are_words():
    assert {c.status_words for c in clocks_for()} <= set(clocks.STATUS_WORDS.values())
    assert clocks.STATUS_WORDS == {"met": "met", "due": "due", "overdue": "overdue", "unknown": "unknown"}
