"""Issue 16, point 1: two-factor sign-in. Required of administrators, coordinators and review panel members,
offered to everyone; each code works once and is guessed no faster than a password; an administrator's reset is
audited."""
import re
from datetime import timedelta

import pyotp
import sqlalchemy as sa
import time_machine

from tests.conftest import PASSWORD, Browser, text
from tests.test_access import ACCESS, PUBLIC, _urls, world  # noqa: F401 (a fixture)
from tracker.accounts.models import LoginFailure, RecoveryCode, User
from tracker.audit.models import AuditEntry
from tracker.db import utcnow
from tracker.extensions import db

NOW = "2026-11-23 10:00:10+00:00"  # 10 seconds into a 30-second step


def _user(app, person):
    with app.app_context():
        user = db.session.get(User, person.id)
        db.session.expunge(user)
        return user


def _code(app, person, steps=0):
    """The code the person's app shows now, or that many 30-second steps away."""
    return pyotp.TOTP(_user(app, person).totp_secret).at(utcnow() + timedelta(seconds=30 * steps))


def _password(browser, person, next_path=""):
    return browser.post(f"/sign-in{next_path}", {"email": person.email, "password": PASSWORD})


def _enter(browser, code):
    return browser.post("/sign-in/code", {"code": code})


def _entries(app, person):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEntry.user_id, AuditEntry.changes, AuditEntry.note)
            .where(AuditEntry.entity_type == "User", AuditEntry.entity_id == person.id).order_by(AuditEntry.id)
        ).all()


def _failures(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure))


def _secret_on(page):
    return re.search(r'id="totp-secret">([^<]+)<', page.get_data(as_text=True)).group(1).replace(" ", "")


def _wrong_code(secret):
    return next(code for code in ("000000", "111111", "222222") if not pyotp.TOTP(secret).verify(code, valid_window=1))


def test_a_coordinator_without_a_second_factor_sees_only_the_set_up_page_until_they_have_one(make, browser):
    p = make.partnership()
    coordinator = make.member(p, "coordinator", two_factor=False)
    assert _password(browser, coordinator).headers["Location"] == "/account/two-factor/set-up"
    for url in ["/", "/my-actions", f"/partnerships/{p.id}", f"/partnerships/{p.id}/people", "/account/password",
                "/account/preferences", "/account/two-factor"]:
        response = browser.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor/set-up", url
    refused = browser.post(f"/partnerships/{p.id}/agencies/new", {"name": "Housing", "sector": "housing"},
                           form_url="/account/two-factor/set-up")
    assert refused.headers["Location"] == "/account/two-factor/set-up"
    page = browser.get("/account/two-factor/set-up")
    assert "Your role lets you see confidential reviews or manage people's accounts" in text(page)
    html = page.get_data(as_text=True)
    assert '<img src="data:image/svg+xml' in html  # the QR code, drawn by the tracker itself
    assert "style=" not in html and "<script>" not in html  # nothing the Content-Security-Policy would block
    # the header offers only what works: signing out, not links that lead back here
    assert 'href="/my-actions"' not in html and ">Sign out</button>" in html

    browser.set_up_two_factor()
    home = browser.get("/")
    assert "Welcome" in text(home) and 'href="/my-actions"' in home.get_data(as_text=True)
    assert browser.get(f"/partnerships/{p.id}").status_code == 200


def test_a_seat_on_a_review_panel_needs_a_second_factor_whatever_the_role(make, browser):
    p = make.partnership()
    lead = make.member(p, "agency_lead", agency=make.agency(p))
    make.review(p, panel=[(lead, False)])
    assert _password(browser, lead).headers["Location"] == "/account/two-factor/set-up"


