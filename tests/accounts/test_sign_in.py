"""Signing in and out, throttling, sessions that end when they should."""
from datetime import timedelta

import time_machine

from tests.conftest import PASSWORD, Browser, text
from tracker.accounts.models import User
from tracker.accounts.services import set_active, set_password
from tracker.db import utcnow
from tracker.extensions import db


def test_sign_in_with_the_right_password_reaches_the_home_page(browser, make):
    person = make.user(name="Priya Shah", email="Priya.Shah@Example.org")
    response = browser.post("/sign-in", {"email": "PRIYA.shah@example.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, Priya Shah" in text(browser.get("/"))
    assert person.email == "priya.shah@example.org"


def test_wrong_password_unknown_address_and_deactivated_account_read_the_same(browser, make):
    make.user(email="known@example.org")
    make.user(email="gone@example.org", is_active=False)
    pages = [
        browser.post("/sign-in", {"email": "known@example.org", "password": "wrong password here"}),
        browser.post("/sign-in", {"email": "nobody@example.org", "password": PASSWORD}),
        browser.post("/sign-in", {"email": "gone@example.org", "password": PASSWORD}),
    ]
    for page in pages:
        assert page.status_code == 400
        assert "The email address or password is not right" in text(page)
    # the typed address is kept; the password is not
    assert 'value="known@example.org"' in pages[0].get_data(as_text=True)


def test_empty_fields_are_reported_beside_each_field(browser):
    page = browser.post("/sign-in", {"email": "", "password": ""})
    body = page.get_data(as_text=True)
    assert "There is a problem" in body
    assert 'id="email-error"' in body and "Enter your email address" in body
    assert 'id="password-error"' in body and "Enter your password" in body


def test_after_five_failures_each_attempt_waits_twice_as_long(browser, make):
    make.user(email="target@example.org")
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        for _ in range(5):
            browser.post("/sign-in", {"email": "target@example.org", "password": "not the password"})
        waiting = browser.post("/sign-in", {"email": "target@example.org", "password": PASSWORD})
        assert waiting.status_code == 400
        assert "too many attempts" in text(waiting).lower()
        clock.shift(timedelta(seconds=1))
        browser.post("/sign-in", {"email": "target@example.org", "password": "still not it"})  # the 6th failure
        clock.shift(timedelta(seconds=1.9))
        assert "too many attempts" in text(
            browser.post("/sign-in", {"email": "target@example.org", "password": PASSWORD})).lower()
        clock.shift(timedelta(seconds=0.2))  # two seconds after the 6th failure
        assert browser.post("/sign-in", {"email": "target@example.org", "password": PASSWORD}).status_code == 302


def test_a_third_party_holds_a_person_up_for_fifteen_minutes_at_most(app, browser, make):
    from tracker.accounts.models import LoginFailure

    make.user(email="target@example.org")
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        with app.app_context():
            db.session.add_all(LoginFailure(email="target@example.org", ip_address="198.51.100.9", at=utcnow())
                               for _ in range(40))
            db.session.commit()
        clock.shift(timedelta(minutes=14, seconds=59))
        waiting = browser.post("/sign-in", {"email": "target@example.org", "password": PASSWORD})
        assert "Wait 1 minute, then try again" in text(waiting)
        clock.shift(timedelta(seconds=2))
        assert browser.post("/sign-in", {"email": "target@example.org", "password": PASSWORD}).status_code == 302


def test_delays_apply_to_addresses_without_accounts_too(browser):
    # otherwise the message would tell an attacker which addresses exist
    for _ in range(5):
        browser.post("/sign-in", {"email": "ghost@example.org", "password": "guess number one"})
    waiting = browser.post("/sign-in", {"email": "ghost@example.org", "password": "x"})
    assert "too many attempts" in text(waiting).lower()


def test_many_failures_from_one_client_delay_it_without_locking_its_accounts(browser, make):
    make.user(email="colleague@example.org")
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False) as clock:
        for n in range(20):
            browser.post("/sign-in", {"email": f"guess{n}@example.org", "password": "a wrong guess"})
        waiting = browser.post("/sign-in", {"email": "colleague@example.org", "password": PASSWORD})
        assert "too many attempts" in text(waiting).lower()
        clock.shift(timedelta(seconds=1))
        assert browser.post("/sign-in", {"email": "colleague@example.org", "password": PASSWORD}).status_code == 302


def test_next_only_follows_paths_on_this_site(browser, make):
    person = make.user()
    inside = browser.post("/sign-in?next=/account/password", {"email": person.email, "password": PASSWORD})
    assert inside.headers["Location"] == "/account/password"
    browser.post("/sign-out", form_url="/")
    outside = browser.post("/sign-in?next=https://evil.example/", {"email": person.email, "password": PASSWORD})
    assert outside.headers["Location"] == "/"


def test_anonymous_visit_goes_to_sign_in_and_comes_back(browser):
    response = browser.get("/admin/partnerships")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/admin/partnerships"


def test_signing_out_ends_every_session_of_that_person(app, make):
    person = make.user()
    laptop, phone = Browser(app.test_client()), Browser(app.test_client())
    laptop.sign_in(person.email)
    phone.sign_in(person.email)
    assert phone.get("/").status_code == 200
    laptop.post("/sign-out", form_url="/")
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302


def test_changing_password_keeps_this_session_and_ends_the_others(app, make):
    person = make.user()
    laptop, phone = Browser(app.test_client()), Browser(app.test_client())
    laptop.sign_in(person.email)
    phone.sign_in(person.email)
    response = laptop.post("/account/password", {
        "current_password": PASSWORD, "password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    fresh = Browser(app.test_client())
    assert fresh.post("/sign-in", {"email": person.email, "password": "a brand new passphrase"}).status_code == 302


def test_change_password_checks_the_current_one_and_the_new_one(as_user, make):
    person = as_user(make.user())
    page = person.post("/account/password", {"current_password": "wrong", "password": "short", "confirm": "other"})
    body = text(page)
    assert "Your current password is not right" not in body  # field validation fails first
    assert "Password must be 12 characters or more" in body
    assert "Passwords do not match" in body
    page = person.post("/account/password", {
        "current_password": "wrong one", "password": "long enough passphrase", "confirm": "long enough passphrase"})
    assert "Your current password is not right" in text(page)


def test_deactivating_an_account_ends_its_sessions(app, as_user, make):
    person = make.user()
    session = as_user(person)
    with app.app_context():
        set_active(db.session.get(User, person.id), False)
        db.session.commit()
    assert session.get("/").status_code == 302


def test_idle_and_absolute_timeouts(app, make):
    person = make.user()
    browser = Browser(app.test_client())
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        browser.sign_in(person.email)
        clock.shift(timedelta(minutes=29))
        assert browser.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        expired = browser.get("/")
        assert expired.status_code == 302 and expired.headers["Location"].startswith("/sign-in")
    with time_machine.travel("2026-11-24 08:00:00+00:00", tick=False) as clock:
        browser.sign_in(person.email)
        for _ in range(26):  # active every 28 minutes, but 12 hours is the limit
            clock.shift(timedelta(minutes=28))
            response = browser.get("/")
        assert response.status_code == 302


def test_passwords_are_stored_as_argon2id_hashes(ctx, make):
    person = make.user()
    set_password(person, "another long passphrase")
    assert person.password_hash.startswith("$argon2id$")
    assert "another long passphrase" not in person.password_hash


def test_session_cookie_is_httponly(browser, make):
    person = make.user()
    response = browser.post("/sign-in", {"email": person.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused(app, make):
    person = make.user()
    client = app.test_client()
    response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form could not be sent" in text(response)
    signed_in = Browser(app.test_client())
    signed_in.sign_in(person.email)
    refused = signed_in.client.post("/sign-out")
    assert refused.status_code == 400
    assert signed_in.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_behind_a_proxy_the_clients_own_address_is_recorded(make_app, make):
    import sqlalchemy as sa

    from tracker.accounts.models import LoginFailure

    app = make_app(PROXY_HOPS=1)
    browser = Browser(app.test_client())
    token = browser.csrf_token("/sign-in")
    browser.client.post("/sign-in", data={"email": "x@example.org", "password": "wrong guess", "csrf_token": token},
                        headers={"X-Forwarded-For": "203.0.113.7"})
    with app.app_context():
        assert db.session.scalar(sa.select(LoginFailure.ip_address)) == "203.0.113.7"
