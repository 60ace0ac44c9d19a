"""The one send path: render a paired text/HTML template, queue it in the outbox, deliver from the outbox.

Queueing happens in the caller's transaction, so a decision to send and the message stand or fall together:
decisions are exactly-once. Delivery is at-least-once. A message is marked as being sent, in a committed transaction
of its own, before the relay sees it, and as sent the moment the relay accepts it, so only a crash between the two
sends it again, with the same Message-ID. Transient failures are retried for days, permanent ones stop at once, and
the administrators hear when mail is failing or held up.
"""
import logging
import re
import smtplib
import ssl
import uuid
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext
from flask_mail import Connection, Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.db import UTCDateTime, enum_column, utcnow
from tracker.enums import OutboxStatus
from tracker.extensions import db
from tracker.i18n import in_language_of

log = logging.getLogger(__name__)

#: waits before each of the first retries of a transient failure (a refused connection, a timeout, a 4xx answer)
RETRY_BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60, 240)]
#: then one try an hour, until MAIL_RETRY_FOR_HOURS (default 72) after the first failure: only then is it failed
SLOW_RETRY = timedelta(hours=1)
CLAIM_LEASE = timedelta(minutes=5)
#: messages read per query while delivering, so that a long outbox never fills memory
BATCH_SIZE = 200
#: a message still unsent after this long is something the administrators should know
UNSENT_AFTER = timedelta(hours=1)
#: the administrators are alerted at most once in each such period
ALERT_EVERY = timedelta(hours=6)
ALERT_KIND = "outbox.alert"
UNSENT = (OutboxStatus.QUEUED, OutboxStatus.SENDING)
#: messages of these kinds hold a link that sets a password or answers an invitation: the outbox keeps them
#: without it once sent
LINK_KINDS = ("accounts.", "partnerships.account_link")
TOKEN_LINK = re.compile(r"https?://[^\s\"'<>]+/(?:set-password|account-links)/[\w-]+")
LINK_REMOVED = "[link removed after sending]"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what this message is for; a second message with the same key is never queued
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    body_html: Mapped[str] = mapped_column(sa.Text, nullable=False)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True, nullable=False)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    #: a worker sending the message holds it until then; if the worker dies the claim lapses and it is sent again
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the attempt that marked it as being sent: only that attempt records how it went
    attempt_id: Mapped[str | None] = mapped_column(sa.String(32))
    sending_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the first failure since it last went well: transient failures are retried until MAIL_RETRY_FOR_HOURS after it
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when a reminder held up past its day was brought up to date, or superseded, as it was about to go
    rerendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxAttachment(db.Model):
    """A file sent with a message (the meeting pack's PDF), kept with it until it is delivered."""

    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_message.id", ondelete="CASCADE"),
                                                   nullable=False, index=True)
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)


