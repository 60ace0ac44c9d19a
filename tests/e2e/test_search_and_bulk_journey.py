"""Everyday work in Chromium: finding a record by a word from the header's search box, and changing several actions
at once from the action list. Each page is checked by axe, for reflow at 320 px, and saved as a screenshot."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, sign_in


def _check(page, screenshot, assert_accessible, assert_reflows, name):
    screenshot(name)
    assert_accessible()
    assert_reflows(name)


def test_a_word_in_the_header_search_finds_the_action_with_the_word_marked(
        demo, live_server, page, screenshot, assert_accessible, assert_reflows):
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.get_by_role("search").first.get_by_label(re.compile("^Search actions")).fill("protocol")
    page.get_by_role("search").first.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("for ‘protocol’")
    found = page.get_by_role("link", name=re.compile("Publish a protocol"))
    expect(found).to_be_visible()
    expect(page.locator(".app-search-result mark").first).to_have_text(re.compile("^protocol", re.I))
    _check(page, screenshot, assert_accessible, assert_reflows, "search-results")

    found.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish a protocol")

    page.get_by_role("search").first.get_by_label(re.compile("^Search actions")).fill("zebra crossing")
    page.get_by_role("search").first.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No results for ‘zebra crossing’")).to_be_visible()
    _check(page, screenshot, assert_accessible, assert_reflows, "search-no-results")


def test_two_ticked_actions_get_the_same_progress_note_and_the_summary_says_so(
        demo, live_server, page, screenshot, assert_accessible, assert_reflows):
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/partnerships/{demo['p']}/actions")
    boxes = page.get_by_label(re.compile("^Choose "))
    titles = [re.sub("^Choose ", "", boxes.nth(n).get_attribute("aria-label") or
                     page.locator(f"label[for='{boxes.nth(n).get_attribute('id')}']").inner_text())
              for n in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    _check(page, screenshot, assert_accessible, assert_reflows, "bulk-list-ticked")
    page.get_by_role("button", name="Change the chosen actions").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Change 2 actions")
    _check(page, screenshot, assert_accessible, assert_reflows, "bulk-kind")
    page.get_by_role("button", name="Continue").click()  # nothing chosen: the error is beside the question
    expect(page.get_by_role("alert")).to_contain_text("Choose what to change")
    assert page.title().startswith("Error:")
    page.get_by_label("Progress note").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Progress note").fill("Discussed at the delivery group on Tuesday")
    _check(page, screenshot, assert_accessible, assert_reflows, "bulk-value")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the change")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Will change 2")
    _check(page, screenshot, assert_accessible, assert_reflows, "bulk-check")
    page.get_by_role("button", name=re.compile("^(Make|Change|Confirm|Apply)")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("What changed")
    expect(page.get_by_role("heading", name="Changed: 2")).to_be_visible()
    _check(page, screenshot, assert_accessible, assert_reflows, "bulk-done")
    for title in titles:
        page.goto(f"{live_server}/partnerships/{demo['p']}/actions")
        page.get_by_role("link", name=title.strip(), exact=True).first.click()
        expect(page.locator(".app-timeline")).to_contain_text("Discussed at the delivery group on Tuesday")
