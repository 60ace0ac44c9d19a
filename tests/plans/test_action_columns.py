"""The plan's milestones, survivor involvement and groups-served columns: out and back in unchanged, through CSV
and XLSX, into items, text and groups the tracker works with."""
from datetime import date

import pytest

from tracker.actions.models import Action
from tracker.actions.services import save_action
from tracker.enums import GroupServed
from tracker.extensions import db
from tracker.plans import exports, services
from tracker.reviews.models import Review
from tracker.reviews.services import save_recommendation

MILESTONES = "31 January 2027: Draft the protocol (done)\nAgree it at the board\n1 March 2027: Launch it"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_milestones_survivor_involvement_and_groups_go_out_and_come_back(ctx, make, kind):
    p = make.partnership()
    agency = make.agency(p, name="MK Housing")
    review = make.review(p)
    recommendation = save_recommendation(review, None, dict(
        number="1", text="Housing should ask about abuse.", scope="local", agency_ids=[agency.id],
        external_body="", theme_ids=[], component=""))
    save_action(p, None, dict(
        title="Ask every tenant safely", outcome="", measure="", lead_agency_id=agency.id, owner_id=None,
        supporting_agency_ids=[], milestones=MILESTONES, estimated_cost=None, funding_source="", staff_time="",
        within_existing_resources=True, review_arrangement="", component="", theme="", strategic_objective="",
        survivor_involvement="Shaped by the survivors' forum", groups=["disability", "no_recourse"]),
        deadline=date(2027, 6, 30), origin=recommendation)
    first = exports.spreadsheet(p, [review], kind)[0]
    empty = make.review(p)
    plan = services.build_preview(p, db.session.get(Review, empty.id), f"plan.{kind}", first, {}, {})
    assert not plan.problems, plan.problems
    services.apply_preview(p, plan, None)
    db.session.commit()
    again = exports.spreadsheet(p, [db.session.get(Review, empty.id)], kind)[0]
    if kind == "csv":
        assert again == first
        header = first.decode("utf-8-sig").splitlines()[0]
        assert "Survivor involvement" in header and "Groups served" in header and "Key milestones" in header
    copy = db.session.scalar(db.select(Action).where(Action.recommendation.has(review_id=empty.id)))
    assert copy.survivor_involvement == "Shaped by the survivors' forum"
    assert copy.groups == [GroupServed.DISABILITY, GroupServed.NO_RECOURSE]
    assert [(m.title, m.due_on, m.is_done) for m in copy.milestone_items] == [
        ("Draft the protocol", date(2027, 1, 31), True), ("Agree it at the board", None, False),
        ("Launch it", date(2027, 3, 1), False)]
    assert copy.milestones == MILESTONES


def test_an_unknown_group_is_a_problem_on_its_row(ctx, make):
    from tracker.spreadsheets import csv_bytes

    p = make.partnership()
    agency = make.agency(p, name="MK Housing")
    review = make.review(p)
    data = csv_bytes(["Recommendation number", "Recommendation", "Scope", "Action", "Lead agency", "Groups served"],
                     [["1", "Housing should ask.", "Local", "Ask tenants", agency.name, "Disability; Left-handed"]])
    plan = services.build_preview(p, db.session.get(Review, review.id), "plan.csv", data, {}, {})
    assert any("Left-handed" in problem.message for problem in plan.problems)
