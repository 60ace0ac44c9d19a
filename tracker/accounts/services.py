"""Sign-in, passwords and account tokens: rules that views, CLI and tests call alike."""
import hashlib
import secrets
from contextlib import nullcontext
from datetime import timedelta
from functools import cache

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import gettext

from tracker.accounts.models import AccountToken, LoginFailure, RecoveryCode, ResetRequest, User
from tracker.audit.services import REDACTED, noting, record
from tracker.db import utcnow
from tracker.email import queue_email
from tracker.enums import AuditEvent, NationalRole, Role, TokenPurpose
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import LANGUAGES, in_language_of
from tracker.reviews.models import PanelMember


def normalise_email(email):
    return (email or "").strip().lower()


def _hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password):
    return _hasher().hash(password)


@cache
def _dummy_hash(time_cost, memory_cost, parallelism):
    """Hashed once per set of Argon2 parameters: verified against when the address has no account, so that both
    paths do one verify and take the same time (hashing on every call made unknown addresses twice as slow)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash, password):
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(user, password):
    return user.password_hash is not None and _verify(user.password_hash, password)


def set_active(user, is_active):
    """Deactivating an account ends its sessions at once; its memberships are kept for the record."""
    user.is_active = is_active
    if not is_active:
        user.end_all_sessions()


def set_password(user, password):
    """Set a new password, end every session signed in with the old one, stop every API key made with it, and cancel
    every outstanding reset or invitation link, so that a link sent before the change cannot undo it."""
    user.password_hash = hash_password(password)
    user.end_all_sessions()
    revoke_api_keys(user)
    db.session.execute(
        sa.update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def user_by_email(email):
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _delay(failures, free):
    """The wait before the next attempt: none for the first `free` failures, then 1, 2, 4… seconds, capped."""
    if failures < free:
        return timedelta(0)
    cap = current_app.config["LOGIN_LOCKOUT"]
    return min(cap, timedelta(seconds=2 ** min(failures - free, 20)))


def throttled_for(email, ip_address, now=None):
    """How long this address, or this client, must still wait before trying again (zero when it need not).

    A growing delay rather than a lock: a third party who fails on purpose can hold a person up for
    LOGIN_LOCKOUT at most, and never shuts out everyone behind one client address.
    """
    now = now or utcnow()
    config = current_app.config
    recent = LoginFailure.at > now - config["LOGIN_FAILURE_WINDOW"]
    by_email = LoginFailure.email == normalise_email(email)
    by_ip = LoginFailure.ip_address == ip_address
    email_count, email_last, ip_count, ip_last = db.session.execute(
        sa.select(
            sa.func.count().filter(by_email), sa.func.max(LoginFailure.at).filter(by_email),
            sa.func.count().filter(by_ip), sa.func.max(LoginFailure.at).filter(by_ip),
        ).where(recent, sa.or_(by_email, by_ip))
    ).one()
    free = config["LOGIN_MAX_FAILURES"]
    waits = [timedelta(0)]
    if email_count:
        waits.append(email_last + _delay(email_count, free) - now)
    if ip_count:
        waits.append(ip_last + _delay(ip_count, config["LOGIN_MAX_FAILURES_PER_CLIENT"]) - now)
    return max(waits)


def authenticate(email, password, ip_address):
    """Return (user, None) on success, (None, wait) while attempts must wait (a timedelta), or (None, "invalid").

    The caller shows the same words for an unknown address, a wrong password and a deactivated
    account, so sign-in never reveals who has an account. Attempts refused while waiting are not counted.
    """
    now = utcnow()
    wait = throttled_for(email, ip_address, now)
    if wait > timedelta(0):
        return None, wait
    user = user_by_email(email)
    hasher = _hasher()
    if user is None or user.password_hash is None:
        _verify(_dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism), password)
        ok = False
    else:
        ok = _verify(user.password_hash, password)
    if not ok or not user.is_active:
        _count_failure(email, ip_address, now)
        return None, "invalid"
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        db.session.commit()
    return user, None


def _count_failure(email, ip_address, now):
    db.session.add(LoginFailure(email=normalise_email(email)[:320], ip_address=ip_address[:64], at=now))
    db.session.commit()


def record_sign_in(user):
    """The person is in: note when, and forget their failed attempts. Called once every factor has been checked,
    not after the password alone, or someone who knew the password could clear the count between guesses at the
    code."""
    user.last_sign_in_at = utcnow()
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == user.email))
    db.session.commit()


#: roles that see unpublished reviews or manage a partnership's people: their sign-in needs a second factor
TWO_FACTOR_ROLES = frozenset({Role.COORDINATOR, Role.PANEL_MEMBER})
RECOVERY_CODE_COUNT = 10
#: letters and digits that cannot be mistaken for one another when copied from paper
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def set_national_role(user, value):
    try:
        user.national_role = NationalRole(value) if value else None
    except ValueError:
        raise ValidationFailed({"national_role": gettext("Choose a national role, or none")}) from None
    db.session.commit()


def two_factor_required(user):
    """Administrators, national observers and reviewers, the contacts of bodies beyond the partnerships,
    coordinators and review panel members (by role, or by a seat on a review's panel) must sign in with a second
    factor; anyone else may choose to."""
    if (user.is_administrator or user.national_role is not None or user.body_contacts
            or any(m.role in TWO_FACTOR_ROLES for m in user.memberships)):
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(PanelMember.user_id == user.id))))


def new_totp_secret():
    return pyotp.random_base32()


def totp_qr_code(user, secret):
    """The otpauth:// address an authenticator app scans, as an SVG image (data URI) made here: the secret never
    goes to another service."""
    address = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TOTP_ISSUER"])
    return segno.make(address, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff")


def _totp_step(secret, code, now):
    """The 30-second step whose code this is: the current one, or one either side for a clock that drifts
    (what pyotp's verify(valid_window=1) accepts); None if it is none of them."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def _normalised_code(code):
    return "".join((code or "").split()).replace("-", "").lower()


def _is_app_code(code):
    return len(code) == 6 and code.isdigit()


def _recovery_hash(code):
    # recovery codes carry 49 random bits and tries are throttled: a fast hash is enough
    return hashlib.sha256(code.encode()).hexdigest()


def _accept_code(user, code, now):
    """Use up the app's code (its step) or a recovery code, each in one conditional update: the same code sent
    twice, even at the same moment, is accepted once."""
    if _is_app_code(code):
        step = _totp_step(user.totp_secret, code, now)
        if step is None:
            return False
        claimed = db.session.execute(
            sa.update(User).where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step).execution_options(synchronize_session=False))
        return claimed.rowcount == 1
    used = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                                      RecoveryCode.code_hash == _recovery_hash(code))
        .values(used_at=now).execution_options(synchronize_session=False))
    return used.rowcount == 1


