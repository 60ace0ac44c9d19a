"""Milestones as dated items, done or not: read from and written to a plan's lines alike, kept on their own page,
and feeding the RAG (an open action with a milestone past its date and not done is at least amber)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions import milestones, state
from tracker.actions.models import Action, Milestone
from tracker.enums import Rag
from tracker.extensions import db
from tracker.i18n import translated_in


@pytest.mark.parametrize("line, parsed", [
    ("31 January 2027: Draft the protocol (done)", ("Draft the protocol", date(2027, 1, 31), True)),
    ("31 January 2027: Draft the protocol", ("Draft the protocol", date(2027, 1, 31), False)),
    ("31/1/2027: Draft the protocol", ("Draft the protocol", date(2027, 1, 31), False)),
    ("31 Ionawr 2027: Drafftio'r protocol (WELSH_DONE)", ("Drafftio'r protocol", date(2027, 1, 31), True)),
    ("Agree the protocol at the board", ("Agree the protocol at the board", None, False)),
    ("Agree the protocol (done)", ("Agree the protocol", None, True)),
    ("March 2027: a month is not a due day", ("March 2027: a month is not a due day", None, False)),
    ("Note: ask the chair", ("Note: ask the chair", None, False)),
    ("(done)", ("(done)", None, False)),
])
def test_a_plans_line_reads_into_a_milestone(ctx, line, parsed):
    """In English or in Welsh, as a plan exported in either language writes it."""
    line = line.replace("WELSH_DONE", translated_in("cy", milestones.DONE))
    assert milestones.parse_line(line) == parsed


def test_lines_come_back_as_they_went_in_and_keep_the_day_a_step_was_done(ctx, make):
    p = make.partnership()
    action = db.session.get(Action, make.action(p).id)
    text_in = "31 January 2027: Draft the protocol (done)\nAgree it at the board\n1 March 2027: Launch it"
    action.milestones = text_in
    db.session.commit()
    assert action.milestones == text_in
    assert [(m.title, m.due_on, m.is_done) for m in action.milestone_items] == [
        ("Draft the protocol", date(2027, 1, 31), True), ("Agree it at the board", None, False),
        ("Launch it", date(2027, 3, 1), False)]
    first = action.milestone_items[0]
    first.done_on = date(2027, 1, 20)
    db.session.commit()
    action.milestones = text_in + "\nReview after six months"  # the same lines again: the same items
    db.session.commit()
    assert action.milestone_items[0] is first and first.done_on == date(2027, 1, 20)
    assert len(action.milestone_items) == 4


def test_an_open_action_with_a_milestone_past_its_date_is_amber_with_the_reason(ctx, make):
    p = make.partnership()
    agency = make.agency(p)
    owner = make.member(p, "agency_lead", agency=agency)
    today = state.london_today()
    action = db.session.get(Action, make.action(p, lead_agency=agency, owner=owner,
                                                deadline=today + timedelta(days=200)).id)
    assert state.state_of(action, today).rag is Rag.GREEN
    milestones.add_milestone(action, "Draft the protocol", today - timedelta(days=1))
    derived = state.state_of(action, today)
    assert (derived.rag, derived.reason_label) == (Rag.AMBER, "A milestone is past its date and not done")
    milestones.mark_done(action, action.milestone_items[0].id)
    assert state.state_of(action, today).rag is Rag.GREEN
    # red stays red: an overdue action with an overdue milestone is overdue
    late = db.session.get(Action, make.action(p, lead_agency=agency, owner=owner,
                                              deadline=today - timedelta(days=2)).id)
    milestones.add_milestone(late, "Step", today - timedelta(days=5))
    assert state.state_of(late, today).rag is Rag.RED


def test_the_milestones_page_adds_marks_done_and_removes(app, make, as_user):
    p = make.partnership()
    agency = make.agency(p)
    coordinator = make.member(p, "coordinator")
    lead = make.member(p, "agency_lead", agency=agency)
    other = make.member(p, "agency_lead", agency=make.agency(p, name="Other agency"))
    action = make.action(p, lead_agency=agency, owner=lead, deadline=state.london_today() + timedelta(days=100))
    browser = as_user(coordinator)
    url = f"/actions/{action.id}/milestones"
    refused = browser.post(url, {"title": "", "due_on": "31/2/2027"})
    assert refused.status_code == 200 and "Enter the milestone" in text(refused)
    past = state.london_today() - timedelta(days=3)
    assert browser.post(url, {"title": "Draft the protocol", "due_on": f"{past:%d/%m/%Y}"}).status_code == 302
    page = text(browser.get(url))
    assert "Draft the protocol" in page and "Past its date" in page
    assert "A milestone is past its date and not done" in text(browser.get(f"/actions/{action.id}"))
    with app.app_context():
        milestone_id = db.session.scalar(sa.select(Milestone.id))
    # the agency lead reports progress: marks it done, but neither adds nor removes
    lead_browser = as_user(lead)
    assert lead_browser.post(f"{url}/{milestone_id}/done", {"done": "y"}, form_url=url).status_code == 302
    assert "Done " in text(lead_browser.get(url)) and "Remove" not in text(lead_browser.get(url))
    assert lead_browser.post(url, {"title": "More", "due_on": ""}).status_code == 403
    assert lead_browser.get(f"{url}/{milestone_id}/remove").status_code == 403
    assert as_user(other).get(url).status_code == 403
    confirm = browser.get(f"{url}/{milestone_id}/remove")
    assert "Remove this milestone?" in text(confirm)
    assert browser.post(f"{url}/{milestone_id}/remove", {}).status_code == 302
    assert "No milestones yet." in text(browser.get(url))
