"""The benchmark as the guides wrote it, in Chromium, as the demo coordinator: the Milton Keynes picture with its
place, spread and commentary, a component's key questions, how often to benchmark, and a 2020 benchmark that shows
what became of the 2012 key issues."""
import json
import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, sign_in
from tracker import ROOT

COMPONENTS_2020 = ["survivor_voice", "intersectionality", "shared_objective", "structure", "strategy",
                   "specialist_services", "representation", "resources", "coordination", "training", "data",
                   "policies"]


def test_the_benchmark_pages_as_the_demo_coordinator(app, demo, live_server, page, screenshot, assert_accessible,
                                                     assert_reflows, tmp_path):
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)

    page.goto(f"{live_server}/benchmarks/{demo['benchmark']}")
    expect(page.get_by_text("14= place among the 39 reference partnerships (total 29)")).to_be_visible()
    expect(page.get_by_text("2 overall score (satisfactory)")).to_be_visible()
    table = page.get_by_role("table", name="Component scores beside the reference partnerships")
    expect(table.get_by_role("columnheader", name="Reference median")).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"^Resources Above the reference mean 3 2\.45 2 "))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"^Structure 2 2\.17 "))).to_be_visible()  # 2 against 2.17
    expect(table.get_by_role("row", name=re.compile(r"^Overall 2 2\.44 "))).to_be_visible()
    expect(page.get_by_role("heading", name="3. Strategy: 1, poor (below the reference mean)")).to_be_visible()
    expect(page.get_by_text("The current strategy is ending and has dated")).to_be_visible()
    expect(page.get_by_text("A strength: the new refuge is outstanding.")).to_be_visible()

    page.get_by_role("link", name="Score and key issues for Strategy").click()
    page.get_by_text("The key questions").click()
    questions = page.locator(".govuk-details__text li")
    expect(questions).to_have_count(3)
    expect(questions.first).to_have_text("Does anyone truly lead on domestic abuse?")
    expect(page.get_by_label("Commentary")).to_have_value(re.compile("^The current strategy is ending"))
    expect(page.get_by_label("Score")).to_have_value("1")
    expect(page.get_by_role("option", name="2.5 (between satisfactory and good)")).to_have_count(1)
    screenshot("benchmark-pages-component")
    assert_accessible()
    assert_reflows("benchmark-pages-component")

    page.goto(f"{live_server}/partnerships/{demo['p']}/benchmarks")
    expect(page.get_by_text("The next benchmark was due on 2 July 2014: the partnership is benchmarked every 24 "
                            "months")).to_be_visible()
    page.get_by_role("link", name="Change how often the partnership is benchmarked").click()
    page.get_by_label("Months between benchmarks").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Enter a number of months from 6 to 120")).to_be_visible()
    screenshot("benchmark-pages-interval-error")
    assert_accessible()
    assert_reflows("benchmark-pages-interval")
    page.get_by_label("Months between benchmarks").fill("36")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("How often the partnership is benchmarked has been saved.")).to_be_visible()
    expect(page.get_by_text("The next benchmark was due on 2 July 2015: the partnership is benchmarked every 36 "
                            "months")).to_be_visible()

    later = {"framework": "isoe-2020", "review_dates": {"start": "2021-05-04", "end": "2021-05-06"},
             "reviewer": "Standing Together", "overall": {"score": 2.5, "key_issues": ["A renewed strategic drive"]},
             "components": [{"component": key, "score": 3 if key == "strategy" else 2, "key_issues": []}
                            for key in COMPONENTS_2020]}
    file = tmp_path / "benchmark-2021.json"
    file.write_text(json.dumps(later))
    page.get_by_role("link", name="Import a benchmark file").click()
    page.get_by_label("Benchmark file (JSON)").set_input_files(str(file))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("The benchmark has been imported.")).to_be_visible()
    expect(page.get_by_text("2.5 overall score (between satisfactory and good)")).to_be_visible()
    expect(page.get_by_text("on the In Search of Excellence (2013) framework: its scores are compared only")) \
        .to_be_visible()
    table = page.get_by_role("table", name="Component scores")
    expect(table.get_by_role("row", name=re.compile(r"^Strategy and leadership .* 1 \+2$"))).to_be_visible()
    expect(page.get_by_role("heading", name="What became of the key issues of the benchmark of July 2012")) \
        .to_be_visible()
    page.get_by_text("Each key issue of the benchmark of July 2012 and what became of it").click()
    expect(page.get_by_text("A strength: the structure is clear and able to carry a coordinated response.")) \
        .to_be_visible()
    screenshot("benchmark-pages-2021")
    assert_accessible()
    assert_reflows("benchmark-pages-2021")
    assert (ROOT / "tests" / "screenshots").exists()
