"""Which language a page is in: the browser's until someone chooses with the switch, then theirs, kept on their
account once they sign in, whatever browser they use next."""
import re

import sqlalchemy as sa

from tests.conftest import Browser, text
from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.extensions import db

WELSH_BROWSER = {"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}


def _lang(response):
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def _language_of(app, person):
    with app.app_context():
        return db.session.get(User, person.id).language


def test_before_signing_in_a_page_is_in_the_language_the_browser_asks_for(app):
    browser = Browser(app.test_client())
    welsh, english = browser.get("/sign-in", headers=WELSH_BROWSER), browser.get("/sign-in")
    assert _lang(welsh) == "cy" and "Mewngofnodi" in text(welsh) and "Sign in" not in text(welsh)
    assert _lang(english) == "en-GB" and "Sign in" in text(english)
    # each page offers the other language, named in itself and marked as such
    assert '<button class="app-link-button" type="submit" name="language" value="en" lang="en-GB">English' in \
        welsh.get_data(as_text=True)
    assert 'value="cy" lang="cy">Cymraeg' in english.get_data(as_text=True)


def test_the_switch_holds_for_the_browser_and_comes_back_to_the_same_page(app):
    browser = Browser(app.test_client())
    switched = browser.post("/language", {"language": "cy", "next": "/forgot-password?x=1"}, form_url="/sign-in")
    assert switched.status_code == 302 and switched.headers["Location"] == "/forgot-password?x=1"
    assert _lang(browser.get("/sign-in")) == "cy"
    assert _lang(browser.get("/forgot-password")) == "cy"


def test_someone_who_has_not_chosen_keeps_the_language_they_signed_in_with(app, make):
    person = make.user(email="gwen@example.org")
    browser = Browser(app.test_client())
    browser.post("/language", {"language": "cy", "next": "/sign-in"}, form_url="/sign-in")
    browser.sign_in(person.email)
    assert _language_of(app, person) == "cy"
    assert _lang(browser.get("/")) == "cy"


def test_a_choice_made_signed_in_is_kept_on_the_account_for_any_browser(app, make):
    person = make.user(email="ed@example.org")
    browser = Browser(app.test_client())
    browser.sign_in(person.email)
    browser.post("/language", {"language": "cy", "next": "/"}, form_url="/")
    assert _language_of(app, person) == "cy"
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "User",
                                                              AuditEntry.entity_id == person.id)
                                  .order_by(AuditEntry.id.desc()).limit(1))
        assert entry.user_id == person.id and "language" in entry.changes
    elsewhere = Browser(app.test_client())  # another browser, which asks for English
    elsewhere.sign_in(person.email)
    assert _lang(elsewhere.get("/")) == "cy"
    assert _lang(elsewhere.get("/sign-in", follow_redirects=True)) == "cy"
    # signing out keeps the page in the language it was read in
    elsewhere.post("/sign-out", {}, form_url="/")
    assert _lang(elsewhere.get("/sign-in")) == "cy"


def test_the_switch_goes_back_only_to_a_page_of_the_tracker(app):
    browser = Browser(app.test_client())
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)", ""):
        response = browser.post("/language", {"language": "cy", "next": target}, form_url="/sign-in")
        assert response.headers["Location"] == "/", target


def test_a_language_the_tracker_does_not_speak_changes_nothing(app, make):
    person = make.user(email="ffion@example.org")
    browser = Browser(app.test_client())
    browser.sign_in(person.email)
    browser.post("/language", {"language": "fr", "next": "/"}, form_url="/")
    assert _language_of(app, person) == ""
    assert _lang(browser.get("/")) == "en-GB"
