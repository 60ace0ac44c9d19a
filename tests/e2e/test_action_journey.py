"""The life of an action in Chromium: a coordinator records it, the SMART check flags a gap, the agency lead
reports progress with evidence, a strategic group member signs it off; each step shows in the timeline."""
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import fill_date, sign_in, sign_out
from tests.factories import PASSWORD
from tracker.actions.state import london_today


def test_an_action_from_plan_to_sign_off(app, make, live_server, page, screenshot, assert_accessible, tmp_path):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    police = make.agency(p, name="Thames Valley Police")
    make.member(p, "coordinator", name="Priya Shah", email="priya@example.org")
    make.member(p, "agency_lead", agency=police, name="Tom Reid", email="tom@example.org")
    make.member(p, "strategic_member", name="Helen Marsh", email="helen@example.org", is_chair=True)
    deadline = london_today() + timedelta(days=120)

    # The coordinator records the action, without a measure: the SMART check says so
    sign_in(page, live_server, "priya@example.org", PASSWORD)
    page.goto(f"{live_server}/partnerships/{p.id}/actions")
    expect(page.get_by_text("No actions have been recorded yet")).to_be_visible()
    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("Action", exact=True).fill("Train all response officers in recognising coercive control")
    page.get_by_label("Outcome sought").fill("Officers identify coercive control at first response")
    page.get_by_label("Lead agency").select_option(label="Thames Valley Police")
    page.get_by_label("Owner").select_option(label="Tom Reid (Thames Valley Police)")
    fill_date(page, "Deadline", deadline)
    page.get_by_label("Staff time").fill("Two days of the training team's time")
    page.get_by_role("button", name="Check against SMART").click()
    expect(page.get_by_text("Measurable: needs attention.")).to_be_visible()
    screenshot("action-new-smart-check")
    assert_accessible()
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("The action has been added.")).to_be_visible()
    expect(page.get_by_text("1 of 5 letters needs attention")).to_be_visible()
    expect(page.get_by_role("heading", name="Action created")).to_be_visible()
    action_url = page.url
    screenshot("action-show-new")
    assert_accessible()
    sign_out(page)

    # The agency lead reports it done, with the training register as evidence
    sign_in(page, live_server, "tom@example.org", PASSWORD)
    page.get_by_role("link", name="My actions").click()
    page.get_by_role("link", name="Train all response officers in recognising coercive control").click()
    page.get_by_role("link", name="Post a progress update").click()
    page.get_by_label("What has happened since the last update").fill("All 212 response officers trained")
    page.get_by_label("Completed, awaiting sign-off").check()
    page.get_by_label("On track (green)").check()
    register = tmp_path / "training-register.csv"
    register.write_text("officer,date\nPC 101,2027-01-10\n")
    page.get_by_label("Evidence file").set_input_files(str(register))
    screenshot("action-update")
    assert_accessible()
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_text("Your update has been added to the action's timeline.")).to_be_visible()
    expect(page.get_by_role("link", name="training-register.csv")).to_be_visible()
    expect(page.get_by_role("link", name="Sign off and close")).to_have_count(0)
    sign_out(page)

    # The strategic group chair signs it off
    sign_in(page, live_server, "helen@example.org", PASSWORD)
    page.goto(action_url)
    page.get_by_role("link", name="Sign off and close").click()
    page.get_by_label("Implemented as planned").check()
    page.get_by_label("Meeting or minute reference").fill("Strategic group, minute 7")
    screenshot("action-sign-off")
    assert_accessible()
    page.get_by_role("button", name="Sign off and close the action").click()
    expect(page.get_by_text("The action has been signed off and closed.")).to_be_visible()
    timeline = page.locator(".app-timeline")
    expect(timeline.get_by_role("heading", name="Signed off: Strategic group, minute 7")).to_be_visible()
    expect(timeline.get_by_role("heading", name="Progress update: Completed, awaiting sign-off")).to_be_visible()
    expect(timeline.get_by_text("All 212 response officers trained")).to_be_visible()
    expect(timeline.get_by_role("heading", name="Action created")).to_be_visible()
    expect(page.get_by_text("Tom Reid", exact=False).first).to_be_visible()
    screenshot("action-show-closed")
    assert_accessible()
