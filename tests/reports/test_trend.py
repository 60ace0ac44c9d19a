"""The progress report's twelve months, checked against the definitions read off each action: open at a month's
end (created by then, not closed by then), overdue then (open, its deadline before that day, not completed by
then), closed within the month. Dates fall on and either side of every month's first and last day."""
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tracker.actions.models import Action
from tracker.actions.state import london_today
from tracker.extensions import db
from tracker.reports import services

TODAY = london_today()
ENDS = services._month_ends(TODAY)
#: the days on which a difference would show: each month's first and last day, the days either side, and today
EDGES = sorted({day + timedelta(days=shift) for end in ENDS for day in (end, end.replace(day=1))
                for shift in (-1, 0, 1)} | {TODAY - timedelta(days=800)})
maybe_day = st.one_of(st.none(), st.sampled_from(EDGES))


def expected(actions):
    rows = []
    for end in ENDS:
        moment, start = datetime.combine(end, time.max, tzinfo=UTC), end.replace(day=1)
        still_open = [a for a in actions if a["created_at"] <= moment and (a["closed_on"] is None
                                                                           or a["closed_on"] > end)]
        rows.append(dict(open=len(still_open),
                         overdue=sum(1 for a in still_open if a["deadline"] is not None and a["deadline"] < end
                                     and (a["completed_on"] is None or a["completed_on"] > end)),
                         closed=sum(1 for a in actions if a["closed_on"] is not None
                                    and start <= a["closed_on"] <= end)))
    return rows


@pytest.fixture(scope="module")
def place(app):
    """One partnership and its coordinator for every example; each example empties its actions."""
    from tests import factories

    factories.APP = app
    with app.app_context():
        p = factories.partnership(name="Trend")
        coordinator = factories.member(p, "coordinator")
        return p.id, coordinator.id


@given(st.lists(st.fixed_dictionaries(dict(
    created=st.sampled_from([d for d in EDGES if d <= TODAY]), at_midnight=st.booleans(), deadline=maybe_day,
    completed_on=maybe_day, closed_on=maybe_day)), max_size=12))
def test_each_month_counts_what_the_dates_say(app, place, actions):
    from tracker.accounts.models import User
    from tracker.partnerships.models import Partnership

    partnership_id, coordinator_id = place
    with app.app_context():
        db.session.execute(sa.delete(Action))
        made = []
        for a in actions:
            created_at = datetime.combine(a["created"], time(0, 0) if a["at_midnight"] else time(23, 59, 59),
                                          tzinfo=UTC)
            made.append(dict(created_at=created_at, deadline=a["deadline"], completed_on=a["completed_on"],
                             closed_on=a["closed_on"]))
            db.session.add(Action(partnership_id=partnership_id, title="Dated", created_at=created_at,
                                  deadline=a["deadline"], original_deadline=a["deadline"],
                                  completed_on=a["completed_on"], closed_on=a["closed_on"],
                                  status="closed" if a["closed_on"] else "in_progress"))
        db.session.commit()
        scope = services.scope_for(db.session.get(User, coordinator_id), db.session.get(Partnership, partnership_id))
        trend = services.progress_report(scope, TODAY).trend
        db.session.execute(sa.delete(Action))
        db.session.commit()
    assert [dict(open=t["open"], overdue=t["overdue"], closed=t["closed"]) for t in trend] == expected(made)

