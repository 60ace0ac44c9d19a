"""A national recommendation's whole loop in Chromium: the panel addresses it to the Home Office, the coordinator
sends it, the Home Office's contact answers in the tracker, the partnership assesses the answer, the national
observer finds it in the register, and once the review is published the public reads it as open data. Each page is
checked with axe and at 320 px, and saved as a screenshot."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, fill_date, sign_in, sign_out
from tracker.actions.state import london_today

TEXT = "The Home Office should fund a national helpline for the employers of victims of domestic abuse."


def test_a_national_recommendation_goes_round_the_loop_and_into_the_open(
        demo, live_server, page, screenshot, assert_accessible, assert_reflows):
    today = london_today()
    review = f"{live_server}/reviews/{demo['review']}"

    def check(name):
        screenshot(name)
        assert_accessible()
        assert_reflows(name)

    # the panel's chair records the recommendation, choosing the body from the instance's list
    sign_in(page, live_server, "panel.chair@demo.example", DEMO_PASSWORD)
    page.goto(f"{review}/recommendations/new")
    page.get_by_label("Number").fill("N2")
    page.get_by_label("Recommendation", exact=True).fill(TEXT)
    page.get_by_label("National").check()
    page.get_by_label("Home Office").check()
    check("national-recommendation-form")
    page.get_by_role("button", name="Save recommendation").click()
    expect(page.get_by_text("The recommendation has been saved.")).to_be_visible()
    sign_out(page)

    # the coordinator sends it before publication, choosing what the Home Office may read until then
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(review)
    page.get_by_role("link", name="Send recommendations to bodies").click()
    check("national-send-several")
    page.get_by_role("link", name="Recommendation N2 to Home Office").click()
    page.get_by_role("button", name="Send recommendation").click()
    expect(page.get_by_role("link", name="Enter what the body may read before the review is published")) \
        .to_be_visible()
    check("national-send-error")
    page.get_by_label("What the body may read before publication").fill(TEXT)
    page.get_by_role("button", name="Send recommendation").click()
    expect(page.get_by_text("Recommendation N2 has been sent to Home Office.")).to_be_visible()
    expect(page.get_by_text("Open: response awaited")).to_be_visible()
    expect(page.get_by_text("Jo Whitfield")).to_be_visible()
    check("national-loop-sent")
    sign_out(page)

    # the Home Office's contact reads only what was shared, answers, plans and reports progress
    sign_in(page, live_server, "respondent@demo.example", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Recommendations to Home Office")).to_be_visible()
    page.get_by_role("link", name=re.compile("awaiting your answer")).click()
    expect(page.get_by_text("Review not yet published").first).to_be_visible()
    check("national-respondent-inbox")
    page.get_by_role("link", name="Recommendation N2").click()
    expect(page.get_by_text(TEXT)).to_be_visible()
    expect(page.get_by_text("Adult A")).to_have_count(0)
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_role("link", name=re.compile("^Choose whether the recommendation is accepted"))).to_be_visible()
    check("national-respondent-answer-error")
    page.get_by_label("Accepted in part").check()
    page.get_by_label("Reasons").fill("We will fund a pilot helpline in two regions, then decide on a national one.")
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Your answer has been recorded.")).to_be_visible()
    page.get_by_label("Planned action").fill("Commission a pilot helpline in two regions")
    fill_date(page, "To be delivered by", today + timedelta(days=180))
    page.get_by_role("button", name="Add planned action").click()
    page.get_by_label("Progress", exact=True).fill("Pilot regions chosen.")
    page.get_by_role("button", name="Add progress").click()
    expect(page.get_by_text("Pilot regions chosen.")).to_be_visible()
    check("national-respondent-answered")
    sign_out(page)

    # the coordinator sees the answer at once, assesses it, publishes the review and takes part in open data
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(review)
    expect(page.get_by_text("Response received, not yet assessed")).to_be_visible()
    page.get_by_role("link", name="Home Office").last.click()
    page.get_by_role("link", name="Assess").click()
    page.get_by_label("Open: acceptable response").check()
    page.get_by_label("Reason").fill("A pilot is a fair first step; we will look again when it reports.")
    check("national-assess")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("The assessment has been recorded.")).to_be_visible()
    check("national-loop-assessed")
    page.goto(f"{review}/publish")
    page.get_by_role("button", name="Publish the review").click()
    page.goto(f"{live_server}/partnerships/{demo['p']}/open-data")
    check("national-open-data-choice")
    page.get_by_role("radio", name=re.compile("^Yes")).check()
    page.get_by_role("button", name="Save").click()
    sign_out(page)

    # the national observer finds it in the register
    sign_in(page, live_server, "observer@demo.example", DEMO_PASSWORD)
    page.get_by_role("link", name="national register", exact=True).click()
    expect(page.get_by_role("cell", name="Open: acceptable response")).to_be_visible()
    check("national-register")
    page.get_by_role("link", name="See every recommendation").click()
    check("national-register-list")
    page.get_by_role("link", name="Recommendation N2").click()
    expect(page.get_by_text("Commission a pilot helpline in two regions")).to_be_visible()
    check("national-register-recommendation")
    sign_out(page)

    # and the public reads it, without signing in
    page.goto(f"{live_server}/open-data")
    check("open-data")
    page.get_by_role("link", name="Home Office").click()
    check("open-data-body")
    page.get_by_role("link", name="Recommendation N2").click()
    expect(page.get_by_text(TEXT)).to_be_visible()
    expect(page.get_by_text("Accepted in part")).to_be_visible()
    expect(page.get_by_text("Adult A")).to_have_count(0)
    check("open-data-recommendation")