def test_a_wrong_code_at_set_up_is_refused_beside_the_field_and_the_key_kept(app, make, as_user):
    person = make.user()
    browser = as_user(person)
    secret = _secret_on(browser.get("/account/two-factor/set-up"))
    refused = browser.post("/account/two-factor/set-up", {"code": _wrong_code(secret)})
    assert refused.status_code == 400
    assert re.search(r'id="code-error"[^>]*>.*The code is not right', refused.get_data(as_text=True), re.S)
    assert _secret_on(refused) == secret  # the app already holds it: the key must not change under the person
    assert _secret_on(browser.get("/account/two-factor/set-up")) == secret
    not_digits = browser.post("/account/two-factor/set-up", {"code": "12 34a"})
    assert "Enter the 6 digits the app shows, like 123456" in text(not_digits)
    assert not _user(app, person).has_two_factor


def test_the_right_code_turns_it_on_and_shows_ten_recovery_codes_once(app, make, as_user):
    person = make.user()
    browser = as_user(person)
    secret = _secret_on(browser.get("/account/two-factor/set-up"))
    shown = browser.post("/account/two-factor/set-up", {"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200 and "Two-factor sign-in is on" in text(shown)
    assert "This is the only time the codes are shown" in text(shown)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.get_data(as_text=True))
    assert len(set(codes)) == 10
    again = browser.get("/account/two-factor/set-up")
    assert again.headers["Location"] == "/account/two-factor"
    overview = text(browser.get("/account/two-factor"))
    assert "10 of 10 unused" in overview and not any(code in overview for code in codes)
    with app.app_context():
        hashes = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == person.id)).all()
    assert len(hashes) == 10 and not set(hashes) & {c.replace("-", "") for c in codes}  # kept hashed only
    user = _user(app, person)
    assert user.has_two_factor and user.totp_secret == secret
    [*_, entry] = _entries(app, person)
    assert entry.user_id == person.id and entry.note == "Two-factor sign-in set up"
    assert entry.changes["totp_secret"] == [None, "(changed, not shown)"]
    assert secret not in str(entry.changes)


def test_sign_in_then_asks_for_the_code_and_nothing_else_opens_meanwhile(app, make, browser):
    person = make.user(name="Ama Owusu", two_factor=True)
    with time_machine.travel(NOW, tick=False):
        assert _password(browser, person, "?next=/account/password").headers["Location"] == (
            "/sign-in/code?next=/account/password")
        assert browser.get("/").headers["Location"] == "/sign-in?next=/"
        page = browser.get("/sign-in/code")
        assert page.status_code == 200 and "Enter your code" in text(page)
        entered = browser.post("/sign-in/code?next=/account/password", {"code": _code(app, person)})
        assert entered.headers["Location"] == "/account/password"
        assert "Welcome, Ama Owusu" in text(browser.get("/"))


def test_waiting_for_the_code_opens_no_other_page(app, world, make):  # noqa: F811 (the fixture imported above)
    people, values = world
    browser = Browser(app.test_client())
    _password(browser, people["coordinator"])
    for endpoint, url, methods in _urls(app, values):
        if ACCESS[endpoint] == PUBLIC:
            continue
        for method in methods:
            response = browser.get(url) if method == "GET" else browser.post(url, {}, form_url="/sign-in/code")
            assert response.status_code == 302, (endpoint, method)
            assert response.headers["Location"].startswith("/sign-in"), (endpoint, method)
    assert "Enter your code" in text(browser.get("/sign-in/code"))  # still waiting, nothing was let through


