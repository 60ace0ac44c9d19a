import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, enum_column
from tracker.enums import DigestFrequency, HandoffFrequency, NationalRole, TokenPurpose
from tracker.extensions import db


def new_session_token():
    return secrets.token_urlsafe(32)


class User(Audited, TimestampMixin, db.Model):
    __tablename__ = "user"
    __audit_redact__ = frozenset({"password_hash", "session_token", "calendar_token_hash", "totp_secret"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: stored lower-cased, so the unique key is case-insensitive on every database
    email: Mapped[str] = mapped_column(sa.String(320), unique=True, nullable=False)
    #: empty until an invited person sets a password. Read only by signing in and setting a password: loaded when
    #: asked for, not with every person a page lists (and its old value before a change, for the audit log)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255), deferred=True, active_history=True)
    #: whether they have set a password (an invited person has not), without loading the hash
    has_password: Mapped[bool] = column_property(password_hash.is_not(None))
    is_active: Mapped[bool] = mapped_column(default=True, nullable=False)
    is_administrator: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: Flask-Login's id: replacing it ends every session signed in with the old one
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, nullable=False, default=new_session_token
    )
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "cy" or "en": the pages and every email are in it; empty until the person chooses (pages then follow the
    #: browser, emails are in English)
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="", server_default="")
    #: how often to hear about upcoming deadlines (overdue notices and escalations always come daily)
    upcoming_frequency: Mapped[DigestFrequency] = mapped_column(
        enum_column(DigestFrequency), nullable=False, default=DigestFrequency.DAILY, server_default="daily")
    #: how news of hand-offs (a closure claimed, a deadline move to approve…) reaches the person
    handoff_frequency: Mapped[HandoffFrequency] = mapped_column(
        enum_column(HandoffFrequency), nullable=False, default=HandoffFrequency.IMMEDIATE,
        server_default=HandoffFrequency.IMMEDIATE.value)

    #: the calendar feed's secret, hashed; replacing it revokes the old address
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    #: the authenticator app's shared secret (base32); set when two-factor sign-in is set up
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the 30-second step of the last code accepted: a code for it or an earlier step is refused, so an
    #: overheard code cannot be used again
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    #: a role across every partnership (reading the national register of recommendations to bodies)
    national_role: Mapped[NationalRole | None] = mapped_column(enum_column(NationalRole))

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")
    #: the bodies beyond the partnerships the person answers for
    body_contacts = relationship("BodyContact", back_populates="user", cascade="all, delete-orphan")

    __audit_exclude__ = Audited.__audit_exclude__ | {"last_sign_in_at", "totp_last_step", "has_password"}

    # Flask-Login's protocol
    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return self.session_token

    def end_all_sessions(self):
        self.session_token = new_session_token()

    @property
    def has_two_factor(self):
        return self.totp_enabled_at is not None

    @property
    def audit_partnership_id(self):
        return None

    def __str__(self):
        return self.name


class _CountedAttempt:
    """An attempt counted per address and per client, kept in the database so that the limit on it holds across
    workers and instances."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), nullable=False, index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class LoginFailure(_CountedAttempt, db.Model):
    """Failed sign-ins (wrong passwords and wrong codes), for the sign-in delays."""

    __tablename__ = "login_failure"


class ResetRequest(_CountedAttempt, db.Model):
    """Requests for a reset link, for the limit on them."""

    __tablename__ = "reset_request"


class AccountToken(db.Model):
    """A single-use link to set a password (reset or invitation); only its hash is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose), nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app when it is lost; only its hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