class VerifiedConnection(Connection):
    """Flask-Mail 0.10 opens SMTP with no timeout and no certificate check; this one has both."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
        context = ssl.create_default_context()
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout, context=context)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls(context=context)
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def compose(template, *, to, subject, dedupe_key, kind=None, partnership_id=None, user_id=None, **context):
    """The outbox row for one message, rendered from templates/emails/<template>.{txt,html}, not yet saved."""
    base_url = current_app.config["TRACKER_BASE_URL"].rstrip("/")
    context.setdefault("base_url", base_url)
    return dict(
        dedupe_key=dedupe_key,
        kind=kind or template.replace("/", "."),
        partnership_id=partnership_id,
        user_id=user_id,
        to_address=to,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", **context),
        message_id=make_msgid(domain=urlsplit(base_url).hostname or "tracker.invalid"),
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )


def queue_email(template, **fields):
    """Add a message to the outbox in the current transaction; returns None if its key was already queued."""
    exists = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == fields["dedupe_key"]))
    if exists is not None:
        return None
    message = OutboxMessage(**compose(template, **fields))
    db.session.add(message)
    db.session.flush()
    return message


def queue_many(rows):
    """Add many composed messages in one statement (keys new by construction); returns {dedupe key: id}."""
    if not rows:
        return {}
    db.session.execute(sa.insert(OutboxMessage), rows)
    keys = [row["dedupe_key"] for row in rows]
    return dict(db.session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.id)
                                   .where(OutboxMessage.dedupe_key.in_(keys))).all())


def _is_due(now):
    """Queued and due, or marked as being sent by a worker whose claim has lapsed (it died or hung)."""
    return sa.or_(sa.and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
                  sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now))


def _claim(message_id, now):
    """Mark the message as being sent, committed before the relay sees it; returns the attempt's id, or None when
    it is not due or another worker holds it."""
    attempt = uuid.uuid4().hex
    with db.engine.begin() as connection:
        claimed = connection.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == message_id, _is_due(now))
            .values(status=OutboxStatus.SENDING, attempt_id=attempt, sending_started_at=now,
                    claimed_until=now + CLAIM_LEASE)
        ).rowcount
    return attempt if claimed == 1 else None


def _as_mail(session, message):
    mail = Message(subject=message.subject, recipients=[message.to_address], body=message.body_text,
                   html=message.body_html)
    mail.msgId = message.message_id  # the same id on every try, so a receiving server can drop a repeat
    for attachment in session.scalars(sa.select(OutboxAttachment).where(
            OutboxAttachment.outbox_message_id == message.id).order_by(OutboxAttachment.id)):
        mail.attach(attachment.filename, attachment.content_type, attachment.data)
    return mail


def _prepared(message_id, attempt, now):
    """The claimed message as it should go now, or None if it is superseded. A reminder held up (past the London
    day it was queued on, or by a failed try) is brought up to date first, so nobody is told "due in 1 day" about
    an action that has since closed, moved or changed hands; the transaction ends before the relay is contacted."""
    from tracker.actions.state import london_today
    from tracker.reminders.services import REMINDER_KINDS, rerender_reminder

    with Session(db.engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message.attempt_id != attempt:
            return None  # our claim lapsed while we prepared and another worker has it
        today = london_today(now)
        if message.kind in REMINDER_KINDS and (message.attempts or london_today(message.created_at) < today):
            message.rerendered_at = now
            fields = rerender_reminder(message, today)
            if fields is None:
                message.status = OutboxStatus.SUPERSEDED
                message.claimed_until = None
                session.commit()
                log.info("Email %s to %s superseded: nothing in it was still true on %s", message_id,
                         message.to_address, today)
                return None
            for name, value in fields.items():
                setattr(message, name, value)
        mail = _as_mail(session, message)
        session.commit()
    return mail


def deliver_outbox(now=None, ids=None):
    """Send every message that is due (or just `ids`); returns (sent, failed) counts, failed counting every
    failure, including those that will be retried.

    It works in sessions of its own and reads ids BATCH_SIZE at a time, so its cost per message does not depend on
    what the caller's session holds. `now` fixes the clock (tests); otherwise each message is claimed at the moment
    it is taken, so a long run never hands out a lease that has already expired."""
    started = now or utcnow()
    sent = failed = 0
    mail_state = current_app.extensions["mail"]
    connection = None
    last_id = 0
    unreachable = False
    try:
        while not unreachable and (batch := _due_ids(started, ids, last_id)):
            last_id = batch[-1]
            for message_id in batch:
                attempt = _claim(message_id, now or utcnow())
                mail = _prepared(message_id, attempt, now or utcnow()) if attempt else None
                if mail is None:
                    continue
                if connection is None:
                    try:
                        connection = VerifiedConnection(mail_state).__enter__()
                    except (OSError, smtplib.SMTPException) as error:
                        # the relay cannot be reached: the rest wait for the next run rather than each waiting
                        # out the timeout in turn
                        _record_failure(message_id, attempt, error, now or utcnow())
                        failed += 1
                        unreachable = True
                        break
                try:
                    if mail_state.suppress:
                        log.info("Mail suppressed; would send to %s: %s\n%s", mail.recipients[0], mail.subject,
                                 mail.body)
                    connection.send(mail)
                except (OSError, smtplib.SMTPException) as error:
                    _record_failure(message_id, attempt, error, now or utcnow())
                    failed += 1
                    if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
                        _close(connection, polite=False)
                        connection = None  # reconnect for the next message
                else:
                    _record_sent(message_id, attempt)
                    sent += 1
    finally:
        _close(connection)
    if ids is None:
        _alert_administrators(now or utcnow())
    return sent, failed


def _due_ids(now, ids, after):
    query = sa.select(OutboxMessage.id).where(_is_due(now), OutboxMessage.id > after)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    with db.engine.connect() as connection:
        return connection.scalars(query.order_by(OutboxMessage.id).limit(BATCH_SIZE)).all()


def _close(connection, polite=True):
    """End the SMTP session. After a timeout or a dropped connection only the socket is closed: waiting for the
    answer to QUIT would wait out the timeout a second time."""
    if connection is None or connection.host is None:
        return
    try:
        if polite:
            connection.host.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        connection.host.close()


def _record_sent(message_id, attempt):
    """Recorded the moment the relay accepts, in its own transaction, to keep the window for a repeat small. A
    link that sets a password is removed from the stored copy in the same transaction: it is in the person's
    mailbox now, and the outbox should not be a second place to find it."""
    ours = sa.and_(OutboxMessage.id == message_id, OutboxMessage.attempt_id == attempt)
    with db.engine.begin() as connection:
        held = connection.execute(
            sa.update(OutboxMessage).where(ours)
            .values(status=OutboxStatus.SENT, sent_at=utcnow(), attempts=OutboxMessage.attempts + 1,
                    claimed_until=None, last_error=None, failing_since=None)
        ).rowcount
        row = connection.execute(sa.select(OutboxMessage.body_text, OutboxMessage.body_html).where(
            ours, sa.or_(*(OutboxMessage.kind.startswith(kind) for kind in LINK_KINDS)))).first()
        if row is not None:
            connection.execute(sa.update(OutboxMessage).where(ours).values(
                body_text=TOKEN_LINK.sub(LINK_REMOVED, row.body_text),
                body_html=TOKEN_LINK.sub(LINK_REMOVED, row.body_html)))
    if not held:
        log.warning("Email %s was sent after its claim lapsed: another worker may send it again", message_id)


def _is_permanent(error):
    """A 5xx answer about this message or its recipient: every later try would be refused the same way."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _record_failure(message_id, attempt, error, now):
    window = timedelta(hours=current_app.config.get("MAIL_RETRY_FOR_HOURS", 72))
    with db.engine.begin() as connection:
        ours = sa.and_(OutboxMessage.id == message_id, OutboxMessage.attempt_id == attempt)
        row = connection.execute(sa.select(OutboxMessage.attempts, OutboxMessage.failing_since,
                                           OutboxMessage.to_address).where(ours)).first()
        if row is None:
            return
        attempts, failing_since = row.attempts + 1, row.failing_since or now
        values = dict(attempts=attempts, failing_since=failing_since, claimed_until=None,
                      last_error=f"{type(error).__name__}: {error}"[:2000])
        if _is_permanent(error) or now - failing_since >= window:
            values["status"] = OutboxStatus.FAILED
        else:
            wait = RETRY_BACKOFF[attempts - 1] if attempts <= len(RETRY_BACKOFF) else SLOW_RETRY
            values.update(status=OutboxStatus.QUEUED, next_attempt_at=now + wait)
        connection.execute(sa.update(OutboxMessage).where(ours).values(**values))
    log.warning("Email %s to %s %s (attempt %s): %s", message_id, row.to_address,
                "failed for good" if values["status"] is OutboxStatus.FAILED else "failed", attempts, error)


