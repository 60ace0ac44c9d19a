"""Password reset and invitation links: emailed through a real SMTP server, single use, time-limited."""
import re
from datetime import timedelta

import time_machine

from tests.conftest import Browser, text

NEW_PASSWORD = "a completely new passphrase"


def _delivered(app, inbox):
    """What the scheduler's delivery job would send in the next minute."""
    from tracker.email import deliver_outbox

    with app.app_context():
        deliver_outbox()
    return inbox.messages


def _link(message):
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https://tracker\.example\.gov\.uk(/set-password/\S+)", body).group(1)


def test_reset_link_arrives_by_email_and_sets_the_password(mail_app, smtp_server, make):
    person = make.user(email="lead@example.org")
    browser = Browser(mail_app.test_client())
    page = browser.post("/forgot-password", {"email": "Lead@Example.org"})
    assert "If Lead@Example.org belongs to an account" in text(page)
    assert smtp_server.messages == []  # queued, not sent while the person waits
    [message] = _delivered(mail_app, smtp_server)
    assert message["To"] == "lead@example.org"
    assert message["Message-ID"]
    assert message.get_body(("html",)) is not None
    path = _link(message)
    response = browser.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/sign-in"
    browser.sign_in(person.email, NEW_PASSWORD)


def test_reset_link_works_once(mail_app, smtp_server, make):
    make.user(email="once@example.org")
    browser = Browser(mail_app.test_client())
    browser.post("/forgot-password", {"email": "once@example.org"})
    path = _link(_delivered(mail_app, smtp_server)[0])
    assert browser.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    second = browser.get(path)
    assert second.status_code == 404
    assert "This link is no longer valid" in text(second)


def test_reset_link_expires_after_sixty_minutes(mail_app, smtp_server, make):
    make.user(email="late@example.org")
    browser = Browser(mail_app.test_client())
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        browser.post("/forgot-password", {"email": "late@example.org"})
        path = _link(_delivered(mail_app, smtp_server)[0])
        clock.shift(timedelta(minutes=59))
        assert browser.get(path).status_code == 200
        clock.shift(timedelta(minutes=2))
        assert browser.get(path).status_code == 404


def test_a_newer_reset_link_replaces_the_older_one(mail_app, smtp_server, make):
    make.user(email="twice@example.org")
    browser = Browser(mail_app.test_client())
    browser.post("/forgot-password", {"email": "twice@example.org"})
    browser.post("/forgot-password", {"email": "twice@example.org"})
    first, second = (_link(m) for m in _delivered(mail_app, smtp_server))
    assert browser.get(first).status_code == 404
    assert browser.get(second).status_code == 200


def test_unknown_address_gets_the_same_answer_and_no_email(mail_app, smtp_server, make):
    browser = Browser(mail_app.test_client())
    page = browser.post("/forgot-password", {"email": "nobody@example.org"})
    assert "If nobody@example.org belongs to an account" in text(page)
    assert _delivered(mail_app, smtp_server) == []


def test_reset_link_is_built_from_the_configured_base_url_not_the_host_header(mail_app, smtp_server, make):
    make.user(email="host@example.org")
    browser = Browser(mail_app.test_client())
    evil = "http://evil.example"
    page = browser.client.get("/forgot-password", base_url=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    sent = browser.client.post("/forgot-password", data={"email": "host@example.org", "csrf_token": token},
                               base_url=evil)
    assert sent.status_code == 200
    body = _delivered(mail_app, smtp_server)[0].get_body(("plain",)).get_content()
    assert "evil.example" not in body
    assert "https://tracker.example.gov.uk/set-password/" in body


def test_setting_a_password_ends_existing_sessions(mail_app, smtp_server, make):
    person = make.user(email="stolen@example.org")
    thief = Browser(mail_app.test_client())
    thief.sign_in(person.email)
    owner = Browser(mail_app.test_client())
    owner.post("/forgot-password", {"email": person.email})
    owner.post(_link(_delivered(mail_app, smtp_server)[0]), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert thief.get("/").status_code == 302
