"""Strategic group meetings and their packs: emailed N days before each meeting, once, through the outbox."""
import calendar
import logging
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext, lazy_gettext
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from tracker.accounts.models import User
from tracker.audit.services import noting, record
from tracker.db import utcnow
from tracker.email import OutboxAttachment, queue_email
from tracker.enums import AuditEvent, Role
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import Form, UKDateField, options
from tracker.i18n import in_language_of, language_of, long_date
from tracker.partnerships.models import Membership, Partnership
from tracker.reports import pdf, services
from tracker.reports.models import Meeting

log = logging.getLogger(__name__)
#: Monday first, as date.weekday() counts
WEEKDAYS = [lazy_gettext("Monday"), lazy_gettext("Tuesday"), lazy_gettext("Wednesday"), lazy_gettext("Thursday"),
            lazy_gettext("Friday"), lazy_gettext("Saturday"), lazy_gettext("Sunday")]
ORDINALS = [(1, lazy_gettext("First")), (2, lazy_gettext("Second")), (3, lazy_gettext("Third")),
            (4, lazy_gettext("Fourth")), (-1, lazy_gettext("Last"))]


class MeetingForm(Form):
    meets_on = UKDateField(lazy_gettext("Meeting date"), description=lazy_gettext("For example, 12 3 2027."))
    pack_days_before = IntegerField(lazy_gettext("Send the pack this many days before"), default=7,
                                    validators=[Optional()],
                                    render_kw={"inputmode": "numeric", "style": "max-width:6em"})


class MonthlyRuleForm(Form):
    nth = SelectField(lazy_gettext("Which"), choices=options(ORDINALS), coerce=int)
    weekday = SelectField(lazy_gettext("Day"), choices=options(list(enumerate(WEEKDAYS))), coerce=int)
    months = IntegerField(lazy_gettext("For the next"), default=12, description=lazy_gettext("Number of months."),
                          validators=[NumberRange(1, 24, lazy_gettext("Choose from 1 to 24 months"))],
                          render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    pack_days_before = IntegerField(lazy_gettext("Send the pack this many days before"), default=7,
                                    validators=[Optional()],
                                    render_kw={"inputmode": "numeric", "style": "max-width:6em"})


def meetings_of(partnership):
    return db.session.scalars(sa.select(Meeting).where(Meeting.partnership_id == partnership.id)
                              .order_by(Meeting.meets_on)).all()


def next_meeting(partnership, today):
    return db.session.scalar(sa.select(Meeting).where(Meeting.partnership_id == partnership.id,
                                                      Meeting.meets_on >= today).order_by(Meeting.meets_on).limit(1))


def _check_days(days):
    if days is None or not 0 <= days <= 60:
        raise ValidationFailed({"pack_days_before": gettext("Choose from 0 to 60 days")})


def add_meeting(partnership, meets_on, days_before, today=None):
    today = today or date.today()
    if meets_on is None:
        raise ValidationFailed({"meets_on": gettext("Enter the meeting date")})
    if meets_on < today:
        raise ValidationFailed({"meets_on": gettext("The meeting date must be today or later")})
    _check_days(days_before)
    if db.session.scalar(sa.select(Meeting.id).where(Meeting.partnership_id == partnership.id,
                                                     Meeting.meets_on == meets_on)):
        raise ValidationFailed({"meets_on": gettext("There is already a meeting on that date")})
    db.session.add(Meeting(partnership_id=partnership.id, meets_on=meets_on, pack_days_before=days_before))
    db.session.commit()
    return 1


def nth_weekday(year, month, weekday, nth):
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    return date(year, month, days[nth - 1] if nth > 0 else days[-1])


def add_monthly(partnership, weekday, nth, months, days_before, today):
    """Meetings on, say, the first Tuesday of each month for the next N months (dates already there are kept)."""
    _check_days(days_before)
    existing = {m.meets_on for m in meetings_of(partnership)}
    added, year, month = 0, today.year, today.month
    for _ in range(months):
        day = nth_weekday(year, month, weekday, nth)
        if day >= today and day not in existing:
            db.session.add(Meeting(partnership_id=partnership.id, meets_on=day, pack_days_before=days_before))
            added += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    db.session.commit()
    return added


def remove_meeting(partnership, meeting_id):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.partnership_id != partnership.id:
        raise ValidationFailed({"__form__": gettext("That meeting is not one of this partnership's")})
    if meeting.pack_sent_at is not None:
        raise ValidationFailed({"__form__": gettext("The pack for that meeting has gone out: it stays on record")})
    db.session.delete(meeting)
    db.session.commit()


def build_pack(partnership, reader, meeting, today, is_for_email=False):
    """The meeting pack: the figures at a glance, what changed since the last meeting, the overdue actions and
    responses, then progress. It summarises at any size: a list that can run to thousands is counted in full and
    only its first rows shown (services.LISTED), with a line saying where they all are. An emailed pack carries
    nothing of a review that is not yet published, whoever receives it. Its words are in the language of the
    moment (the reader's page, or in_language_of an email's recipient)."""
    scope = services.scope_for(reader, partnership, is_for_email)
    previous = services.previous_meeting(meeting) if meeting else None
    title = gettext("Pack for the strategic group meeting of %(date)s", date=long_date(meeting.meets_on)) \
        if meeting else gettext("Meeting pack")
    document = pdf.Document(title, partnership.name, current_app.config["TRACKER_PROTECTIVE_MARKING"], today)
    changes = services.changes_since(scope, today, previous)
    overdue = services.overdue_report(scope, today)
    responses = services.overdue_responses(scope, partnership, today, listed=services.LISTED)
    progress = services.progress_report(scope, today)
    pdf.add_glance(document, progress, overdue, changes, responses)
    pdf.add_changes(document, changes)
    pdf.add_overdue(document, overdue)
    pdf.add_responses(document, responses)
    pdf.add_progress(document, progress)
    return document.render()


def strategic_group(partnership_id):
    return db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership_id, Membership.role == Role.STRATEGIC_MEMBER,
               User.is_active.is_(True)).distinct().order_by(User.id)).all()