def retry_failed(message_ids):
    """Move those of these messages that failed back to the queue, in the caller's transaction, with one
    conditional update; returns the ids it moved, so that a second press moves nothing and can say so."""
    return db.session.scalars(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.QUEUED, next_attempt_at=utcnow(), last_error=None, failing_since=None)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)
    ).all()


# What people are told about delivery


def partnership_messages(partnership_id):
    """Messages about a partnership's work: queued for it, or carrying reminders about its actions (a digest can
    carry several partnerships' actions, so reminders are linked through the reminders they carry)."""
    from tracker.actions.models import Action
    from tracker.reminders.models import ReminderDelivery, ReminderLog

    carried = (sa.select(ReminderDelivery.outbox_message_id).join(ReminderLog)
               .join(Action, Action.id == ReminderLog.action_id).where(Action.partnership_id == partnership_id))
    return sa.or_(OutboxMessage.id.in_(carried), OutboxMessage.partnership_id == partnership_id)


class DeliveryHealth(NamedTuple):
    #: emails that will not be tried again until someone retries them
    failed: int
    #: emails queued, or being sent, for more than UNSENT_AFTER
    unsent: int

    @property
    def is_healthy(self):
        return not (self.failed or self.unsent)


def delivery_health(partnership=None, now=None):
    """How many of a partnership's emails (or, without one, the whole instance's) failed, and how many have waited
    more than an hour: what the coordinator's and administrator's home pages warn of."""
    where = partnership_messages(partnership.id) if partnership is not None else sa.true()
    return _health(db.session, where, now or utcnow())


