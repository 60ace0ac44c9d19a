"""The one send path: render a paired text/HTML template, queue it in the outbox, deliver from the outbox.

Queueing happens in the caller's transaction, so a decision to send and the message stand or fall together.
Delivery claims each message before sending it, so two workers never send the same row.
"""
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_mail import Connection, Message
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime, enum_column, utcnow
from tracker.enums import OutboxStatus
from tracker.extensions import db

log = logging.getLogger(__name__)

#: waits before each retry; after the last the message is marked failed for a person to retry
RETRY_BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60, 240)]
CLAIM_LEASE = timedelta(minutes=5)


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
    #: a worker holds the message until then; a crashed worker's claim simply lapses
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


def _claim(message_id, now):
    """Hold the message for CLAIM_LEASE from `now` (the moment of claiming); returns the lease's end or None."""
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return now + CLAIM_LEASE if claimed == 1 else None


def _as_mail(message):
    mail = Message(subject=message.subject, recipients=[message.to_address], body=message.body_text,
                   html=message.body_html)
    mail.msgId = message.message_id  # the same id on every try, so a receiving server can drop a repeat
    for attachment in db.session.scalars(sa.select(OutboxAttachment).where(
            OutboxAttachment.outbox_message_id == message.id).order_by(OutboxAttachment.id)):
        mail.attach(attachment.filename, attachment.content_type, attachment.data)
    return mail


def deliver_outbox(now=None, ids=None):
    """Send every queued message that is due (or just `ids`); returns (sent, failed) counts.

    `now` fixes the clock (tests); otherwise each message is claimed at the moment it is taken, so a long run
    never hands out a lease that has already expired."""
    fixed_clock = now
    now = now or utcnow()
    query = sa.select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    due = db.session.scalars(query.order_by(OutboxMessage.id)).all()
    sent = failed = 0
    if not due:
        return sent, failed
    mail_state = current_app.extensions["mail"]
    connection = None
    try:
        for message_id in due:
            lease = _claim(message_id, fixed_clock or utcnow())
            if lease is None:
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                if connection is None:
                    connection = VerifiedConnection(mail_state).__enter__()
                if mail_state.suppress:
                    log.info("Mail suppressed; would send to %s: %s\n%s", message.to_address, message.subject,
                             message.body_text)
                connection.send(_as_mail(message))
            except (OSError, smtplib.SMTPException) as error:
                _record_failure(message, error, now)
                failed += 1
                if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
                    _close(connection)
                    connection = None  # reconnect for the next message
            else:
                # recorded as sent only by the worker still holding the claim
                held = db.session.execute(
                    sa.update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.claimed_until == lease)
                    .values(status=OutboxStatus.SENT, sent_at=utcnow(), attempts=OutboxMessage.attempts + 1,
                            claimed_until=None, last_error=None).execution_options(synchronize_session=False)
                ).rowcount
                if not held:
                    log.warning("Email %s was sent after its claim lapsed", message_id)
                db.session.expire(message)
                sent += 1
            db.session.commit()
    finally:
        _close(connection)
    return sent, failed


def _close(connection):
    if connection is None or connection.host is None:
        return
    try:
        connection.host.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        connection.host.close()


def _record_failure(message, error, now):
    message.attempts += 1
    message.claimed_until = None
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts > len(RETRY_BACKOFF):
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = now + RETRY_BACKOFF[message.attempts - 1]
    log.warning("Email %s to %s failed (attempt %s): %s", message.id, message.to_address, message.attempts, error)


def retry_failed(message):
    """A coordinator's retry of a message that used up its automatic tries."""
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = utcnow()
    message.last_error = None