def send_due_packs(today):
    """Email each meeting's pack to the strategic group once, when the meeting is N days away (or nearer).

    The meeting row is claimed with a conditional update before anything is queued, in the same transaction as
    the messages: a second run, or a second scheduler, finds it claimed and sends nothing.
    """
    due = db.session.scalars(sa.select(Meeting).where(Meeting.pack_sent_at.is_(None), Meeting.meets_on >= today)
                             .order_by(Meeting.meets_on)).all()
    queued = 0
    for meeting in due:
        if meeting.meets_on - timedelta(days=meeting.pack_days_before) > today:
            continue
        sent_at = utcnow()
        claimed = db.session.execute(sa.update(Meeting).where(Meeting.id == meeting.id,
                                                              Meeting.pack_sent_at.is_(None))
                                     .values(pack_sent_at=sent_at)).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        with noting("Meeting pack sent to the strategic group"):
            record(meeting, AuditEvent.UPDATE, {"pack_sent_at": [None, sent_at.isoformat()]}, None)
        partnership = db.session.get(Partnership, meeting.partnership_id)
        members = strategic_group(partnership.id)
        # by email a pack holds only what every member may open (published reviews): one pack serves all the
        # members who read the same language
        packs = {}
        for member in members:
            with in_language_of(member):
                language = language_of(member)
                if language not in packs:
                    packs[language] = build_pack(partnership, members[0], meeting, today, is_for_email=True)
                message = queue_email(
                    "reports/pack", to=member.email, dedupe_key=f"pack:{meeting.id}:{member.id}",
                    subject=gettext("Strategic group pack for %(date)s: %(partnership)s",
                                    date=long_date(meeting.meets_on), partnership=partnership.name),
                    partnership_id=partnership.id, user_id=member.id, person=member, meeting=meeting,
                    partnership=partnership)
            if message is not None:
                db.session.add(OutboxAttachment(outbox_message_id=message.id, content_type="application/pdf",
                                                filename=f"pack-{meeting.meets_on:%Y-%m-%d}.pdf",
                                                data=packs[language]))
                queued += 1
        services.take_snapshot(meeting, today)
        db.session.commit()
        log.info("Pack for meeting %s queued for %s members", meeting.id, len(members))
    return queued
