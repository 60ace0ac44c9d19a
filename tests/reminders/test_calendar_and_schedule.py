"""The rules of the reminder series and the time of the daily run (working days: test_working_days.py)."""
from datetime import UTC, date, datetime

import pytest
from apscheduler.triggers.cron import CronTrigger

from tracker.reminders.schedule import Policy, decide, first_reminder_on, kind_label, next_reminder_on

DEADLINE = date(2027, 3, 31)
POLICY = Policy()


@pytest.mark.parametrize("today, logged, send, superseded", [
    (date(2027, 3, 2), set(), [], []),
    (date(2027, 3, 3), set(), ["before:28"], []),
    (date(2027, 3, 24), {"before:28"}, ["before:7"], []),
    (date(2027, 3, 31), {"before:28", "before:7", "before:1"}, ["due"], []),
    (date(2027, 4, 7), {"before:28", "before:7", "before:1", "due"}, ["overdue:1", "escalate:lead"], []),
    (date(2027, 4, 21), {"before:28", "before:7", "before:1", "due"},
     ["overdue:3", "escalate:lead", "escalate:strategic"], ["overdue:1", "overdue:2"]),
])
def test_what_a_deadline_calls_for_each_day(today, logged, send, superseded):
    decision = decide(DEADLINE, POLICY, today, logged)
    assert (decision.send, decision.superseded) == (send, superseded)


def test_a_missed_run_sends_only_the_latest_reminder_and_records_the_rest():
    # the system was down from 1 March to 30 March: only "due in 1 day" goes; the others are superseded
    decision = decide(DEADLINE, POLICY, date(2027, 3, 30), set())
    assert decision.send == ["before:1"] and decision.superseded == ["before:28", "before:7"]


def test_weekly_readers_wait_for_monday_for_upcoming_reminders_only():
    decision = decide(DEADLINE, POLICY, date(2027, 3, 24), set(), upcoming_deferred=True)
    assert decision.send == [] and decision.deferred == ["before:7"]
    overdue = decide(DEADLINE, POLICY, date(2027, 4, 7), {"before:28", "before:7", "before:1", "due"},
                     upcoming_deferred=True)
    assert overdue.send == ["overdue:1", "escalate:lead"]


def test_the_next_reminder_day_follows_the_series():
    assert first_reminder_on(DEADLINE, POLICY) == date(2027, 3, 3)
    assert next_reminder_on(DEADLINE, POLICY, date(2027, 3, 3)) == date(2027, 3, 24)
    assert next_reminder_on(DEADLINE, POLICY, date(2027, 3, 31)) == date(2027, 4, 7)
    assert next_reminder_on(DEADLINE, POLICY, date(2027, 4, 7)) == date(2027, 4, 14)
    assert next_reminder_on(DEADLINE, POLICY, date(2027, 4, 14)) == date(2027, 4, 21)


@pytest.mark.parametrize("after, fire_utc", [
    # the clocks go forward on 28 March 2027: 07:00 in London is 06:00 UTC from then on
    (datetime(2027, 3, 26, 7, 30, tzinfo=UTC), datetime(2027, 3, 29, 6, 0, tzinfo=UTC)),
    # and back on 31 October 2027: 07:00 in London is 07:00 UTC again
    (datetime(2027, 10, 29, 6, 30, tzinfo=UTC), datetime(2027, 11, 1, 7, 0, tzinfo=UTC)),
])
def test_the_daily_run_is_at_seven_in_london_across_the_clock_changes(after, fire_utc):
    trigger = CronTrigger(day_of_week="mon-fri", hour=7, minute=0, timezone="Europe/London")
    assert trigger.get_next_fire_time(None, after).astimezone(UTC) == fire_utc


def test_the_weekly_digest_day_is_the_first_working_day_of_the_week():
    from tracker.reminders.schedule import is_digest_day

    assert is_digest_day(date(2027, 3, 15))  # an ordinary Monday
    assert not is_digest_day(date(2027, 3, 16))
    assert not is_digest_day(date(2027, 3, 29))  # Easter Monday
    assert is_digest_day(date(2027, 3, 30))  # so the Tuesday after it


@pytest.mark.parametrize("kind, deadline, words", [
    ("before:7", date(2026, 12, 7), "due in 7 days"),
    ("before:1", date(2026, 12, 1), "due in 1 day"),
    ("due", date(2026, 11, 30), "due today"),
    ("before:7", date(2026, 11, 29), "overdue by 1 day"),  # sent late, after a missed run: never "due in -1 days"
    ("overdue", date(2026, 11, 16), "overdue by 14 days"),
])
def test_a_reminder_says_what_is_true_on_the_day_it_goes(kind, deadline, words):
    assert kind_label(kind, deadline, date(2026, 11, 30)) == words
