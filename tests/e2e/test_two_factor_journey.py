"""A coordinator in Chromium is made to set up two-factor sign-in: types the key shown into an authenticator
(pyotp here), keeps the recovery codes, signs out, and signs in again with the password and a code."""
import re
import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import sign_out
from tests.factories import PASSWORD


def _password(page, live_server):
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("priya@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_coordinator_sets_up_two_factor_sign_in_and_signs_in_with_a_code(make, live_server, page, screenshot,
                                                                           assert_accessible):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    make.member(p, "coordinator", name="Priya Shah", email="priya@example.org", two_factor=False)

    _password(page, live_server)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    page.goto(live_server + f"/partnerships/{p.id}")  # nothing else opens until it is set up
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code that adds the action tracker to an authenticator app")).to_be_visible()
    screenshot("two-factor-set-up")
    assert_accessible()

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill("12345")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6 digits the app shows")
    expect(page.locator("#totp-secret")).to_have_text(re.compile(secret[:4]))  # the same key, still
    assert_accessible()
    page.get_by_label("Code from the app").fill(app.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("main ol code").all_inner_texts()
    assert len(set(codes)) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", code) for code in codes)
    screenshot("two-factor-recovery-codes")
    assert_accessible()
    page.get_by_role("link", name="I have kept my codes safe: continue").click()
    expect(page.get_by_role("heading", name="Welcome, Priya Shah")).to_be_visible()
    sign_out(page)

    _password(page, live_server)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    screenshot("two-factor-code")
    assert_accessible()
    # the code used to set it up cannot be used again: the app's next one can (one step of drift is allowed)
    page.get_by_label("Code").fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Welcome, Priya Shah")).to_be_visible()

    page.get_by_role("link", name=re.compile("your account")).click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_text("10 of 10 unused")).to_be_visible()
    expect(page.get_by_text("Your role needs two-factor sign-in, so it cannot be turned off.")).to_be_visible()
    screenshot("two-factor")
    assert_accessible()
