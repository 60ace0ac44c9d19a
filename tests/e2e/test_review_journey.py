"""A panel chair records a review in Chromium: three recommendations, an imported action plan for two, the third
flagged for having no action; outsiders are refused until (and beyond) publication, members see it after."""
from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import fill_date, sign_in, sign_out
from tests.factories import PASSWORD
from tracker.plans.columns import EXPORTED


def add_recommendation(page, number, text, agency):
    page.get_by_role("link", name="Add a recommendation").click()
    page.get_by_label("Number").fill(number)
    page.get_by_label("Recommendation", exact=True).fill(text)
    page.get_by_label("Local").check()
    page.get_by_label(agency).check()
    page.get_by_label("Information sharing").check()
    page.get_by_role("button", name="Save recommendation").click()
    expect(page.get_by_text("The recommendation has been saved.")).to_be_visible()


def test_panel_chair_builds_a_plan_and_publication_opens_it(app, make, live_server, page, screenshot,
                                                            assert_accessible, tmp_path):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    make.agency(p, name="Thames Valley Police")
    make.agency(p, name="MK Housing", sector="housing")
    make.member(p, "panel_member", name="Ruth Chair", email="chair@example.org")
    make.member(p, "viewer", name="Vic Viewer", email="viewer@example.org")
    other = make.partnership(name="Luton")
    make.member(other, "agency_lead", agency=make.agency(other, name="Bedfordshire Police"),
                email="outsider@example.org")

    sign_in(page, live_server, "chair@example.org", PASSWORD)
    page.goto(f"{live_server}/partnerships/{p.id}/reviews")
    page.get_by_role("link", name="Start a review").click()
    page.get_by_label("Reference").fill("DHR 2026-04")
    page.get_by_label("Pseudonym of the victim").fill("Adult C")
    fill_date(page, "Date of the decision to review", date(2026, 9, 15))
    screenshot("review-new")
    assert_accessible()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("heading", name="DHR 2026-04")).to_be_visible()
    review_url = page.url

    add_recommendation(page, "1", "Police should share MARAC outcomes with GPs.", "Thames Valley Police")
    add_recommendation(page, "2", "Housing should ask about abuse at assessment.", "MK Housing")
    add_recommendation(page, "3", "Agencies should train staff on coercive control.", "MK Housing")
    screenshot("review-recommendations")
    assert_accessible()

    plan = tmp_path / "action-plan.csv"
    header = [f.header for f in EXPORTED if f.key in ("number", "text", "scope", "title", "lead_agency",
                                                        "milestones", "deadline")]
    plan.write_text(
        ",".join(header) + "\n"
        "1,Police should share MARAC outcomes with GPs.,Local,Publish a MARAC-to-GP protocol,"
        "Thames Valley Police,Draft by January,31/03/2027\n"
        "2,Housing should ask about abuse at assessment.,Local,Add routine enquiry to housing assessments,"
        "MK Housing,,30/06/2027\n")
    page.get_by_role("link", name="Import an action plan").click()
    assert_accessible()
    page.get_by_label("Action plan file").set_input_files(str(plan))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_text("0 new recommendations, 2 new actions")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported 2 new actions.")).to_be_visible()
    flagged = page.get_by_role("region", name="Recommendations without actions")
    expect(flagged).to_contain_text("1 recommendation without any action")
    expect(flagged).to_contain_text("Recommendation 3 has no action yet")
    expect(page.get_by_role("link", name="Publish a MARAC-to-GP protocol")).to_be_visible()
    screenshot("review-plan")
    assert_accessible()
    sign_out(page)

    sign_in(page, live_server, "outsider@example.org", PASSWORD)
    assert page.goto(review_url).status == 403
    sign_out(page)

    sign_in(page, live_server, "viewer@example.org", PASSWORD)
    assert page.goto(review_url).status == 403  # not yet published
    sign_out(page)

    sign_in(page, live_server, "chair@example.org", PASSWORD)
    page.goto(review_url)
    page.get_by_role("link", name="Publish the review").click()
    expect(page.get_by_text("1 viewer")).to_be_visible()
    screenshot("review-publish")
    assert_accessible()
    fill_date(page, "Date published", date(2026, 11, 20))
    page.get_by_role("button", name="Publish the review").click()
    expect(page.get_by_text("Published, 20 November 2026")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, "viewer@example.org", PASSWORD)
    assert page.goto(review_url).status == 200
    expect(page.get_by_role("heading", name="DHR 2026-04")).to_be_visible()
    screenshot("review-published-viewer")
    sign_out(page)

    sign_in(page, live_server, "outsider@example.org", PASSWORD)
    assert page.goto(review_url).status == 403
