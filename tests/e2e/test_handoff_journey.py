"""One action's hand-offs in Chromium, with each person's email read from a real SMTP server: a closure claimed
and refused, a deadline move asked for and approved from the coordinator's queue, a sign-off from the strategic
chair's queue, and the action in the next meeting pack."""
import io
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import fill_date, sign_in, sign_out
from tests.factories import PASSWORD
from tracker.actions.state import london_today
from tracker.email import deliver_outbox

TITLE = "Train all response officers in recognising coercive control"


def _delivered(mail_app, smtp_server, address):
    with mail_app.app_context():
        deliver_outbox()
    return [m.get_body(("plain",)).get_content() for m in smtp_server.to(address)]


def test_one_action_through_every_hand_off(app, make, mail_app, mail_live_server, smtp_server, page, screenshot,
                                           assert_accessible):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    police = make.agency(p, name="Thames Valley Police")
    make.member(p, "coordinator", name="Priya Shah", email="priya@example.org")
    make.member(p, "agency_lead", agency=police, name="Tom Reid", email="tom@example.org")
    make.member(p, "strategic_member", name="Helen Marsh", email="helen@example.org", is_chair=True)
    deadline = london_today() + timedelta(days=20)
    moved = deadline + timedelta(days=45)
    live = mail_live_server

    # The coordinator records the action and a strategic group meeting
    sign_in(page, live, "priya@example.org", PASSWORD)
    page.goto(f"{live}/partnerships/{p.id}/actions/new")
    page.get_by_label("Action", exact=True).fill(TITLE)
    page.get_by_label("Lead agency").select_option(label="Thames Valley Police")
    page.get_by_label("Owner").select_option(label="Tom Reid (Thames Valley Police)")
    fill_date(page, "Deadline", deadline)
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("The action has been added.")).to_be_visible()
    action_url = page.url
    sign_out(page)

    # The agency lead claims the closure: the coordinator hears
    sign_in(page, live, "tom@example.org", PASSWORD)
    page.goto(action_url)
    page.get_by_role("link", name="Post a progress update").click()
    page.get_by_label("What has happened since the last update").fill("Training delivered")
    page.get_by_label("Completed, awaiting sign-off").check()
    page.get_by_label("What was delivered").fill("All 212 response officers trained")
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_text("Your update has been added")).to_be_visible()
    sign_out(page)
    [claimed] = _delivered(mail_app, smtp_server, "priya@example.org")
    assert f"{TITLE}: marked completed by Tom Reid, awaiting sign-off" in claimed

    # The strategic chair sees it in the queue and refuses the closure: the lead hears why
    sign_in(page, live, "helen@example.org", PASSWORD)
    expect(page.get_by_role("link", name="1 action to decide on: signed off or not")).to_be_visible()
    screenshot("handoff-chair-home-queue")
    assert_accessible()
    page.goto(action_url)
    page.get_by_role("link", name="Reopen").click()
    page.get_by_label("Reason").fill("The register does not show the night shifts")
    page.get_by_role("button", name="Reopen action").click()
    sign_out(page)
    refused = _delivered(mail_app, smtp_server, "tom@example.org")
    assert any("closure was refused by Helen Marsh: The register does not show the night shifts" in m
               for m in refused)

    # The lead asks for more time; the deadline stands until the coordinator approves
    sign_in(page, live, "tom@example.org", PASSWORD)
    page.goto(action_url)
    page.get_by_role("link", name="Move the deadline").click()
    fill_date(page, "New deadline", moved)
    page.get_by_label("Why the deadline is moving").fill("Night shifts are trained in the new year")
    page.get_by_role("button", name="Save deadline").click()
    expect(page.get_by_text("has been sent for approval")).to_be_visible()
    expect(page.get_by_text(f"Move to {moved:%-d %B %Y} requested")).to_be_visible()
    screenshot("handoff-move-requested")
    assert_accessible()
    sign_out(page)
    assert any(f"Tom Reid asks to move the deadline to {moved:%-d %B %Y}" in m
               for m in _delivered(mail_app, smtp_server, "priya@example.org"))

    sign_in(page, live, "priya@example.org", PASSWORD)
    page.get_by_role("link", name="1 deadline move to approve").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="approve or refuse").click()
    screenshot("handoff-decide-move")
    assert_accessible()
    page.get_by_label("Approve the new deadline").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(f"{moved:%-d %B %Y}", exact=True)).to_be_visible()
    page.goto(f"{live}/partnerships/{p.id}/meetings")
    meeting_day = london_today() + timedelta(days=30)
    fill_date(page, "Meeting date", meeting_day)
    page.get_by_role("button", name="Add meeting", exact=True).click()
    sign_out(page)
    assert any("was approved by Priya Shah" in m for m in _delivered(mail_app, smtp_server, "tom@example.org"))

    # Done again; the chair signs it off from the queue with the meeting's minute
    sign_in(page, live, "tom@example.org", PASSWORD)
    page.goto(action_url)
    page.get_by_role("link", name="Post a progress update").click()
    page.get_by_label("What has happened since the last update").fill("Night shifts trained too")
    page.get_by_label("Completed, awaiting sign-off").check()
    page.get_by_label("What was delivered").fill("All 212 officers, day and night shifts, trained")
    page.get_by_role("button", name="Post update").click()
    sign_out(page)
    sign_in(page, live, "helen@example.org", PASSWORD)
    page.get_by_role("link", name="1 action to decide on").click()
    page.get_by_label(f"Sign off {TITLE}").check()
    page.get_by_label("Meeting or minute reference").fill("Strategic group, minute 4")
    screenshot("handoff-sign-off-queue")
    assert_accessible()
    page.get_by_role("button", name="Sign off the chosen actions").click()
    expect(page.get_by_text("No action is awaiting sign-off.")).to_be_visible()
    pack = page.request.get(f"{live}/partnerships/{p.id}/reports/pack.pdf")
    words = " ".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pack.body())).pages)
    assert "Train all response officers" in " ".join(words.split())
    sign_out(page)
    assert any("signed off and closed by Helen Marsh (Strategic group, minute 4)" in m
               for m in _delivered(mail_app, smtp_server, "tom@example.org"))
