"""Who hears of each hand-off, and the emails that tell them. A notification is recorded once per person and
event (its key), then emailed at once or kept for the person's morning email, as they chose. Emails say what
happened and link to the page; they never carry a confidential review's words."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.email import queue_email
from tracker.enums import HandoffFrequency, Role
from tracker.extensions import db
from tracker.i18n import N_, in_language_of, long_date
from tracker.notifications.models import Notification
from tracker.partnerships.models import Membership
from tracker.reviews.models import PanelMember, Recommendation, Review

#: a response from a body outside the partnership is flagged this many days before it is due
RESPONSE_WARNING_DAYS = 7


def coordinators_of(partnership_id):
    return _members(partnership_id, Membership.role == Role.COORDINATOR)


def _members(partnership_id, *where):
    return db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership_id, User.is_active.is_(True), *where)
        .order_by(User.id).distinct()).all()


def owner_and_leads(action):
    """The action's owner, while they hold a role in its partnership, and its lead agency's agency leads."""
    people = []
    if action.owner_id is not None:
        people += _members(action.partnership_id, User.id == action.owner_id)
    if action.lead_agency_id is not None:
        people += _members(action.partnership_id, Membership.role == Role.AGENCY_LEAD,
                           Membership.agency_id == action.lead_agency_id)
    return people


def panel_chairs(review_id):
    review = db.session.get(Review, review_id)
    chairs = db.session.scalars(sa.select(User).join(PanelMember, PanelMember.user_id == User.id)
                                .where(PanelMember.review_id == review_id, PanelMember.is_chair.is_(True),
                                       User.is_active.is_(True))).all()
    return [c for c in chairs if _members(review.partnership_id, User.id == c.id)]


def approvers_of(action):
    """Who decides on a deadline move: the coordinators, and for a review's action its panel chair."""
    people = coordinators_of(action.partnership_id)
    if action.recommendation_id is not None:
        people += panel_chairs(action.recommendation.review_id)
    return people