def test_a_wrong_code_is_refused_and_counts_toward_the_delay(app, make, browser):
    person = make.user(two_factor=True)
    secret = _user(app, person).totp_secret
    with time_machine.travel(NOW, tick=False) as clock:
        _password(browser, person)
        for _ in range(5):
            refused = _enter(browser, _wrong_code(secret))
            assert refused.status_code == 400
            assert "The code is not right, or it has been used already" in text(refused)
        assert _failures(app) == 5
        waiting = _enter(browser, _code(app, person))
        assert "There have been too many attempts to sign in. Wait 1 minute" in text(waiting)
        clock.shift(timedelta(seconds=1))
        # the right password again does not wipe the count of wrong codes, or guessing could go on for ever
        assert _password(browser, person).headers["Location"] == "/sign-in/code"
        assert _failures(app) == 5
        _enter(browser, _wrong_code(secret))
        clock.shift(timedelta(seconds=1))
        assert "too many attempts" in text(_enter(browser, _code(app, person))).lower()  # now 2 seconds
        clock.shift(timedelta(seconds=1))
        assert _enter(browser, _code(app, person)).headers["Location"] == "/"
        assert _failures(app) == 0


def test_a_code_cannot_be_used_twice(app, make):
    person = make.user(two_factor=True)
    laptop, thief = Browser(app.test_client()), Browser(app.test_client())
    with time_machine.travel(NOW, tick=False):
        code = _code(app, person)
        _password(laptop, person)
        assert _enter(laptop, code).headers["Location"] == "/"
        _password(thief, person)
        replayed = _enter(thief, code)
        assert replayed.status_code == 400 and "it has been used already" in text(replayed)
        assert _enter(thief, _code(app, person, steps=-1)).status_code == 400  # nor an older one
        assert thief.get("/").status_code == 302


def test_a_code_one_step_old_is_accepted_but_not_two(app, make):
    person = make.user(two_factor=True)
    with time_machine.travel(NOW, tick=False):
        slow_phone = Browser(app.test_client())
        _password(slow_phone, person)
        assert _enter(slow_phone, _code(app, person, steps=-2)).status_code == 400
        assert _enter(slow_phone, _code(app, person, steps=-1)).headers["Location"] == "/"
        fast_phone = Browser(app.test_client())
        _password(fast_phone, person)
        assert _enter(fast_phone, _code(app, person, steps=1)).headers["Location"] == "/"


