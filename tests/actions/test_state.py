"""Derived state (overdue, days overdue, RAG) around its boundaries, computed by the database itself."""
from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.actions.state import london_today, state_of
from tracker.enums import Rag

TODAY = date(2027, 3, 10)
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def setting(ctx, make):
    partnership = make.partnership()
    agency = make.agency(partnership)
    owner = make.member(partnership, "agency_lead", agency=agency)
    return partnership, agency, owner


def state(make, setting, **fields):
    partnership, agency, owner = setting
    fields.setdefault("last_progress_at", NOW)
    action = make.action(partnership, lead_agency=agency, owner=owner, **fields)
    return state_of(action, TODAY)


@pytest.mark.parametrize("deadline, rag, reason, days_overdue", [
    (TODAY - timedelta(days=30), Rag.RED, "overdue", 30),
    (TODAY - timedelta(days=1), Rag.RED, "overdue", 1),
    (TODAY, Rag.AMBER, "due_soon", None),
    (TODAY + timedelta(days=28), Rag.AMBER, "due_soon", None),
    (TODAY + timedelta(days=29), Rag.GREEN, "on_track", None),
    (None, Rag.AMBER, "no_deadline", None),
])
def test_rag_around_the_deadline(make, setting, deadline, rag, reason, days_overdue):
    derived = state(make, setting, deadline=deadline)
    assert (derived.rag, derived.reason, derived.days_overdue) == (rag, reason, days_overdue)


@pytest.mark.parametrize("status, rag", [
    ("blocked", Rag.RED), ("completed", Rag.GREEN), ("closed", Rag.CLOSED), ("in_progress", Rag.GREEN)])
def test_status_decides_first(make, setting, status, rag):
    # even past its deadline, a completed action is not overdue and a closed one is shown apart
    deadline = TODAY + timedelta(days=60) if status in ("blocked", "in_progress") else TODAY - timedelta(days=5)
    derived = state(make, setting, deadline=deadline, status=status)
    assert derived.rag is rag
    assert derived.is_overdue is False


def test_lead_saying_at_risk_makes_it_amber(make, setting):
    derived = state(make, setting, deadline=TODAY + timedelta(days=100), lead_assessment="amber")
    assert (derived.rag, derived.reason) == (Rag.AMBER, "at_risk")


@pytest.mark.parametrize("days_since_update, reason", [(42, "on_track"), (43, "stale")])
def test_no_update_for_longer_than_the_window_is_stale(make, setting, days_since_update, reason):
    derived = state(make, setting, deadline=TODAY + timedelta(days=100),
                    last_progress_at=NOW - timedelta(days=days_since_update))
    assert derived.reason == reason


def test_the_partnership_sets_its_own_windows(make, ctx):
    from tracker.extensions import db

    partnership = make.partnership()
    partnership.rag_warning_days, partnership.stale_after_days = 7, 14
    db.session.commit()
    agency = make.agency(partnership)
    owner = make.member(partnership, "agency_lead", agency=agency)
    soon = make.action(partnership, lead_agency=agency, owner=owner, deadline=TODAY + timedelta(days=8),
                       last_progress_at=NOW)
    quiet = make.action(partnership, lead_agency=agency, owner=owner, deadline=TODAY + timedelta(days=30),
                        last_progress_at=NOW - timedelta(days=15))
    assert state_of(soon, TODAY).reason == "on_track"
    assert state_of(quiet, TODAY).reason == "stale"


@pytest.mark.parametrize("utc_now, london_date", [
    (datetime(2027, 6, 30, 22, 59, tzinfo=UTC), date(2027, 6, 30)),   # 23:59 BST
    (datetime(2027, 6, 30, 23, 0, tzinfo=UTC), date(2027, 7, 1)),     # 00:00 BST next day
    (datetime(2027, 1, 31, 23, 59, tzinfo=UTC), date(2027, 1, 31)),   # GMT: London is UTC
    (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), date(2027, 3, 28)),    # the night the clocks go forward
    (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31)),  # 00:30 BST on the day they go back
])
def test_today_is_the_date_in_london(utc_now, london_date):
    assert london_today(utc_now) == london_date


def test_a_deadline_is_overdue_from_the_london_midnight_after_it(make, setting):
    partnership, agency, owner = setting
    action = make.action(partnership, lead_agency=agency, owner=owner, deadline=date(2027, 6, 30),
                         last_progress_at=NOW)
    late_evening = london_today(datetime(2027, 6, 30, 22, 30, tzinfo=UTC))
    just_after_midnight = london_today(datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    assert state_of(action, late_evening).is_overdue is False
    assert state_of(action, just_after_midnight).days_overdue == 1
