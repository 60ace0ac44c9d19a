"""A coordinator moves a published Home Office plan in through Chromium: an unrecognised column is mapped, the
preview lists what would happen and the names to decide, and nothing is saved until the import is confirmed."""
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tests.plans import files


def test_a_coordinator_maps_previews_decides_and_imports(app, make, live_server, page, screenshot,
                                                         assert_accessible, tmp_path):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    make.agency(p, name="Metropolitan Police Service")
    make.agency(p, name="MK Housing", sector="housing")
    make.member(p, "coordinator", name="Cara Coordinator", email="coordinator@example.org")
    review = make.review(p, reference="DHR 2016-03", pseudonyms="Adult B")
    header = files.HOME_OFFICE_HEADER + ["Comments from the Community Safety Partnership"]
    path = tmp_path / "published-plan.xlsx"
    path.write_bytes(files.xlsx([row + ["Reviewed at the CSP board"] for row in files.HOME_OFFICE_ROWS],
                                header=header))

    sign_in(page, live_server, "coordinator@example.org", PASSWORD)
    page.goto(f"{live_server}/reviews/{review.id}")
    page.get_by_role("link", name="Import an action plan").click()
    page.get_by_label("Action plan file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Choose what each column holds")).to_be_visible()
    screenshot("plan-import-columns")
    assert_accessible()
    page.get_by_label("Comments from the Community Safety Partnership").select_option("ignore")
    page.get_by_role("button", name="Continue to the preview").click()

    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_text("4 names are not agencies of the partnership yet")).to_be_visible()
    screenshot("plan-import-preview-undecided")
    assert_accessible()
    page.get_by_label("MPS").select_option(label="Metropolitan Police Service")
    page.get_by_label("Health", exact=True).select_option(label="New agency: Health")
    page.get_by_label("Children's Services").select_option(label="New agency: Children's services")
    page.get_by_label("Home Office").select_option(label="A body outside the partnership")
    page.get_by_role("button", name="Check again with these choices").click()
    expect(page.get_by_text("3 new recommendations, 3 new actions")).to_be_visible()
    screenshot("plan-import-preview-ready")
    assert_accessible()
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_text("Imported 3 new recommendations, 3 new actions, 2 new agencies.")).to_be_visible()
    expect(page.get_by_role("link", name="Publish a protocol for sharing MARAC outcomes with GPs")).to_be_visible()
    expect(page.get_by_text("October 2016", exact=True)).to_be_visible()
    screenshot("plan-import-done")
    assert_accessible()
