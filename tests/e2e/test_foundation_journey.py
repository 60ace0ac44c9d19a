"""A coordinator signs in to the demo partnership in Chromium and sees its agencies."""
from playwright.sync_api import expect

from tests.e2e.conftest import finish_sign_in, sign_in
from tracker.audit.services import acting_as
from tracker.demo import AGENCIES, load_demo

PASSWORD = "demo-password-for-browser"


def _load_demo(app):
    with app.app_context(), acting_as(None):
        load_demo(PASSWORD)


def test_demo_coordinator_signs_in_and_sees_the_agencies(app, live_server, page, screenshot, assert_accessible):
    _load_demo(app)
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/sign-in?next=/")
    screenshot("sign-in")
    assert_accessible()
    page.get_by_label("Email address").fill("coordinator@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    finish_sign_in(page, live_server, "coordinator@demo.example")  # a coordinator sets up two-factor sign-in
    expect(page.get_by_role("heading", name="Welcome, Priya Shah")).to_be_visible()
    screenshot("home-coordinator")
    assert_accessible()
    page.get_by_role("link", name="Milton Keynes Domestic Abuse Partnership").click()
    table = page.get_by_role("table")
    for name, _sector in AGENCIES:
        expect(table.get_by_role("cell", name=name, exact=True)).to_be_visible()
    screenshot("partnership")
    assert_accessible()
    page.get_by_role("link", name="People and roles").click()
    expect(page.get_by_role("cell", name="Tom Reid")).to_be_visible()
    screenshot("people")
    assert_accessible()


def test_errors_are_summarised_and_focus_moves_to_them(app, live_server, page, screenshot, assert_accessible):
    _load_demo(app)
    page.goto(live_server + "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    # GOV.UK Frontend moves focus to the error summary, whose content is announced as an alert
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(summary).to_contain_text("Enter your email address")
    summary.get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()
    screenshot("sign-in-errors")
    assert_accessible()


def test_skip_link_is_the_first_stop_for_keyboard_users(app, live_server, page):
    page.goto(live_server + "/sign-in")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


def test_coordinator_adds_an_agency_and_a_person(app, live_server, page, screenshot, assert_accessible):
    _load_demo(app)
    sign_in(page, live_server, "coordinator@demo.example", PASSWORD)
    page.get_by_role("link", name="Milton Keynes Domestic Abuse Partnership").click()
    page.get_by_role("link", name="Add an agency").click()
    page.get_by_label("Agency name").fill("Victim Support")
    page.get_by_label("Sector").select_option(label="Specialist domestic abuse service")
    page.get_by_role("button", name="Save agency").click()
    expect(page.get_by_text("Victim Support has been saved.")).to_be_visible()
    page.get_by_role("link", name="People and roles").click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("button", name="Add person").click()
    screenshot("invite-errors")
    assert_accessible()
    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_label("Email address").fill("jo.bloggs@example.org")
    page.get_by_label("Agency lead").check()
    page.get_by_label("Agency", exact=True).select_option(label="Victim Support")
    screenshot("invite")
    assert_accessible()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("We have sent an invitation to jo.bloggs@example.org.")).to_be_visible()
    waiting = page.get_by_role("table", name="Invitations waiting")
    expect(waiting.get_by_role("cell", name="Agency lead (Victim Support)", exact=True)).to_be_visible()
    screenshot("invitation-sent")
    assert_accessible()