def check_second_factor(user, code, ip_address):
    """Return None when the code is right, a timedelta while attempts must wait, or "invalid".

    A wrong code counts as a failed sign-in for the person's address and for the client, so codes cannot be
    guessed faster than passwords.
    """
    now = utcnow()
    wait = throttled_for(user.email, ip_address, now)
    if wait > timedelta(0):
        return wait
    if user.has_two_factor and _accept_code(user, _normalised_code(code), now):
        db.session.commit()
        return None
    _count_failure(user.email, ip_address, now)
    return "invalid"


def remaining_recovery_codes(user):
    return db.session.scalar(sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id,
                                                              RecoveryCode.used_at.is_(None)))


def _new_recovery_codes(user):
    """Replace the person's recovery codes; the codes themselves are returned to be shown once, never stored."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes


def enable_two_factor(user, secret, code):
    """Turn two-factor sign-in on once a code shows that the person's app holds the secret; return the new
    recovery codes. The code is used up like any other."""
    now = utcnow()
    step = _totp_step(secret, _normalised_code(code), now)
    if step is None:
        raise ValidationFailed({"code": gettext("The code is not right. Check the app shows the tracker and enter "
                                                "the 6-digit code it shows now")})
    with noting("Two-factor sign-in set up"):
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
        codes = _new_recovery_codes(user)
        db.session.commit()
    return codes


def replace_recovery_codes(user):
    """New recovery codes for the person; the old ones stop working."""
    with noting("Recovery codes replaced: the old ones no longer work"):
        codes = _new_recovery_codes(user)
        record(user, AuditEvent.UPDATE, {"recovery_codes": [REDACTED, REDACTED]}, user.id)
        db.session.commit()
    return codes


def _clear_two_factor(user):
    # the codes go first: deleting them flushes, and the person's changes should make one audit entry
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None


def turn_off_two_factor(user):
    """For those who chose it: the caller checks two_factor_required first, as a role that needs it keeps it."""
    with noting("Two-factor sign-in turned off by its owner"):
        _clear_two_factor(user)
        db.session.commit()


def reset_two_factor(person, administrator):
    """An administrator's answer to a lost phone and lost recovery codes: the second factor is removed, the
    person's sessions end and their API keys stop working (whoever has the phone may have them too); at their next
    sign-in they set it up again (if their role needs it, before anything else). The audit log names the
    administrator."""
    with noting(f"Second factor reset by an administrator, {administrator.name}"):
        _clear_two_factor(person)
        person.end_all_sessions()
        revoke_api_keys(person)
        db.session.commit()


def revoke_api_keys(user):
    from tracker.register.models import ApiToken

    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def _token_hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user, purpose):
    """Create a single-use token; earlier unused tokens of the same purpose stop working."""
    now = utcnow()
    lifetime = (
        current_app.config["INVITATION_LIFETIME"]
        if purpose is TokenPurpose.INVITATION
        else current_app.config["PASSWORD_RESET_LIFETIME"]
    )
    db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    token = AccountToken(
        user_id=user.id, purpose=purpose, token_hash=_token_hash(raw), created_at=now, expires_at=now + lifetime
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def valid_token(raw):
    """The unexpired, unused token for this link, or None."""
    if not raw:
        return None
    token = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == _token_hash(raw)))
    if token is None or token.used_at is not None or token.expires_at <= utcnow() or not token.user.is_active:
        return None
    return token


def use_token(token, password):
    token.used_at = utcnow()
    set_password(token.user, password)
    db.session.commit()


def _account_link(raw):
    # Built from the configured base URL, never from the request's Host header.
    path = url_for("accounts.set_password", token=raw)
    return current_app.config["TRACKER_BASE_URL"].rstrip("/") + path


def reset_allowed(email, ip_address, now):
    """Record a request for a reset link; False once this address or this client has asked too often lately.

    Every request counts, whether or not the address has an account, so the limit reveals nothing either.
    """
    config = current_app.config
    email = normalise_email(email)[:320]
    by_email, by_ip = db.session.execute(
        sa.select(
            sa.func.count().filter(ResetRequest.email == email),
            sa.func.count().filter(ResetRequest.ip_address == ip_address),
        ).where(ResetRequest.at > now - config["PASSWORD_RESET_WINDOW"])
    ).one()
    db.session.add(ResetRequest(email=email, ip_address=ip_address[:64], at=now))
    return by_email < config["PASSWORD_RESETS_PER_ADDRESS"] and by_ip < config["PASSWORD_RESETS_PER_CLIENT"]


def send_password_reset(email, ip_address):
    """Email a reset link if an active account has this address and neither it nor the client has asked too
    often; silent either way."""
    allowed = reset_allowed(email, ip_address, utcnow())
    user = user_by_email(email)
    if not allowed or user is None or not user.is_active:
        db.session.commit()
        return None
    raw, token = issue_token(user, TokenPurpose.PASSWORD_RESET)
    with in_language_of(user):
        message = queue_email(
            "accounts/password_reset",
            to=user.email,
            subject=gettext("Reset your password for the action tracker"),
            dedupe_key=f"token:{token.id}",
            user_id=user.id,
            user=user,
            link=_account_link(raw),
            minutes=int(current_app.config["PASSWORD_RESET_LIFETIME"] / timedelta(minutes=1)),
        )
    db.session.commit()
    return message


def invitation_subject(partnership):
    """One subject for an invitation to a new account and for a request to an existing one, so that the send log
    does not tell a coordinator which addresses already have an account."""
    return gettext("An invitation from %(partnership)s to the action tracker", partnership=partnership.name)


def invitation_language(user):
    """An invitation is written in the language its reader chose; someone who has not chosen (a new account always)
    reads it in the language of the page it was sent from, the inviting person's. New and existing accounts follow
    the same rule, so the send log's language does not tell which addresses had an account."""
    return in_language_of(user) if user.language in LANGUAGES else nullcontext()


def send_invitation(user, partnership, invited_by):
    raw, token = issue_token(user, TokenPurpose.INVITATION)
    with invitation_language(user):
        message = queue_email(
            "accounts/invitation",
            to=user.email,
            subject=invitation_subject(partnership),
            dedupe_key=f"token:{token.id}",
            partnership_id=partnership.id,
            user_id=user.id,
            user=user,
            partnership=partnership,
            invited_by=invited_by,
            link=_account_link(raw),
            days=current_app.config["INVITATION_LIFETIME"].days,
        )
    return message


def session_expired(signed_in_at, last_seen_at, now=None):
    """Idle and absolute limits; times are POSIX seconds as kept in the session cookie."""
    now = (now or utcnow()).timestamp()
    config = current_app.config
    if signed_in_at is None or last_seen_at is None:
        return True
    return (
        now - signed_in_at > config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        or now - last_seen_at > config["SESSION_IDLE_TIMEOUT"].total_seconds()
    )
