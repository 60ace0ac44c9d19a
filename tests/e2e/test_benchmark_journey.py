"""A coordinator imports the Milton Keynes 2012 benchmark in Chromium, reads the chart, acts on a finding."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tracker import ROOT
from tracker.benchmarks.services import load_frameworks, load_reference_scores
from tracker.extensions import db

MK_JSON = ROOT.parent / "shared" / "data" / "milton-keynes-2012-benchmark.json"


def test_import_read_the_picture_and_act_on_a_finding(app, make, live_server, page, screenshot,
                                                      assert_accessible):
    with app.app_context():
        load_frameworks()
        load_reference_scores()
        db.session.remove()
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    make.member(p, "coordinator", name="Priya Shah", email="priya@example.org")
    sign_in(page, live_server, "priya@example.org", PASSWORD)
    page.goto(f"{live_server}/partnerships/{p.id}/benchmarks")
    page.get_by_role("link", name="Import a benchmark file").click()
    page.get_by_label("Benchmark file (JSON)").set_input_files(str(MK_JSON))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("The benchmark has been imported.")).to_be_visible()
    expect(page.get_by_text("lowest: Strategy")).to_be_visible()
    chart = page.get_by_role("img", name="Component scores of this benchmark beside the 39 reference partnerships")
    expect(chart).to_be_visible()
    chart.screenshot(path=str(screenshot("benchmark-page").parent / "benchmark-chart.png"))
    assert_accessible()
    table = page.get_by_role("table", name="Component scores beside the reference partnerships")
    expect(table.get_by_role("row", name=re.compile(r"^Strategy Below the reference mean 1 \d"))).to_be_visible()

    page.get_by_role("link", name="Add an action for: Lack of a clear vision").click()
    expect(page.get_by_label("CCR component")).to_have_value("shared_objective")
    vision_name = "Agree and publish a shared vision for the partnership"
    page.get_by_label("Action", exact=True).fill(vision_name)
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("Benchmark key issue (Shared objective): Lack of a clear vision")).to_be_visible()
    page.get_by_role("link", name="See the benchmark").click()
    # listed under its key issue, and again among the actions on its component
    vision = page.get_by_role("link", name=vision_name)
    expect(page.locator(".app-finding-list").get_by_role("link", name=vision_name)).to_be_visible()
    expect(vision).to_have_count(2)