def tell(people, *, kind, partnership_id, text, path, key, action=None, recommendation=None):
    """Record the event for each person once, and email at once those who want news as it happens. `text()` says
    what happened; it is called in each person's language, and the notification keeps their words for the morning
    email. The caller commits, so the event and its news stand or fall together."""
    told = []
    for person in {p.id: p for p in people}.values():
        dedupe_key = f"{key}:{person.id}"
        if db.session.scalar(sa.select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
            continue
        with in_language_of(person):
            said = text()
            notification = Notification(user_id=person.id, partnership_id=partnership_id, kind=kind, text=said,
                                        path=path, dedupe_key=dedupe_key, action_id=action.id if action else None,
                                        recommendation_id=recommendation.id if recommendation else None)
            db.session.add(notification)
            db.session.flush()
            if person.handoff_frequency is HandoffFrequency.IMMEDIATE:
                message = queue_email("notifications/handoff", to=person.email,
                                      subject=gettext("Action tracker: %(news)s", news=said),
                                      dedupe_key=f"notification:{notification.id}", kind="notifications.handoff",
                                      partnership_id=partnership_id, user_id=person.id, person=person,
                                      items=[notification])
                notification.outbox_message_id = message.id
        told.append(person)
    return told


def send_morning_emails():
    """One email per person with every hand-off that waited since their last: run each morning, and safe to run
    again (what was sent is marked with its message)."""
    waiting = db.session.scalars(sa.select(Notification).where(Notification.outbox_message_id.is_(None))
                                 .order_by(Notification.user_id, Notification.id)).all()
    by_person = {}
    for notification in waiting:
        by_person.setdefault(notification.user_id, []).append(notification)
    for user_id, items in by_person.items():
        person = db.session.get(User, user_id)
        with in_language_of(person):
            message = queue_email("notifications/handoff", to=person.email, user_id=person.id,
                                  subject=ngettext("Action tracker: %(num)d thing passed to you",
                                                   "Action tracker: %(num)d things passed to you", len(items)),
                                  dedupe_key=f"notifications:{user_id}:{items[0].id}",
                                  kind="notifications.morning", partnership_id=items[0].partnership_id,
                                  person=person, items=items)
        for notification in items:
            notification.outbox_message_id = message.id
    db.session.commit()
    return len(by_person)


def check_responses(today):
    """Answers from bodies beyond the partnership due within a week, or overdue: the coordinators and the review's
    panel chair hear once of each (per due date, so a new due date is news again)."""
    from tracker.bodies.models import BodyRecommendation
    from tracker.bodies.services import awaited

    items = db.session.scalars(
        sa.select(BodyRecommendation).join(Recommendation).join(Review)
        .where(awaited(), Review.archived_at.is_(None), BodyRecommendation.response_due_on.is_not(None),
               BodyRecommendation.response_due_on <= today + timedelta(days=RESPONSE_WARNING_DAYS))
        .options(selectinload(BodyRecommendation.body),
                 selectinload(BodyRecommendation.recommendation).selectinload(Recommendation.review),
                 selectinload(BodyRecommendation.recommendation).selectinload(Recommendation.addressed))).all()
    for item in items:
        recommendation = item.recommendation
        review, due = recommendation.review, item.response_due_on
        kind = "response_overdue" if due < today else "response_due"
        # the first body's key is the one used before a recommendation had several: nobody hears twice
        first = min(other.id for other in recommendation.addressed)
        key = f"{kind}:{recommendation.id}:{due.isoformat()}" + ("" if item.id == first else f":{item.body_id}")
        tell(coordinators_of(review.partnership_id) + panel_chairs(review.id), kind=kind,
             partnership_id=review.partnership_id, text=_response_news(item, due < today),
             path=f"/external/{item.id}", key=key, recommendation=recommendation)
    db.session.commit()
    return len(items)


def check_rechecks(today):
    """Open assessments of a body's answer due to be looked at again: the coordinators and the review's panel chair
    hear once for each date set (a new date is news again)."""
    from tracker.bodies.models import BodyRecommendation
    from tracker.enums import ResponseAssessment

    items = db.session.scalars(
        sa.select(BodyRecommendation)
        .where(BodyRecommendation.recheck_on <= today,
               BodyRecommendation.assessment.in_([a for a in ResponseAssessment if not a.is_closed]))
        .options(selectinload(BodyRecommendation.body),
                 selectinload(BodyRecommendation.recommendation).selectinload(Recommendation.review))).all()
    for item in items:
        review = item.recommendation.review
        if review.is_archived:
            continue
        tell(coordinators_of(review.partnership_id) + panel_chairs(review.id), kind="recheck_due",
             partnership_id=review.partnership_id, text=_recheck_news(item), path=f"/external/{item.id}",
             key=f"recheck_due:{item.id}:{item.recheck_on.isoformat()}", recommendation=item.recommendation)
    db.session.commit()
    return len(items)


def _recheck_news(item):
    review = item.recommendation.review
    message = (N_("Look again at how %(body)s is delivering recommendation %(number)s of %(review)s")
               if review.is_published else
               N_("Look again at how %(body)s is delivering a recommendation of a confidential review"))
    return lambda: gettext(message, body=item.body.name, number=item.recommendation.number,
                           review=review.reference)


def _response_news(item, is_overdue):
    """What the coordinators hear of an answer due from a body beyond the partnership, in words for each person's
    language: a confidential review is not named."""
    recommendation, due = item.recommendation, item.response_due_on
    review = recommendation.review
    if not review.is_published:
        message = (N_("The answer of %(body)s to a recommendation of a confidential review was due on %(date)s")
                   if is_overdue else
                   N_("The answer of %(body)s to a recommendation of a confidential review is due on %(date)s"))
    else:
        message = (N_("The answer of %(body)s to recommendation %(number)s of %(review)s was due on %(date)s")
                   if is_overdue else
                   N_("The answer of %(body)s to recommendation %(number)s of %(review)s is due on %(date)s"))
    return lambda: gettext(message, body=item.body.name, number=recommendation.number, review=review.reference,
                           date=long_date(due))
