"""The demo coordinator works through the demo review's requests to agencies and its Home Office quality assurance
in Chromium. The every-page tours check the pages as the demo has them; here, with axe and at 320 px, the
states only this journey reaches: errors, feedback, a resubmission."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, fill_date, sign_in
from tracker.actions.state import london_today


def test_the_coordinator_asks_agencies_chases_and_records_the_home_offices_answers(
        demo, live_server, page, screenshot, assert_accessible, assert_reflows):
    today = london_today()
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    review = f"{live_server}/reviews/{demo['review']}"

    page.goto(review)
    expect(page.get_by_role("heading", name="Requests to agencies")).to_be_visible()
    expect(page.get_by_text("Overdue by 10 days")).to_be_visible()
    page.get_by_role("link", name="Ask agencies and record their replies").click()
    expect(page.get_by_role("heading", name="Requests to agencies", level=1)).to_be_visible()
    expect(page.get_by_text("Chased 1 time, last on")).to_be_visible()

    # two agencies asked at once; the due date before the date sent is refused beside the field
    page.get_by_label("Individual Management Review").check()
    page.get_by_label("Probation Service, Thames Valley").check()
    page.get_by_label("Thames Valley Police").check()
    fill_date(page, "Due by", today - timedelta(days=1))
    page.get_by_role("button", name="Record the requests").click()
    expect(page.get_by_role("link", name="The due date cannot be before the date the request was sent")).to_be_visible()
    screenshot("agency-requests-error")
    assert_accessible()
    fill_date(page, "Due by", today + timedelta(days=28))
    page.get_by_role("button", name="Record the requests").click()
    expect(page.get_by_text("The requests have been recorded.")).to_be_visible()
    expect(page.get_by_text("Due in 28 days")).to_have_count(2)

    page.get_by_role("link", name=re.compile(
        r"^Chased\W+Individual Management Review from Milton Keynes City Council Housing")).click()
    page.get_by_label("How it was chased").fill("Emailed the head of housing")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Chased 2 times, last on")).to_be_visible()

    page.get_by_role("link", name=re.compile(
        r"^Withdraw\W+Individual Management Review from Probation Service, Thames Valley")).click()
    expect(page.get_by_role("heading", name=re.compile("^Withdraw the request"))).to_be_visible()
    page.get_by_role("button", name="Withdraw the request").click()
    expect(page.get_by_text(re.compile("^Withdrawn on"))).to_be_visible()

    # the Home Office's quality assurance: a submission, feedback asking for changes, a resubmission
    page.goto(f"{review}/quality-assurance")
    expect(page.get_by_text("The report has not been submitted to the Home Office yet.")).to_be_visible()
    fill_date(page, "Submitted on", today - timedelta(days=40))
    page.get_by_role("button", name="Record the submission").click()
    expect(page.get_by_text("The submission has been recorded.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Record feedback\W+on Submission 1")).click()
    fill_date(page, "Feedback received on", today - timedelta(days=12))
    page.get_by_label("What the Home Office said").fill(
        "The panel asks for more analysis of the GP practice's contact and a clearer action plan.")
    page.get_by_label("Resubmission requested").check()
    screenshot("quality-assurance-feedback")
    assert_accessible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The Home Office's feedback has been recorded.")).to_be_visible()
    fill_date(page, "Submitted on", today - timedelta(days=2))
    page.get_by_role("button", name="Record the resubmission").click()
    expect(page.get_by_role("heading", name="Resubmission 1")).to_be_visible()
    screenshot("quality-assurance")
    assert_accessible()
    assert_reflows("quality-assurance")

    page.goto(review)
    expect(page.get_by_text("Submitted for Home Office quality assurance")).to_be_visible()
    screenshot("review-with-requests-and-quality-assurance")
    assert_accessible()
