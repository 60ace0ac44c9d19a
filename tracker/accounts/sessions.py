"""Who is signed in, for how long, and the headers every response carries."""
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user
from sqlalchemy.orm import joinedload

from tracker.accounts.models import User
from tracker.accounts.services import session_expired, two_factor_required
from tracker.db import utcnow
from tracker.extensions import db, login_manager

#: endpoints a person can reach before signing in
PUBLIC_ENDPOINTS = {
    "static",
    "language.switch",
    "accounts.sign_in",
    "accounts.sign_in_code",
    "accounts.forgot_password",
    "accounts.set_password",
    "home.accessibility",
    "reminders.calendar_feed",
    # open data, for anyone
    "opendata.index",
    "opendata.body",
    "opendata.recommendation",
    "opendata.schema",
    "opendata.download_csv",
    "opendata.download_json",
    # the API, which checks its own key
    "api.list_recommendations",
    "api.get_recommendation",
    "api.list_bodies",
    "api.openapi",
}
#: all that a person whose role needs a second factor can reach until they have set one up
SET_UP_ENDPOINTS = {"accounts.set_up_two_factor", "accounts.sign_out"}


@login_manager.user_loader
def load_user(session_token):
    """The signed-in person, with the bodies they answer for (most have none): every request asks whether their
    role needs a second factor, and a body's contact's every page whether they answer for it."""
    return db.session.execute(
        sa.select(User).where(User.session_token == session_token, User.is_active.is_(True))
        .options(joinedload(User.body_contacts))).unique().scalar_one_or_none()


def safe_next(target):
    """Only a path on this site may follow sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def clear_session():
    """Forget everything of the session but the language it was read in."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def start_session(user):
    from flask_login import login_user

    clear_session()
    if user.language:  # the browser reads in it after signing out, too
        session["language"] = user.language
    login_user(user)
    now = utcnow().timestamp()
    session["signed_in_at"] = now
    session["last_seen_at"] = now
    session.permanent = True


def await_second_factor(user):
    """The password was right and a code must follow: remember whose, for a few minutes. Nobody is signed in
    yet, so no other page opens. The person's session token is kept rather than their id, so that a password
    change or a reset meanwhile voids the wait."""
    session["second_factor"] = {"token": user.session_token, "since": utcnow().timestamp()}


def awaiting_second_factor():
    """(the person whose code is awaited or None, whether a wait has just lapsed)."""
    waiting = session.get("second_factor")
    if not isinstance(waiting, dict):
        return None, False
    lifetime = current_app.config["TWO_FACTOR_PENDING_LIFETIME"].total_seconds()
    if utcnow().timestamp() - waiting.get("since", 0) > lifetime:
        session.pop("second_factor")
        return None, True
    return load_user(waiting.get("token")), False


def _second_factor_first():
    """A person whose role needs a second factor sees only the set-up page until they have one (and a header
    without the links that would only lead back to it)."""
    if current_user.has_two_factor or not two_factor_required(current_user):
        return None
    g.second_factor_missing = True
    if request.endpoint in SET_UP_ENDPOINTS:
        return None
    return redirect(url_for("accounts.set_up_two_factor"))


def enforce_sign_in():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        if session_expired(session.get("signed_in_at"), session.get("last_seen_at")):
            timed_out = gettext("You were signed out because your session timed out. Sign in again to continue.")
            logout_user()
            clear_session()
            flash(timed_out, "info")
        else:
            session["last_seen_at"] = utcnow().timestamp()
            return _second_factor_first()
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.sign_in", next=next_path))


def security_headers(response):
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.endpoint != "static":
        # every page, download and feed may hold personal data: no browser or proxy should keep a copy (a
        # view's own "no-cache" still lets the browser store one)
        headers["Cache-Control"] = "no-store"
    if current_app.config["HSTS_ENABLED"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
