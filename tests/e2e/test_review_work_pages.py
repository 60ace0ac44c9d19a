"""The demo coordinator in Chromium on the review's work: the review page with its panel, terms of reference, cost,
family summary and neutral timeliness; the panel page with each member's agency, role and expertise; the family
page and its form. The every-page tours check these pages with axe and at 320 px; here, the form's errors."""
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, sign_in


def test_the_demo_coordinator_sees_the_review_s_work(live_server, page, demo, screenshot, assert_accessible,
                                                      assert_reflows):
    review = f"{live_server}/reviews/{demo['review']}"
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)

    page.goto(review)
    expect(page.get_by_text("Target: 2 December 2025; agreed extension to 30 June 2026: Awaiting the outcome of "
                            "the criminal trial")).to_be_visible()
    expect(page.get_by_text("Estimated: £9,500.00")).to_be_visible()
    expect(page.get_by_text("3 people contacted")).to_be_visible()
    expect(page.get_by_text("The review will look at the contact each agency had with Adult A")).to_be_visible()
    expect(page.get_by_text("No one on the panel is marked as a domestic abuse specialist")).to_have_count(0)

    page.get_by_role("link", name="Panel", exact=True).click()
    expect(page.get_by_role("cell", name="Domestic abuse specialist Chaired reviews in three other areas")
           ).to_be_visible()
    expect(page.get_by_role("cell", name="Thames Valley Police")).to_be_visible()

    page.get_by_role("link", name="Edit Tom Reid").click()
    page.get_by_label("Other expertise").fill("Domestic abuse investigations and MARAC")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tom Reid's details have been saved.")).to_be_visible()

    page.goto(f"{review}/family")
    expect(page.get_by_role("heading", name="Sister: Adult A's older sister")).to_be_visible()

    page.get_by_role("link", name="Add a contact").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter their relationship to the victim")
    screenshot("review-work-family-contact-errors")
    assert_accessible()
    assert_reflows("review-work-family-contact")
    page.get_by_label("Relationship to the victim").fill("Neighbour")
    page.get_by_label("Name or description").fill("The neighbour who called the police")
    page.get_by_label("Phone").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Neighbour: The neighbour who called the police")).to_be_visible()

    page.get_by_role("link", name="Remove Neighbour: The neighbour who called the police").click()
    page.get_by_role("button", name="Remove the contact").click()
    expect(page.get_by_text("The family contact has been removed.")).to_be_visible()

    page.goto(f"{review}/terms")
    expect(page.get_by_label("Terms of reference")).to_have_value(
        "The review will look at the contact each agency had with Adult A and the perpetrator from January 2022 "
        "until Adult A's death in April 2025: whether the risk was recognised and shared, whether the MARAC's "
        "decisions reached the GP and housing, and whether Adult A knew of and could reach the specialist "
        "domestic abuse service.\nAdult A's family and friends will be offered the chance to contribute from the "
        "start, with specialist advocacy, and to read the report before it is published.")

    page.goto(f"{review}/not-reviewed")
