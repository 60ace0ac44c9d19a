"""The meeting is often run from paper: the action plan, a report and the action list, printed by Chromium, keep
their content and lose the page furniture (header links, search, buttons, filters); a link's address is printed
after it; tables break between rows."""
import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS, sign_in

PRINTED = {
    "review-action-plan": "/reviews/{review}",
    "overdue-report": "/partnerships/{p}/reports/overdue",
    "action-list": "/partnerships/{p}/actions",
}


def _printed_text(page, name=None):
    """What Chromium prints (A4): the number of sheets and their text; with a name, each sheet is kept as a PNG in
    tests/screenshots/ for a person to look at."""
    printed = page.pdf(format="A4", print_background=False)
    pdf = PdfReader(io.BytesIO(printed))
    if name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"printed-{name}.pdf").write_bytes(printed)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(SCREENSHOTS / f"printed-{name}.pdf"),
                        str(SCREENSHOTS / f"printed-{name}-sheet")], check=True)
        assert len(list(SCREENSHOTS.glob(f"printed-{name}-sheet-*.png"))) == len(pdf.pages)
    return len(pdf.pages), "\n".join(sheet.extract_text() for sheet in pdf.pages)


@pytest.mark.parametrize("name", list(PRINTED))
def test_pages_print_without_their_furniture(demo, live_server, page, screenshot, name):
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(live_server + PRINTED[name].format(**demo))
    heading = page.get_by_role("heading", level=1).inner_text()
    page.emulate_media(media="print")
    screenshot(f"print-{name}")
    for old in SCREENSHOTS.glob(f"printed-{name}-sheet-*.png"):
        old.unlink()
    sheets, text = _printed_text(page, name)
    words = re.sub(r"\s+", " ", text)

    assert sheets >= 1
    assert heading in words
    for furniture in ("Skip to main content", "Sign out", "My actions", "Accessibility statement"):
        assert furniture not in words, f"{furniture!r} printed on the {name}"
    # on paper a link carries its address (a narrow column may break it across lines)
    assert re.search(r"\(/(actions|recommendations|reviews|partnerships)/\d+", re.sub(r"\s+", "", text)), \
        "no link address printed"
    assert "Action tracker (/)" not in words


def test_the_action_plan_prints_every_recommendation_and_action(demo, live_server, page):
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(live_server + PRINTED["review-action-plan"].format(**demo))
    on_screen = page.locator("main table tbody tr").all_inner_texts()
    page.emulate_media(media="print")
    _sheets, text = _printed_text(page)
    unspaced = re.sub(r"\s+", "", text)  # a narrow column breaks lines (and hyphenated words) differently on paper
    assert on_screen, "the demo review has an action plan"
    for row in on_screen:
        first_words = "".join(row.split()[:6])
        assert first_words in unspaced, f"{row[:60]!r} missing from the printed plan"


def test_reports_offer_a_print_button_where_the_script_runs(demo, live_server, page):
    sign_in(page, live_server, "coordinator@demo.example", DEMO_PASSWORD)
    page.goto(live_server + PRINTED["overdue-report"].format(**demo))
    button = page.get_by_role("button", name="Print this page")
    assert button.is_visible()
    page.emulate_media(media="print")
    assert not button.is_visible()
