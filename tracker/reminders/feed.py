"""Each person's deadlines as an iCalendar feed, at a secret address they can revoke (by making a new one)."""
import hashlib
import re
import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from tracker.accounts.models import User
from tracker.actions.models import Action
from tracker.actions.state import london_today
from tracker.bodies.models import BodyRecommendation
from tracker.bodies.services import awaited
from tracker.enums import OPEN_STATUSES, ReviewStatus, ReviewType, Role
from tracker.extensions import db
from tracker.i18n import in_language_of
from tracker.permissions import owned_or_led, partnership_ids, visible_reviews
from tracker.reminders.services import confidential_title
from tracker.reports.models import Meeting
from tracker.reviews.models import PanelMember, Recommendation, Review, ReviewPause
from tracker.reviews.services import timetable


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(user):
    """A new secret address; the old one stops working. Only the hash is kept, so it is shown once."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = _hash(token)
    db.session.commit()
    return token


def revoke_feed(user):
    user.calendar_token_hash = None
    db.session.commit()


def owner_of(token):
    return db.session.scalar(sa.select(User).where(User.calendar_token_hash == _hash(token or ""),
                                                   User.is_active.is_(True)))


#: every line break a calendar program might honour, and every other control character (a tab is allowed)
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: either of them (most titles have neither, and are looked at once)
_UNSAFE = re.compile(f"{_LINE_BREAK.pattern}|{_CONTROL.pattern}")


def _escape(text):
    """RFC 5545 TEXT: backslash, semicolon and comma escaped, a line break as \\n, other control characters as a
    space, so that nothing in a title can end the property's line and start another."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub(" ", _LINE_BREAK.sub(lambda _: "\\n", text)) if _UNSAFE.search(text) else text


def _fold(line):
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    data, parts = line.encode(), []
    if len(data) <= 75:
        return line
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        data = b" " + data
    parts.append(data)
    return b"\r\n".join(parts).decode()


def calendar_for(user):
    """All-day events for what the person must meet, in their language: each open action they own or their agency
    leads; the strategic group's meetings, for its members and coordinators; and, for a review's coordinators and
    panel chair who may open it, its target date for submission and the dates external bodies' responses are due."""
    with in_language_of(user):
        return _calendar(user)


