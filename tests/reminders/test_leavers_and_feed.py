"""A person who leaves a partnership stops hearing about its actions (the coordinator hears instead), and the
calendar feed carries meetings and review dates to the people who must meet them, without a confidential word."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from tracker.accounts.models import User
from tracker.accounts.services import set_active
from tracker.email import deliver_outbox
from tracker.enums import Role
from tracker.extensions import db
from tracker.partnerships.models import Membership, Partnership
from tracker.partnerships.services import remove_membership
from tracker.reminders.feed import calendar_for
from tracker.reminders.services import run_reminders, unowned_actions
from tracker.reports.models import Meeting

DAY = date(2027, 3, 10)  # a Wednesday


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    people = dict(
        tom=make.member(p, "agency_lead", agency=police, name="Tom Owner", email="tom@example.org"),
        cora=make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org"),
        sam=make.member(p, "strategic_member", name="Sam Strategic", email="sam@example.org"),
        vic=make.member(p, "viewer", name="Vic Viewer", email="vic@example.org"),
        chair=make.member(p, "panel_member", name="Pat Chair", email="pat@example.org"),
    )
    other = make.partnership(name="Bedford")
    make.save(Membership(user_id=people["tom"].id, partnership_id=other.id, role=Role.VIEWER))
    return dict(p=p, police=police, people=people, other=other)


def _leave(person, partnership, role=None):
    """Remove the person's roles in the partnership (or just one) through the partnerships service."""
    query = sa.select(Membership).where(Membership.user_id == person.id, Membership.partnership_id == partnership.id)
    for membership in db.session.scalars(query.where(Membership.role == role) if role else query).all():
        remove_membership(membership)


def _feed(person):
    """The person's feed as a calendar program reads it: folded lines joined again."""
    return calendar_for(db.session.get(User, person.id)).replace("\r\n ", "").split("\r\n")


def _summaries(person):
    return [line.removeprefix("SUMMARY:") for line in _feed(person) if line.startswith("SUMMARY:")]


# Leaving


def test_a_leavers_reminders_go_to_the_coordinator_and_leave_their_feed(mail_app, smtp_server, world, make):
    action = make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                         owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    with mail_app.app_context():
        assert _summaries(world["people"]["tom"]) == ["Deadline: Publish the MARAC protocol"]
        _leave(world["people"]["tom"], world["p"])  # Tom keeps a role in Bedford, none here
        assert _summaries(world["people"]["tom"]) == []
        assert [a.id for a in unowned_actions(db.session.get(Partnership, world["p"].id))] == [action.id]
        run_reminders(DAY)
        deliver_outbox()
        assert db.session.get(type(action), action.id).owner_id == world["people"]["tom"].id  # history keeps it
    [message] = smtp_server.messages
    assert message["To"] == "cora@example.org"
    assert ("You are receiving this as coordinator: its owner, Tom Owner, no longer holds a role in Milton Keynes. "
            "Please give it an owner.") in message.get_body(("plain",)).get_content()


def test_an_owner_with_another_role_in_the_partnership_still_hears(mail_app, smtp_server, world, make):
    make.save(Membership(user_id=world["people"]["tom"].id, partnership_id=world["p"].id, role=Role.VIEWER))
    make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    with mail_app.app_context():
        _leave(world["people"]["tom"], world["p"], role=Role.AGENCY_LEAD)
        assert _summaries(world["people"]["tom"]) == ["Deadline: Publish the MARAC protocol"]
        assert unowned_actions(db.session.get(Partnership, world["p"].id)) == []
        run_reminders(DAY)
        deliver_outbox()
    assert [m["To"] for m in smtp_server.messages] == ["tom@example.org"]


def test_a_closed_account_counts_as_no_owner(mail_app, smtp_server, world, make):
    make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    with mail_app.app_context():
        set_active(db.session.get(User, world["people"]["tom"].id), False)
        db.session.commit()
        assert len(unowned_actions(db.session.get(Partnership, world["p"].id))) == 1
        run_reminders(DAY)
        deliver_outbox()
    [message] = smtp_server.messages
    assert message["To"] == "cora@example.org"
    assert "the account of its owner, Tom Owner, is closed" in message.get_body(("plain",)).get_content()


def test_unowned_actions_lists_the_open_ones_nobody_owns_by_deadline(ctx, world, make):
    p, police, tom = world["p"], world["police"], world["people"]["tom"]
    later = make.action(p, title="No owner, later", lead_agency=police, deadline=DAY + timedelta(days=30))
    undated = make.action(p, title="No owner, no date", lead_agency=police)
    sooner = make.action(p, title="No owner, sooner", lead_agency=police, deadline=DAY)
    make.action(p, title="Owned", lead_agency=police, owner=tom, deadline=DAY)
    make.action(p, title="Done", lead_agency=police, deadline=DAY, status="completed")
    make.action(world["other"], title="Elsewhere", deadline=DAY)
    assert [a.id for a in unowned_actions(db.session.get(Partnership, p.id))] == [sooner.id, later.id, undated.id]


# The calendar feed


