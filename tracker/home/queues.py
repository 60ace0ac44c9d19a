"""What waits for each person: the hand-offs their roles make theirs, each a link to where it is done. Counted
with a few queries per partnership, whatever the number of actions."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy.orm import joinedload, selectinload

from tracker.actions.models import Action, DeadlineChange, action_recommendation
from tracker.actions.services import is_unowned
from tracker.actions.state import LONDON, rag_reason
from tracker.bodies.models import BodyRecommendation
from tracker.bodies.services import awaited as answer_awaited
from tracker.email import delivery_health
from tracker.enums import OPEN_STATUSES, ActionStatus, MoveStatus, Role
from tracker.extensions import db
from tracker.i18n import long_date
from tracker.notifications.models import Notification
from tracker.partnerships.models import Partnership
from tracker.permissions import can, signs_off, visible_actions
from tracker.reports.models import Meeting
from tracker.reports.services import overdue_responses
from tracker.reviews.models import PanelMember, Recommendation, Review

#: how long a refused closure stays in the agency lead's queue
REFUSED_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Item:
    count: int
    label: str
    url: str


@dataclass
class Queue:
    partnership: Partnership
    title: str
    items: list


def _count(query):
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def queues_for(user, today):
    """One queue per role the person holds, in each of their partnerships; only non-empty items are listed."""
    queues = []
    for membership in sorted(user.memberships, key=lambda m: (m.partnership_id, m.role.value)):
        builder = BUILDERS.get(membership.role)
        if builder is None:
            continue
        title, items = builder(user, membership, today)
        items = [item for item in items if item.count]
        if items:
            queues.append(Queue(membership.partnership, title, items))
    return queues


def _awaiting_sign_off(partnership_id, user):
    return sa.select(Action.id).where(Action.partnership_id == partnership_id,
                                      Action.status == ActionStatus.COMPLETED,
                                      visible_actions(user, within=partnership_id))


def _to_sign_off(partnership_id, user):
    """The completed actions this person can open, with what the sign-off rule and the queue read of each (its
    review's panel, its lead agency) loaded with them: a few queries however many there are."""
    return (sa.select(Action).where(Action.id.in_(_awaiting_sign_off(partnership_id, user)))
            .options(joinedload(Action.lead_agency),
                     selectinload(Action.recommendation).selectinload(Recommendation.review)
                     .selectinload(Review.panel))
            .order_by(Action.completed_on, Action.id))


def _coordinator(user, membership, today):
    partnership = membership.partnership
    pid = partnership.id
    moves = sa.select(DeadlineChange.id).join(Action).where(Action.partnership_id == pid,
                                                             DeadlineChange.status == MoveStatus.REQUESTED)
    failed = delivery_health(partnership).failed
    responses = overdue_responses(user, partnership, today, listed=0).total
    unowned = _count(sa.select(Action.id).where(Action.partnership_id == pid, Action.status.in_(OPEN_STATUSES),
                                                is_unowned(pid)))
    closures = _count(_awaiting_sign_off(pid, user))
    moved = _count(moves)
    return gettext("Waiting for you as coordinator"), [
        Item(closures, ngettext("closure to sign off", "closures to sign off", closures),
             url_for("actions.sign_off_queue", partnership_id=pid)),
        Item(moved, ngettext("deadline move to approve", "deadline moves to approve", moved),
             url_for("actions.list_actions", partnership_id=pid, waiting="approval")),
        Item(failed, ngettext("email that could not be sent", "emails that could not be sent", failed),
             url_for("reminders.overview", partnership_id=pid)),
        Item(responses, ngettext("response from a national or regional body overdue",
                                 "responses from national or regional bodies overdue", responses),
             url_for("reviews.external_register", partnership_id=pid)),
        Item(unowned, ngettext("open action without an owner", "open actions without an owner", unowned),
             url_for("actions.list_actions", partnership_id=pid, waiting="owner")),
    ]


def _agency_lead(user, membership, today):
    pid, agency_id = membership.partnership_id, membership.agency_id
    ours = sa.select(Action.id).join(Partnership, Partnership.id == Action.partnership_id).where(
        Action.partnership_id == pid, Action.lead_agency_id == agency_id, Action.status.in_(OPEN_STATUSES))
    due = ours.where(rag_reason(today).in_(["overdue", "due_soon"]))
    stale = ours.where(rag_reason(today) == "stale")
    refused = sa.select(Notification.id).where(Notification.user_id == user.id, Notification.partnership_id == pid,
                                               Notification.kind == "closure_refused",
                                               Notification.created_at >= _since(today, REFUSED_FOR))
    due, stale, refused = _count(due), _count(stale), _count(refused)
    return gettext("Waiting for you as agency lead (%(agency)s)", agency=membership.agency.name), [
        Item(due, ngettext("action due soon or overdue", "actions due soon or overdue", due),
             url_for("actions.list_actions", partnership_id=pid, agency=agency_id, rag="red")),
        Item(stale, ngettext("action whose progress needs an update", "actions whose progress needs an update",
                             stale),
             url_for("actions.list_actions", partnership_id=pid, agency=agency_id, rag="amber")),
        Item(refused, ngettext("closure refused in the last 30 days", "closures refused in the last 30 days",
                               refused),
             url_for("actions.list_actions", partnership_id=pid, agency=agency_id, status="in_progress")),
    ]


def _since(today, period):
    return datetime.combine(today - period, time(), tzinfo=ZoneInfo(LONDON))


def _panel_member(user, membership, today):
    chaired = db.session.scalars(sa.select(Review).join(PanelMember).where(
        PanelMember.user_id == user.id, PanelMember.is_chair.is_(True),
        Review.partnership_id == membership.partnership_id).order_by(Review.reference)).all()
    items = []
    for review in chaired:
        without = sa.select(Recommendation.id).where(Recommendation.review_id == review.id,
                                                     ~sa.exists().where(Action.recommendation_id == Recommendation.id),
                                                     ~sa.exists().where(action_recommendation.c.recommendation_id
                                                                        == Recommendation.id))
        awaited = sa.select(BodyRecommendation.id).join(Recommendation).where(
            Recommendation.review_id == review.id, answer_awaited())
        link = url_for("reviews.show_review", review_id=review.id)
        without, awaited = _count(without), _count(awaited)
        items += [Item(without, ngettext("recommendation of %(review)s without an action",
                                         "recommendations of %(review)s without an action", without,
                                         review=review.reference), link),
                  Item(awaited, ngettext("response awaited from bodies outside the partnership (%(review)s)",
                                         "responses awaited from bodies outside the partnership (%(review)s)",
                                         awaited, review=review.reference), link)]
    return gettext("Waiting for you as panel chair"), items


def _strategic(user, membership, today):
    if not membership.is_chair:
        return "", []
    pid = membership.partnership_id
    count = _count(_awaiting_sign_off(pid, user).where(signs_off(user)))
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.partnership_id == pid, Meeting.meets_on >= today)
                                .order_by(Meeting.meets_on).limit(1))
    if meeting:
        label = ngettext("action to decide on for the meeting on %(date)s: signed off or not",
                         "actions to decide on for the meeting on %(date)s: signed off or not", count,
                         date=long_date(meeting.meets_on))
    else:
        label = ngettext("action to decide on: signed off or not", "actions to decide on: signed off or not", count)
    return gettext("Waiting for you as strategic group chair"), [
        Item(count, label, url_for("actions.sign_off_queue", partnership_id=pid))]


BUILDERS = {Role.COORDINATOR: _coordinator, Role.AGENCY_LEAD: _agency_lead, Role.PANEL_MEMBER: _panel_member,
            Role.STRATEGIC_MEMBER: _strategic}


def sign_off_queue(user, partnership, page, per_page):
    """A page of the completed actions awaiting sign-off that this person can open, earliest completed first:
    `rows` pairs each with whether they may sign it off, `theirs` counts all those they may."""
    listed = db.paginate(_to_sign_off(partnership.id, user), page=page, per_page=per_page, error_out=False)
    listed.rows = [(action, can(user, "sign_off", action)) for action in listed.items]
    listed.theirs = _count(_awaiting_sign_off(partnership.id, user).where(signs_off(user)))
    return listed