def _calendar(user):
    base = current_app.config["TRACKER_BASE_URL"].rstrip("/")
    # worded once, not once an action (an agency may have thousands): the event's words, and each review type's
    # stand-in for the title of an action from a confidential review
    deadline_of = gettext("Deadline: %(action)s")
    hidden = {review_type: confidential_title(review_type) for review_type in ReviewType}
    events = [(f"action-{action_id}", deadline, deadline_of % {
        "action": title if status in (None, ReviewStatus.PUBLISHED) else hidden[review_type]},
        f"/actions/{action_id}") for action_id, deadline, title, status, review_type in _actions(user)]
    events += [(f"meeting-{meeting.id}", meeting.meets_on,
                gettext("Strategic group meeting: %(partnership)s", partnership=meeting.partnership.name),
                f"/partnerships/{meeting.partnership_id}") for meeting in _meetings(user)]
    secret_target = gettext("A confidential review's target date for submission")
    today = london_today()
    # an unpublished review is never named: calendars are often synced elsewhere
    for review, target in _targets(user, today):
        if target.due_on is not None and not target.is_submitted:
            events.append((f"review-{review.id}-target", target.due_on,
                           gettext("Target date for submission: %(review)s", review=review.reference)
                           if review.status is ReviewStatus.PUBLISHED else secret_target, f"/reviews/{review.id}"))
    secret_response = gettext("A confidential review's recommendation: response due")
    response_due = gettext("Response due: %(review)s recommendation %(number)s")
    events += [(f"body-recommendation-{item_id}-response", due_on, response_due % {"review": reference,
                "number": number} if status is ReviewStatus.PUBLISHED else secret_response, f"/external/{item_id}")
               for item_id, number, due_on, reference, status in _awaited(user)]
    host = base.split("://")[-1].split("/")[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Action tracker//Deadlines//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", _fold("X-WR-CALNAME:" + _escape(gettext("Action tracker deadlines")))]

    @cache
    def dates(day):  # written once a day: many deadlines fall on the same one
        return f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"

    # only the lines that carry words or addresses can be longer than a line may be
    for uid, day, summary, path in sorted(events, key=lambda event: (event[1], event[0])):
        lines += ["BEGIN:VEVENT", _fold(f"UID:{uid}@{host}"), f"DTSTAMP:{stamp}", *dates(day),
                  _fold(f"SUMMARY:{_escape(summary)}"), _fold(f"URL:{base}{path}"), "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _actions(user):
    """Open actions the person owns where they still hold a role (a leaver's are nobody's), or their agency leads:
    (id, deadline, title, its review's status and type, or None), the columns an event needs, not whole records
    (an agency may have thousands open)."""
    return db.session.execute(
        sa.select(Action.id, Action.deadline, Action.title, Review.status, Review.review_type)
        .outerjoin(Recommendation, Recommendation.id == Action.recommendation_id)
        .outerjoin(Review, Review.id == Recommendation.review_id)
        .where(owned_or_led(user), Action.status.in_(OPEN_STATUSES), Action.deadline.is_not(None))).all()


def _meetings(user):
    groups = partnership_ids(user, Role.STRATEGIC_MEMBER, Role.COORDINATOR)
    return db.session.scalars(sa.select(Meeting).where(Meeting.partnership_id.in_(groups))
                              .options(joinedload(Meeting.partnership))).all()


def _in_hand(user):
    """SQL: the reviews the person coordinates or chairs the panel of, and may open (visible_reviews, so that no
    review is read to be turned away); an archived review has no date to meet."""
    coordinating = sa.select(Review.id).where(Review.partnership_id.in_(partnership_ids(user, Role.COORDINATOR)))
    chairing = sa.select(PanelMember.review_id).where(PanelMember.user_id == user.id, PanelMember.is_chair.is_(True))
    return sa.and_(Review.id.in_(sa.union(coordinating, chairing)), Review.archived_at.is_(None),
                   visible_reviews(user))


def _targets(user, today):
    """[(review, Timeliness)] of those not yet submitted, read as the columns their target date is worked out from
    and their pauses (two statements, not a record each: a coordinator may have hundreds in hand)."""
    unsubmitted = sa.and_(_in_hand(user), Review.submitted_on.is_(None))
    pauses = defaultdict(list)
    for pause in db.session.execute(
            sa.select(ReviewPause.review_id, ReviewPause.started_on, ReviewPause.ended_on)
            .join(Review, Review.id == ReviewPause.review_id).where(unsubmitted).order_by(ReviewPause.started_on)):
        pauses[pause.review_id].append(pause)
    reviews = db.session.execute(
        sa.select(Review.id, Review.reference, Review.status, Review.decision_on, Review.agreed_target_on,
                  Review.extension_reason, sa.case((sa.not_(Review.goes_to_home_office), Review.approved_on)))
        .where(unsubmitted, Review.status != ReviewStatus.NOT_REVIEWED))
    return [(review, timetable(*review[3:], pauses[review.id], today)) for review in reviews]


#: a body's answer awaited
_AWAITED = sa.and_(awaited(), BodyRecommendation.response_due_on.is_not(None))


def _awaited(user):
    """(id, recommendation number, due date, review reference and status) of the answers awaited from bodies on the
    reviews in hand: the columns an event needs, in one statement, not a record per review (a large partnership's
    coordinator awaits thousands)."""
    return db.session.execute(
        sa.select(BodyRecommendation.id, Recommendation.number, BodyRecommendation.response_due_on, Review.reference,
                  Review.status)
        .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
        .join(Review, Review.id == Recommendation.review_id)
        .where(_in_hand(user), _AWAITED)).all()
