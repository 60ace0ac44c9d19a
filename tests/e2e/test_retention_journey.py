"""A coordinator archives a review in Chromium: the confirm page says what goes and what stays and asks why; the
archived review is tagged, anonymised, kept with its plan, and can no longer be changed."""
from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD


def test_a_coordinator_archives_and_anonymises_a_review(app, make, live_server, page, screenshot, assert_accessible):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    police = make.agency(p, name="Thames Valley Police")
    make.member(p, "coordinator", name="Cora Coordinator", email="coordinator@example.org")
    review = make.review(p, reference="DHR 2019-02", pseudonyms="Adult B", status="published",
                         published_on=date(2021, 3, 1), death_month=6, death_year=2018,
                         independent_chair="Ivy Chair", decision_on=date(2018, 9, 1), submitted_on=date(2019, 2, 1))
    recommendation = make.recommendation(review, number="1", agencies=[police],
                                         text="Police should tell Adult B's GP about MARAC referrals.")
    make.action(p, title="Publish the MARAC-to-GP protocol", lead_agency=police, status="closed",
                closed_on=date(2020, 1, 6), recommendation_id=recommendation.id, source="dhr")

    sign_in(page, live_server, "coordinator@example.org", PASSWORD)
    page.goto(f"{live_server}/reviews/{review.id}")
    page.get_by_role("link", name="Archive and anonymise").click()
    expect(page.get_by_role("heading", name="Archive and anonymise")).to_be_visible()
    expect(page.get_by_text("the pseudonym (Adult B): the review will be called ‘Archived review DHR 2019-02’")
           ).to_be_visible()
    expect(page.get_by_text("the month and year of death (June 2018)")).to_be_visible()
    screenshot("review-archive")
    assert_accessible()

    page.get_by_role("button", name="Archive and anonymise").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the review is being archived")
    expect(page.locator("#reason-error")).to_be_visible()
    assert_accessible()

    page.get_by_label("Reason for archiving").fill("The retention period agreed with the family has ended.")
    page.get_by_role("button", name="Archive and anonymise").click()
    expect(page.get_by_text("DHR 2019-02 is archived and its personal details have been anonymised.")).to_be_visible()
    expect(page.get_by_role("heading", name="DHR 2019-02 Archived")).to_be_visible()
    expect(page.get_by_text("by Cora Coordinator: The retention period agreed with the family has ended.")
           ).to_be_visible()
    expect(page.get_by_text("Archived review DHR 2019-02")).to_be_visible()
    expect(page.get_by_text("Police should tell (anonymised)'s GP about MARAC referrals.")).to_be_visible()
    expect(page.get_by_role("link", name="Publish the MARAC-to-GP protocol")).to_be_visible()
    expect(page.get_by_role("link", name="Edit details and stage")).to_have_count(0)
    expect(page.get_by_role("link", name="Archive and anonymise")).to_have_count(0)
    assert "Adult B" not in page.content()
    screenshot("review-archived")
    assert_accessible()

    page.goto(f"{live_server}/reviews/{review.id}/edit")
    expect(page.get_by_role("alert")).to_contain_text(
        "This review is archived: it is kept as it was and can no longer be changed.")
