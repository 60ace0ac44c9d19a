"""The coordinator's reminder page and schedule, and each person's email preference."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tests.querycount import count_queries
from tracker.actions.models import Action
from tracker.actions.state import london_today
from tracker.extensions import db
from tracker.reminders.calendar import working_day_on_or_before
from tracker.reminders.models import ReminderPolicy


@pytest.fixture
def setting(app, make, as_user):
    p = make.partnership()
    agency = make.agency(p)
    owner = make.member(p, "agency_lead", agency=agency, name="Olu Owner")
    coordinator = make.member(p, "coordinator")
    return dict(p=p, agency=agency, owner=owner, coordinator=as_user(coordinator), as_owner=as_user(owner))


def _policy(**overrides):
    values = dict(days_before="28, 7, 1", on_the_day="y", overdue_every_days="7", escalate_to_lead_after="7",
                  escalate_to_strategic_after="21")
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize("changes, field, message", [
    ({"days_before": "28, -7"}, "days_before", "must be 1 or more"),
    ({"days_before": "7, 7"}, "days_before", "can appear only once"),
    ({"days_before": "a week"}, "days_before", "Enter whole numbers of days"),
    ({"overdue_every_days": "0"}, "overdue_every_days", "must be 1 day or more"),
    ({"escalate_to_strategic_after": "3"}, "escalate_to_strategic_after", "after the agency lead"),
])
def test_bad_schedules_are_refused(app, setting, changes, field, message):
    response = setting["coordinator"].post(f"/partnerships/{setting['p'].id}/reminders/policy", _policy(**changes))
    assert f'id="{field}-error"' in response.get_data(as_text=True) and message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderPolicy)) == 0


def test_a_new_schedule_reschedules_open_actions(app, setting, make):
    deadline = london_today() + timedelta(days=40)
    action = make.action(setting["p"], lead_agency=setting["agency"], owner=setting["owner"], deadline=deadline)
    response = setting["coordinator"].post(f"/partnerships/{setting['p'].id}/reminders/policy",
                                           _policy(days_before="60, 14"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Action, action.id).next_reminder_on == deadline - timedelta(days=60)


def test_an_action_created_through_the_form_is_scheduled_for_reminders(app, setting):
    deadline = london_today() + timedelta(days=40)
    setting["coordinator"].post(f"/partnerships/{setting['p'].id}/actions/new", {
        "title": "Publish the protocol", "lead_agency_id": str(setting["agency"].id),
        "owner_id": str(setting["owner"].id), "deadline": f"{deadline:%d/%m/%Y}", "component": ""})
    with app.app_context():
        action = db.session.scalar(sa.select(Action))
        # 28 days before, brought forward to a working day when that falls at a weekend or on a bank holiday
        assert action.next_reminder_on == working_day_on_or_before(deadline - timedelta(days=28))


def test_the_page_shows_who_the_next_run_will_remind(app, setting, make):
    make.action(setting["p"], title="Publish the protocol", lead_agency=setting["agency"], owner=setting["owner"],
                deadline=london_today() - timedelta(days=3))
    page = text(setting["coordinator"].get(f"/partnerships/{setting['p'].id}/reminders"))
    assert re.search(r"Olu Owner Reminder Publish the protocol : overdue by \d+ days", page)
    assert "No emails have been sent yet." in page


def test_a_long_email_is_counted_and_its_soonest_listed(app, setting, make):
    """A large partnership's owner may have hundreds due: the page counts them and lists the soonest, as the
    email's first lines, rather than every one."""
    from tracker.reminders.views import LISTED

    for n in range(LISTED + 3):
        make.action(setting["p"], title=f"Deliver output {n:02d}", lead_agency=setting["agency"],
                    owner=setting["owner"], deadline=london_today() - timedelta(days=30 - n))
    page = text(setting["coordinator"].get(f"/partnerships/{setting['p'].id}/reminders"))
    assert f"Olu Owner Reminder {LISTED + 3} actions; the soonest {LISTED}:" in page
    assert "Deliver output 00" in page and f"Deliver output {LISTED - 1:02d}" in page
    assert f"Deliver output {LISTED:02d}" not in page
    assert "and 3 more in the same email." in page


def test_the_page_says_why_the_coordinator_hears_in_an_owner_s_place(app, setting, make):
    """The page plans from the columns that decide and reads in full only the actions it lists: what it says of
    each, and why the coordinator hears in the owner's place, is what the email will say."""
    elsewhere = make.partnership(name="Elsewhere")
    gone = make.member(elsewhere, "agency_lead", agency=make.agency(elsewhere), name="Gail Gone")
    late = london_today() - timedelta(days=3)
    make.action(setting["p"], title="Publish the protocol", lead_agency=setting["agency"], deadline=late)
    make.action(setting["p"], title="Train the call handlers", lead_agency=setting["agency"], owner=gone,
                deadline=late)
    page = text(setting["coordinator"].get(f"/partnerships/{setting['p'].id}/reminders"))
    assert re.search(r"Publish the protocol : overdue by \d+ days \(the action has no owner\)", page)
    assert re.search(r"Train the call handlers : overdue by \d+ days \(its owner, Gail Gone, no longer holds a role in "
                     + re.escape(setting["p"].name) + r"\)", page)
    assert "Olu Owner" not in page.split("Sent and queued emails")[0]  # he owns neither


def test_the_page_plans_its_own_partnership_only(app, setting, make):
    """Reminders due elsewhere in the country add no work to this partnership's page, and none of them shows."""
    make.action(setting["p"], title="Publish the protocol", lead_agency=setting["agency"], owner=setting["owner"],
                deadline=london_today() - timedelta(days=3))
    url = f"/partnerships/{setting['p'].id}/reminders"
    with count_queries(app) as alone:
        setting["coordinator"].get(url)
    for n in range(12):
        elsewhere = make.partnership()
        agency = make.agency(elsewhere)
        make.action(elsewhere, title=f"Elsewhere {n}", lead_agency=agency,
                    owner=make.member(elsewhere, "agency_lead", agency=agency),
                    deadline=london_today() - timedelta(days=3))
    with count_queries(app) as busy_country:
        page = text(setting["coordinator"].get(url))
    assert "Publish the protocol" in page and "Elsewhere" not in page
    assert busy_country.count == alone.count


def test_people_choose_weekly_upcoming_reminders(app, setting):
    page = setting["as_owner"].get("/account/preferences")
    assert "cannot be switched off" in text(page)
    setting["as_owner"].post("/account/preferences", {"upcoming_frequency": "weekly", "handoff_frequency": "daily"})
    from tracker.accounts.models import User

    with app.app_context():
        person = db.session.get(User, setting["owner"].id)
        assert (person.upcoming_frequency.value, person.handoff_frequency.value) == ("weekly", "daily")
