"""Working days in England and Wales, and reminders around weekends and bank holidays: a "before" reminder comes on
the working day before its day, the others on the working day after; nothing is lost or sent twice."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker.enums import ReminderOutcome
from tracker.extensions import db
from tracker.reminders.calendar import bank_holidays, is_working_day, next_working_day
from tracker.reminders.models import ReminderLog
from tracker.reminders.schedule import Policy, decide, first_reminder_on, next_reminder_on
from tracker.reminders.services import run_reminders

# As GOV.UK publishes them for England and Wales (www.gov.uk/bank-holidays), substitute days included.
PUBLISHED = {
    2020: ["1 Jan", "10 Apr", "13 Apr", "8 May", "25 May", "31 Aug", "25 Dec", "28 Dec"],  # VE Day moved May Day
    2022: ["3 Jan", "15 Apr", "18 Apr", "2 May", "2 Jun", "3 Jun", "29 Aug", "19 Sep", "26 Dec", "27 Dec"],
    2023: ["2 Jan", "7 Apr", "10 Apr", "1 May", "8 May", "29 May", "28 Aug", "25 Dec", "26 Dec"],
    2024: ["1 Jan", "29 Mar", "1 Apr", "6 May", "27 May", "26 Aug", "25 Dec", "26 Dec"],
    2025: ["1 Jan", "18 Apr", "21 Apr", "5 May", "26 May", "25 Aug", "25 Dec", "26 Dec"],
    2026: ["1 Jan", "3 Apr", "6 Apr", "4 May", "25 May", "31 Aug", "25 Dec", "28 Dec"],
    2027: ["1 Jan", "26 Mar", "29 Mar", "3 May", "31 May", "30 Aug", "27 Dec", "28 Dec"],
}


def day(text, year=2026):
    return datetime.strptime(f"{text} {year}", "%d %b %Y").date()


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bank_holidays_are_the_published_list(year):
    # 2022: the platinum jubilee moved the spring bank holiday and added 3 June; the Queen's funeral, 19 September.
    # 2023: the coronation, 8 May.
    assert bank_holidays(year) == {day(text, year) for text in PUBLISHED[year]}


def test_working_days_skip_weekends_and_bank_holidays():
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 26))
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert next_working_day(date(2027, 3, 25)) == date(2027, 3, 30)  # Good Friday and Easter Monday


def runs(deadline, policy, start, end):
    """Every daily run from start to end as the job makes them (working days only, for an action whose next
    reminder day has come): {day: kinds sent}, and the kinds superseded along the way."""
    logged, sent, superseded = set(), {}, []
    next_on = first_reminder_on(deadline, policy)
    today = start
    while today <= end:
        if is_working_day(today) and next_on <= today:
            decision = decide(deadline, policy, today, logged)
            logged |= {*decision.send, *decision.superseded}
            superseded += decision.superseded
            if decision.send:
                sent[today] = decision.send
            next_on = next_reminder_on(deadline, policy, today)
        today += timedelta(days=1)
    return sent, superseded


@pytest.mark.parametrize("deadline, policy, expected", [
    # the spring bank holiday: "due tomorrow" falls on Sunday, so it comes on Friday; "due" on Tuesday
    (day("25 May"), Policy(), {day("27 Apr"): ["before:28"], day("18 May"): ["before:7"],
                               day("22 May"): ["before:1"], day("26 May"): ["due"]}),
    # a Saturday: every "before" day is a Saturday or a Friday, so each comes on a Friday; "due" on Monday
    (day("13 Jun"), Policy(), {day("15 May"): ["before:28"], day("5 Jun"): ["before:7"],
                               day("12 Jun"): ["before:1"], day("15 Jun"): ["due"]}),
    # Boxing Day 2025: 28 days before is a Friday as planned; "due tomorrow" is Christmas, so Christmas Eve
    (day("26 Dec", 2025), Policy(), {day("28 Nov", 2025): ["before:28"], day("19 Dec", 2025): ["before:7"],
                                     day("24 Dec", 2025): ["before:1"], day("29 Dec", 2025): ["due"]}),
    # Christmas 2026, a Friday: "due" waits for the weekend and the Boxing Day substitute
    (day("25 Dec"), Policy(), {day("27 Nov"): ["before:28"], day("18 Dec"): ["before:7"],
                               day("24 Dec"): ["before:1"], day("29 Dec"): ["due"]}),
    # no day-before reminder: 28 days before is the early May bank holiday and 7 days before the spring one
    (day("1 Jun"), Policy(offsets=(28, 7)), {day("1 May"): ["before:28"], day("22 May"): ["before:7"],
                                             day("1 Jun"): ["due"]}),
])
def test_before_reminders_come_forward_and_the_others_wait_for_the_next_working_day(deadline, policy, expected):
    sent, superseded = runs(deadline, policy, deadline - timedelta(days=40), deadline + timedelta(days=4))
    assert sent == expected
    assert superseded == []
    assert all(is_working_day(d) for d in sent)


def test_reminders_that_meet_on_one_working_day_send_the_latest_and_record_the_other():
    # the Tuesday after the spring bank holiday: 2 days before is Sunday and 1 day before Monday, both to Friday
    sent, superseded = runs(day("26 May"), Policy(offsets=(2, 1)), day("18 May"), day("27 May"))
    assert sent == {day("22 May"): ["before:1"], day("26 May"): ["due"]}
    assert superseded == ["before:2"]


@pytest.fixture
def owned(make):
    p = make.partnership()
    police = make.agency(p)
    tom = make.member(p, "agency_lead", agency=police, email="tom@example.org")
    return lambda deadline: make.action(p, lead_agency=police, owner=tom, deadline=deadline)


def sent(action):
    return db.session.execute(sa.select(ReminderLog.run_on, ReminderLog.kind)
                              .where(ReminderLog.action_id == action.id, ReminderLog.outcome == ReminderOutcome.SENT)
                              .order_by(ReminderLog.run_on)).all()


def test_a_run_on_a_bank_holiday_sends_nothing_and_the_next_working_day_catches_up(ctx, owned):
    action = owned(day("25 May"))
    assert run_reminders(day("22 May")).message_count == 1  # "due in 3 days", on the Friday
    assert run_reminders(day("25 May")).logs == []  # the bank holiday itself: no run
    tuesday = run_reminders(day("26 May"))
    [(person, [item])] = tuesday.digests.items()
    assert (person.email, item.kind) == ("tom@example.org", "due")
    assert run_reminders(day("26 May")).logs == []  # once only
    assert sent(action) == [(day("22 May"), "before:1"), (day("26 May"), "due")]
