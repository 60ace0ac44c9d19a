"""Welsh and English: which language a page or an email is in, the switch between them, and dates written in it.

Welsh public bodies must offer their services in Welsh. Every string the tracker shows goes through gettext
(`_` in templates and code, `_l` where a string is defined before any request, `N_` to mark a string for the
catalogue that is translated where it is shown); what people type stays in the language they typed it in.
"""
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask import Blueprint, has_request_context, redirect, request, session, url_for
from flask_babel import Babel, force_locale, get_locale, gettext
from flask_login import current_user

from tracker.extensions import db

#: the languages the service speaks, each named in itself (as a language switch names them)
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
#: the page's lang attribute for each language
HTML_LANG = {"en": "en-GB", "cy": "cy"}
LONDON = ZoneInfo("Europe/London")

babel = Babel()
bp = Blueprint("language", __name__)


def N_(text):  # noqa: N802  (gettext's own name for a marker that only puts a string in the catalogue)
    return text


def select_language():
    """The signed-in person's chosen language; before signing in, the one chosen with the switch, else the one the
    browser asks for. Outside a request (the scheduler), English unless an email forces its reader's language."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def current_language():
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def language_of(person):
    """The language a person reads their email in: the one they chose, else English."""
    return person.language if person is not None and person.language in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def in_language_of(person):
    """Whatever is rendered or translated inside (an email's subject and bodies) is in the person's language."""
    with force_locale(language_of(person)):
        yield


def translated_in(language, text):
    """text (a catalogue string) in a given language."""
    with force_locale(language):
        return gettext(text)


def in_every_language(text):
    """A catalogue string as each language the service speaks writes it (English first), for reading a file written
    in any of them."""
    return tuple(translated_in(language, text) for language in LANGUAGES)


def long_date(value):
    """1 December 2026 / 1 Rhagfyr 2026"""
    return "" if value is None else format_date(value, "d MMMM y", locale=current_language())


def month_year(value):
    """December 2026 / Rhagfyr 2026"""
    return "" if value is None else format_date(value, "MMMM y", locale=current_language())


def local_datetime(value):
    """1 December 2026, 09:05, in UK time"""
    if value is None:
        return ""
    return format_datetime(value.astimezone(LONDON), "d MMMM y, HH:mm", locale=current_language())


@bp.post("/language")
def switch():
    """The language switch: remembered for the browser and, once signed in, for the person (and their email)."""
    from tracker.accounts.sessions import safe_next

    chosen = request.form.get("language")
    if chosen in LANGUAGES:
        session["language"] = chosen
        if current_user.is_authenticated and current_user.language != chosen:
            current_user.language = chosen
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


def adopt_session_language(person):
    """At sign-in: a person who has never chosen keeps the language they were reading in before signing in."""
    if not person.language and session.get("language") in LANGUAGES:
        person.language = session["language"]


def init_app(app):
    babel.init_app(app, locale_selector=select_language)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES, HTML_LANG=HTML_LANG)
    app.jinja_env.filters.update(long_date=long_date, local_datetime=local_datetime, month_year=month_year)