def test_a_recovery_code_works_once(app, make, as_user):
    person = make.user(name="Jo Bloggs")
    codes = as_user(person).set_up_two_factor()
    first = Browser(app.test_client())
    _password(first, person)
    typed = f"  {codes[0].upper()} "  # as read from paper: capitals and stray spaces are fine
    assert _enter(first, typed).headers["Location"] == "/"
    assert "9 of 10 unused" in text(first.get("/account/two-factor"))
    second = Browser(app.test_client())
    _password(second, person)
    assert "it has been used already" in text(_enter(second, codes[0]))
    assert _enter(second, codes[1]).headers["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones_and_are_audited(app, make, as_user):
    person = make.user()
    browser = as_user(person)
    old = browser.set_up_two_factor()
    shown = browser.post("/account/two-factor/recovery-codes", {}, form_url="/account/two-factor")
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = Browser(app.test_client())
    _password(other, person)
    assert _enter(other, old[0]).status_code == 400
    assert _enter(other, new[0]).headers["Location"] == "/"
    [*_, entry] = _entries(app, person)
    assert entry.user_id == person.id and entry.note.startswith("Recovery codes replaced")


def test_an_agency_lead_is_not_made_to_but_can_choose_it_and_turn_it_off(app, make, browser):
    p = make.partnership()
    lead = make.member(p, "agency_lead", agency=make.agency(p))
    assert _password(browser, lead).headers["Location"] == "/"
    assert "Two-factor sign-in" in text(browser.get("/account/preferences"))
    assert "Set up two-factor sign-in" in text(browser.get("/account/two-factor"))
    page = browser.get("/account/two-factor/set-up")
    assert "Your role" not in text(page) and "someone who learns your password" in text(page)
    browser.set_up_two_factor()
    browser.post("/sign-out", form_url="/")
    assert _password(browser, lead).headers["Location"] == "/sign-in/code"
    assert _enter(browser, _code(app, lead, steps=1)).headers["Location"] == "/"
    overview = text(browser.get("/account/two-factor"))
    assert "Turn off two-factor sign-in" in overview
    assert "Turn off two-factor sign-in?" in text(browser.get("/account/two-factor/turn-off"))
    done = browser.post("/account/two-factor/turn-off", {})
    assert done.headers["Location"] == "/account/two-factor"
    assert "Two-factor sign-in is off" in text(browser.get("/account/two-factor"))
    assert not _user(app, lead).has_two_factor
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    [*_, entry] = _entries(app, lead)
    assert entry.note == "Two-factor sign-in turned off by its owner"
    browser.post("/sign-out", form_url="/")
    assert _password(browser, lead).headers["Location"] == "/"


def test_a_coordinator_cannot_turn_it_off(app, make, as_user):
    coordinator = make.member(make.partnership(), "coordinator")
    browser = as_user(coordinator)
    overview = text(browser.get("/account/two-factor"))
    assert "Your role needs two-factor sign-in, so it cannot be turned off" in overview
    assert "Turn off two-factor sign-in" not in overview
    assert browser.get("/account/two-factor/turn-off").headers["Location"] == "/account/two-factor"
    refused = browser.post("/account/two-factor/turn-off", {}, form_url="/account/two-factor")
    assert refused.headers["Location"] == "/account/two-factor"
    assert "cannot be turned off" in text(browser.get("/account/two-factor"))
    assert _user(app, coordinator).has_two_factor


def test_an_administrator_resets_a_persons_second_factor(app, make, as_user):
    p = make.partnership()
    administrator = make.user(name="Ada Admin", is_administrator=True)
    coordinator = make.member(p, "coordinator", name="Cat Coordinator")
    away = as_user(coordinator)
    admin = as_user(administrator)
    people = admin.get("/admin/people").get_data(as_text=True)
    assert f'href="/admin/people/{coordinator.id}/two-factor"' in people
    assert f'href="/admin/people/{administrator.id}/two-factor"' not in people  # not their own
    confirm = admin.get(f"/admin/people/{coordinator.id}/two-factor")
    assert "Reset Cat Coordinator’s second factor?" in text(confirm)
    done = admin.post(f"/admin/people/{coordinator.id}/two-factor", {})
    assert done.headers["Location"] == "/admin/people"
    assert "Cat Coordinator's second factor has been reset" in text(admin.get("/admin/people"))

    assert away.get("/").status_code == 302  # their sessions ended
    assert not _user(app, coordinator).has_two_factor
    [*_, entry] = _entries(app, coordinator)
    assert entry.user_id == administrator.id  # who did it
    assert entry.note == "Second factor reset by an administrator, Ada Admin"
    assert entry.changes["totp_secret"] == ["(changed, not shown)", None]
    assert entry.changes["totp_enabled_at"][1] is None

    again = Browser(app.test_client())
    assert _password(again, coordinator).headers["Location"] == "/account/two-factor/set-up"  # no code asked
    assert again.get("/").headers["Location"] == "/account/two-factor/set-up"
    own = admin.get(f"/admin/people/{administrator.id}/two-factor")
    assert own.headers["Location"] == "/admin/people"
    assert "You cannot reset your own second factor" in text(admin.get("/admin/people"))


def test_the_wait_for_the_code_lapses_after_five_minutes(app, make, browser):
    person = make.user(two_factor=True)
    with time_machine.travel(NOW, tick=False) as clock:
        _password(browser, person)
        clock.shift(timedelta(minutes=5, seconds=1))
        lapsed = browser.post("/sign-in/code", {"code": _code(app, person)}, form_url="/sign-in")
        assert lapsed.headers["Location"] == "/sign-in"
        assert "More than 5 minutes passed before the code was entered" in text(browser.get("/sign-in"))
        assert browser.get("/").headers["Location"] == "/sign-in?next=/"
        assert browser.get("/sign-in/code").headers["Location"] == "/sign-in"
