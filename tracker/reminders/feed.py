"""Each person's deadlines as an iCalendar feed, at a secret address they can revoke (by making a new one)."""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from tracker.accounts.models import User
from tracker.actions.models import Action
from tracker.enums import OPEN_STATUSES, Role
from tracker.extensions import db
from tracker.partnerships.models import Membership
from tracker.reminders.services import shown_title
from tracker.reviews.models import Recommendation


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


def _escape(text):
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line):
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    data, parts = line.encode(), []
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
    """The open actions the person owns or their agency leads, one all-day event on each deadline."""
    led = sa.select(Membership.agency_id).where(Membership.user_id == user.id, Membership.role == Role.AGENCY_LEAD)
    actions = db.session.scalars(
        sa.select(Action).where(sa.or_(Action.owner_id == user.id, Action.lead_agency_id.in_(led)),
                                Action.status.in_(OPEN_STATUSES), Action.deadline.is_not(None))
        .options(joinedload(Action.recommendation).joinedload(Recommendation.review))
        .order_by(Action.deadline)).unique().all()
    base = current_app.config["TRACKER_BASE_URL"].rstrip("/")
    host = base.split("://")[-1].split("/")[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Action tracker//Deadlines//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:Action tracker deadlines"]
    for action in actions:
        lines += ["BEGIN:VEVENT", f"UID:action-{action.id}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{action.deadline:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{action.deadline + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape('Deadline: ' + shown_title(action))}",
                  f"URL:{base}/actions/{action.id}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
