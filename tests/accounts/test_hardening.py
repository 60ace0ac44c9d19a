"""Issue 16: limits on reset links, links that die with a password change, stored emails without their links,
passwords that are hard to guess, and headers that keep personal data out of caches."""
import sqlalchemy as sa

from tests.accounts.test_passwords import NEW_PASSWORD, _delivered, _link
from tests.conftest import PASSWORD, Browser, text
from tracker.accounts import services
from tracker.accounts.models import User
from tracker.email import OutboxMessage
from tracker.extensions import db


def _outbox(app):
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_twenty_five_requests_queue_at_most_three_emails_to_one_person(mail_app, smtp_server, make):
    make.user(email="flooded@example.org")
    browser = Browser(mail_app.test_client())
    for _ in range(25):
        page = browser.post("/forgot-password", {"email": "flooded@example.org"})
        assert "If flooded@example.org belongs to an account" in text(page)  # the same answer every time
    assert len(_outbox(mail_app)) == 3


def test_one_client_can_ask_for_ten_links_an_hour(mail_app, smtp_server, make):
    for n in range(12):
        make.user(email=f"person{n}@example.org")
    browser = Browser(mail_app.test_client())
    for n in range(12):
        browser.post("/forgot-password", {"email": f"person{n}@example.org"})
    assert [m.to_address for m in _outbox(mail_app)] == [f"person{n}@example.org" for n in range(10)]


def test_a_reset_link_dies_when_the_password_is_changed(mail_app, smtp_server, make):
    person = make.user(email="changed@example.org")
    browser = Browser(mail_app.test_client())
    browser.post("/forgot-password", {"email": person.email})
    path = _link(_delivered(mail_app, smtp_server)[0])
    browser.sign_in(person.email)
    browser.post("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    browser.post("/sign-out", form_url="/")
    page = browser.get(path)
    assert page.status_code == 404 and "This link is no longer valid" in text(page)


def test_every_outstanding_link_dies_when_a_password_is_set(mail_app, make):
    person = make.user(email="both@example.org")
    with mail_app.app_context():
        user = db.session.get(User, person.id)
        invitation, _ = services.issue_token(user, services.TokenPurpose.INVITATION)
        reset, _ = services.issue_token(user, services.TokenPurpose.PASSWORD_RESET)
        db.session.commit()
        services.set_password(user, NEW_PASSWORD)
        db.session.commit()
        assert services.valid_token(invitation) is None and services.valid_token(reset) is None


def test_sent_reset_and_invitation_emails_are_stored_without_their_links(mail_app, smtp_server, make):
    inviter = make.user(email="coordinator@example.org")
    invited = make.user(email="new.member@example.org", password=None)
    partnership = make.partnership()
    with mail_app.test_request_context():
        services.send_invitation(db.session.get(User, invited.id), partnership, db.session.get(User, inviter.id))
        db.session.commit()
    Browser(mail_app.test_client()).post("/forgot-password", {"email": inviter.email})
    sent = _delivered(mail_app, smtp_server)
    assert len(sent) == 2 and all(_link(message) for message in sent)  # the links arrived
    for row in _outbox(mail_app):
        assert row.kind.startswith("accounts.") and row.sent_at is not None
        for body in (row.body_text, row.body_html):
            assert "/set-password/" not in body
            assert "[link removed after sending]" in body


def test_other_emails_keep_their_bodies(mail_app, smtp_server, make):
    from tracker.email import deliver_outbox, queue_email

    person = make.user(email="kept@example.org")
    with mail_app.app_context():
        queue_email("accounts/password_reset", kind="reminders.test", to=person.email, subject="s",
                    dedupe_key="kept", user=person, link="https://tracker.example.gov.uk/set-password/abc", minutes=60)
        db.session.commit()
        deliver_outbox()
    assert "/set-password/abc" in _outbox(mail_app)[0].body_text


def _change_password(browser, password):
    return browser.post("/account/password", {"current_password": PASSWORD, "password": password,
                                              "confirm": password})


def test_common_and_personal_passwords_are_refused_beside_the_field(as_user, make):
    person = make.user(name="Priya Shah", email="priya.shah@example.org")
    browser = as_user(person)
    for password in ("password1234", "PassWord1234", "QWERTYUIOP123"):
        page = _change_password(browser, password)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert 'id="password-error"' in body and "one of the most common passwords" in text(page)
    for password in ("my name is priya forever", "Priya.Shah is the best"):
        page = _change_password(browser, password)
        assert "must not contain your name or email address" in text(page)
    assert _change_password(browser, "tidal mirror kettle orbit").status_code == 302


def test_the_common_list_is_shipped_and_keeps_the_test_passphrase_out():
    from tracker.accounts.passwords import common_passwords

    assert len(common_passwords()) >= 10_000
    assert "password1234" in common_passwords() and PASSWORD not in common_passwords()


def test_downloads_holding_personal_data_are_not_stored(app, make, as_user):
    partnership = make.partnership()
    lead = make.member(partnership, "coordinator")
    action = make.action(partnership, owner=lead)
    update = make.update(action, lead, evidence=("minutes.txt", b"Minutes of the meeting"))
    browser = as_user(lead)
    evidence = browser.get(f"/actions/{action.id}/evidence/{update.id}")
    assert evidence.status_code == 200 and evidence.headers["Cache-Control"] == "no-store"
    export = browser.get(f"/partnerships/{partnership.id}/register.csv")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"
    assert Browser(app.test_client()).get("/sign-in").headers["Cache-Control"] == "no-store"


def test_hsts_in_production_only(app, make_app, monkeypatch):
    assert "Strict-Transport-Security" not in app.test_client().get("/sign-in").headers
    monkeypatch.setenv("TRACKER_ENV", "production")
    production = make_app(SECRET_KEY="a-secret-of-our-own-for-this-test",
                          TRACKER_BASE_URL="https://tracker.example.gov.uk")
    header = production.test_client().get("/sign-in").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"


def test_both_sign_in_paths_verify_one_hash(app, make, monkeypatch):
    """Equal work whether or not the address has an account: one verify each, and no hashing after the first
    unknown address has made the dummy hash."""
    from argon2 import PasswordHasher

    make.user(email="known@example.org")
    calls = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)
        monkeypatch.setattr(PasswordHasher, name,
                            lambda self, *a, _name=name, _original=original: calls.append(_name) or _original(self, *a))
    browser = Browser(app.test_client())
    browser.post("/sign-in", {"email": "first@example.org", "password": "a wrong password"})
    for email in ("nobody@example.org", "known@example.org", "someone@example.org"):
        calls.clear()
        browser.post("/sign-in", {"email": email, "password": "a wrong password"})
        assert calls == ["verify"]
