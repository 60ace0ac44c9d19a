"""The demo coordinator in Chromium on an action that answers several things: its page (what else it answers,
survivor involvement, groups served, milestones), its edit form, the milestones page (one past its date turning
the action amber), and the page that turns an "all agencies" recommendation into one action per agency. The
every-page tours check these pages with axe and at 320 px; here, the states they do not reach (a form
opened up, errors)."""
import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, sign_in
from tracker.actions.models import Action
from tracker.extensions import db


def test_the_demo_coordinator_on_action_pages(app, live_server, page, demo, screenshot, assert_accessible,
                                              assert_reflows):
    with app.app_context():
        strategy = db.session.scalar(sa.select(Action.id).where(Action.title.like("Publish a domestic abuse%")))
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)

    page.goto(f"{live_server}/actions/{demo['action']}")
    expect(page.get_by_text("DHR 2025-01, recommendation 3")).to_be_visible()
    expect(page.get_by_text("Survivor involvement")).to_be_visible()

    page.goto(f"{live_server}/actions/{demo['action']}/edit")
    page.get_by_text("What else this action answers").click()
    expect(page.get_by_label("DHR 2025-01, recommendation 3", exact=False)).to_be_checked()
    page.get_by_label("Disability").check()
    page.get_by_label("Survivor involvement").fill("Course designed with MK Act's survivors' forum")
    screenshot("action-edit-answers-and-groups")
    assert_accessible()
    assert_reflows("action-edit-answers-and-groups")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("The action has been saved.")).to_be_visible()
    expect(page.get_by_text("Course designed with MK Act's survivors' forum", exact=True)).to_be_visible()

    page.goto(f"{live_server}/actions/{strategy}")
    expect(page.get_by_text("A milestone is past its date and not done")).to_be_visible()
    page.get_by_role("link", name="Add or mark milestones").click()
    expect(page.get_by_text("Past its date", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Mark done\s*: Hear survivors")).click()
    expect(page.get_by_text("‘Hear survivors through MK Act's forum’ is marked done.")).to_be_visible()
    page.get_by_role("button", name="Add milestone").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the milestone")
    screenshot("action-milestones-errors")
    assert_accessible()
    page.get_by_role("link", name=re.compile(r"^Remove\s*: Sign-off by the Community")).click()

    page.goto(f"{live_server}/recommendations/{demo['recommendation']}/actions/per-agency")
    expect(page.get_by_role("row", name="Milton Keynes City Council Housing")).to_contain_text("Train front-line staff")
    expect(page.get_by_role("row", name="MK Act")).to_contain_text("None yet")
    page.get_by_role("button", name="Add the actions").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the action: what will be done")
    page.get_by_label("Action", exact=True).fill("Train every outreach worker in coercive control")
    page.get_by_role("button", name="Add the actions").click()
    expect(page.get_by_text("1 action added, one for each agency chosen.")).to_be_visible()

    page.goto(f"{live_server}/recommendations/{demo['recommendation']}/edit")
    expect(page.get_by_role("row", name="MK Act")).to_contain_text("Train every outreach worker in coercive control")

    page.goto(f"{live_server}/benchmarks/{demo['benchmark']}#component-strategy")
    expect(page.locator("#component-strategy")).to_contain_text("Publish a domestic abuse strategy")
    screenshot("benchmark-component-actions")


def test_the_demo_coordinator_walks_the_action_list_by_next_and_previous(app, live_server, page, demo, screenshot,
                                                                        assert_accessible, monkeypatch):
    """Next and Previous carry the action the page follows or precedes, and show the same actions as the numbered
    pages: two pages on and one back, two actions to a page."""
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/partnerships/{demo['p']}/actions?page=2")
    second = page.locator("table a[href^='/actions/']").all_inner_texts()
    page.goto(f"{live_server}/partnerships/{demo['p']}/actions")
    for _ in range(2):
        page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page.get_by_text(re.compile(r"^Showing 5 to 6 of \d+$"))).to_be_visible()
    assert "after=" in page.url and "page=3" in page.url
    screenshot("action-list-third-page-by-next")
    assert_accessible()
    page.get_by_role("link", name=re.compile("^Previous")).click()
    expect(page.get_by_text(re.compile(r"^Showing 3 to 4 of \d+$"))).to_be_visible()
    assert "before=" in page.url
    assert page.locator("table a[href^='/actions/']").all_inner_texts() == second