def _health(session, where, now):
    unsent = sa.and_(OutboxMessage.status.in_(UNSENT), OutboxMessage.created_at < now - UNSENT_AFTER)
    return DeliveryHealth(*session.execute(
        sa.select(sa.func.count().filter(OutboxMessage.status == OutboxStatus.FAILED), sa.func.count().filter(unsent))
        .where(where, OutboxMessage.status.in_((OutboxStatus.FAILED, *UNSENT)))).one())


def _alert_administrators(now):
    """Queue one email to the administrators when mail is failing or held up, at most once every ALERT_EVERY.

    Alerts never count towards an alert, and none is queued while an earlier one is still unsent, so an outage that
    holds the alert up too cannot pile alerts up: the administrators hear once when mail moves again, and the home
    pages warn meanwhile."""
    from tracker.accounts.models import User

    with Session(db.engine) as session:
        health = _health(session, OutboxMessage.kind != ALERT_KIND, now)
        waiting = sa.select(OutboxMessage.id).where(OutboxMessage.kind == ALERT_KIND,
                                                    OutboxMessage.status.in_(UNSENT))
        if health.is_healthy or session.scalar(waiting.limit(1)) is not None:
            return
        bucket = int(now.timestamp() // ALERT_EVERY.total_seconds())
        administrators = session.scalars(sa.select(User).where(User.is_administrator.is_(True),
                                                               User.is_active.is_(True)).order_by(User.id)).all()
        if not administrators:
            log.error("Email is failing or held up (%s) and there is no administrator to tell", health)
            return
        keys = {person.id: f"{ALERT_KIND}:{bucket}:{person.id}" for person in administrators}
        if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key.in_(keys.values())).limit(1)):
            return  # already told in this period
        session.execute(sa.insert(OutboxMessage), [_alert(person, keys[person.id], health, now)
                                                    for person in administrators])
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker queued this period's alert first
        else:
            log.warning("Email is failing or held up (%s): the administrators have been told", health)


def _alert(person, dedupe_key, health, now):
    """One administrator's alert, in their language."""
    with in_language_of(person):
        return compose("outbox/alert", to=person.email,
                       subject=gettext("Action tracker: emails are not getting through"), dedupe_key=dedupe_key,
                       kind=ALERT_KIND, user_id=person.id, person=person, health=health, at=now,
                       retry_hours=current_app.config.get("MAIL_RETRY_FOR_HOURS", 72),
                       every_hours=int(ALERT_EVERY / timedelta(hours=1)))