def test_strategic_members_and_coordinators_see_the_groups_meetings(ctx, world, make):
    make.save(Meeting(partnership_id=world["p"].id, meets_on=DAY, pack_days_before=7))
    make.save(Meeting(partnership_id=world["other"].id, meets_on=DAY, pack_days_before=7))
    for person in (world["people"]["sam"], world["people"]["cora"]):
        feed = _feed(person)
        assert "SUMMARY:Strategic group meeting: Milton Keynes" in feed and "DTSTART;VALUE=DATE:20270310" in feed
        assert "SUMMARY:Strategic group meeting: Bedford" not in feed
    for person in (world["people"]["vic"], world["people"]["tom"]):
        assert _summaries(person) == []


@pytest.fixture
def review(world, make):
    """An unpublished review chaired by Pat, with a national recommendation awaiting the Home Office's answer."""
    review = make.review(world["p"], reference="DHR 2026-07", pseudonyms="Adult Q", decision_on=date(2026, 9, 1),
                         panel=[(world["people"]["chair"], True)])
    make.recommendation(review, number="N1", text="The Home Office should fund Adult Q's advocates",
                        scope="national", external_body="Home Office", sent_on=date(2027, 1, 5),
                        response_due_on=date(2027, 3, 2))
    make.recommendation(review, number="N2", text="Answered already", scope="national", external_body="Home Office",
                        sent_on=date(2027, 1, 5), response_due_on=date(2027, 3, 2),
                        response_received_on=date(2027, 2, 1), response_text="Agreed")
    make.recommendation(review, number="4", text="Local, no loop", response_due_on=date(2027, 3, 2))
    return review


def test_the_panel_chair_sees_the_review_dates_without_a_confidential_word(ctx, world, review):
    for person in (world["people"]["chair"], world["people"]["cora"]):
        feed = _feed(person)
        assert _summaries(person) == ["A confidential review's target date for submission",
                                      "A confidential review's recommendation: response due"]
        assert "DTSTART;VALUE=DATE:20270301" in feed  # six months from the decision
        assert "DTSTART;VALUE=DATE:20270302" in feed
        assert f"URL:{current_app.config['TRACKER_BASE_URL']}/reviews/{review.id}" in feed
        text = "\n".join(feed)
        assert "Adult Q" not in text and "DHR 2026-07" not in text and "Home Office" not in text
    for person in (world["people"]["vic"], world["people"]["sam"], world["people"]["tom"]):
        assert _summaries(person) == []


def test_a_published_review_is_named_and_a_chair_who_left_sees_nothing(ctx, world, review):
    record = db.session.get(type(review), review.id)
    record.status, record.submitted_on = "published", date(2027, 2, 1)
    db.session.commit()
    # submitted, so no target date; the external body's answer is still awaited
    assert _summaries(world["people"]["chair"]) == ["Response due: DHR 2026-07 recommendation N1"]
    _leave(world["people"]["chair"], world["p"])
    assert _summaries(world["people"]["chair"]) == []


@pytest.mark.parametrize("title", ["Publish the protocol\rATTENDEE:mailto:x@example.org",
                                   "Publish the protocol\nATTENDEE:mailto:x@example.org",
                                   "Publish the protocol\r\nATTENDEE:mailto:x@example.org",
                                   "Publish the protocol\x0bATTENDEE:mailto:x@example.org",
                                   "Publish the protocol\u2028ATTENDEE:mailto:x@example.org"])
def test_a_title_cannot_start_a_property_of_its_own(ctx, world, make, title):
    make.action(world["p"], title=title, lead_agency=world["police"], owner=world["people"]["tom"], deadline=DAY)
    body = calendar_for(db.session.get(User, world["people"]["tom"].id))
    assert "\r" not in body.replace("\r\n", "") and "\n" not in body.replace("\r\n", "")
    lines = body.replace("\r\n ", "").split("\r\n")
    assert not any(line.startswith("ATTENDEE") for line in lines)
    [summary] = [line for line in lines if line.startswith("SUMMARY:")]
    assert summary.endswith("ATTENDEE:mailto:x@example.org") and "Publish the protocol" in summary


def test_an_agencys_actions_from_confidential_reviews_reach_its_leads_calendar_without_their_titles(ctx, world, make):
    """The lead's agency delivers actions from an unpublished DHR, an unpublished Welsh SUSR and a published DHR:
    the first two are deadlines without a word of their reviews, the third has its title; in Welsh the same."""
    police, tom = world["police"], world["people"]["tom"]
    titles = {}
    for review_type, status, title in (("dhr", "in_progress", "Train officers on Adult Q's case"),
                                       ("susr", "in_progress", "Brief the board on Adult R"),
                                       ("dhr", "published", "Publish the MARAC protocol")):
        review = make.review(world["p"], review_type=review_type, status=status)
        recommendation = make.recommendation(review, agencies=[police])
        titles[title] = make.action(world["p"], title=title, lead_agency=police, source="dhr",
                                    recommendation_id=recommendation.id, deadline=DAY)
    summaries = _summaries(tom)
    assert sorted(summaries) == sorted([
        "Deadline: An action from a confidential Domestic Homicide Review (sign in to see it)",
        "Deadline: An action from a confidential Single Unified Safeguarding Review (sign in to see it)",
        "Deadline: Publish the MARAC protocol"])
    person = db.session.get(User, tom.id)
    person.language = "cy"
    db.session.commit()
    welsh = "\n".join(_summaries(tom))
    assert "Adult Q" not in welsh and "Adult R" not in welsh and "Publish the MARAC protocol" in welsh
    assert welsh.count("Dyddiad cau: ") == 3
