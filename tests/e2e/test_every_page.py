"""Every page of the demo, as the people who use it, checked by axe-core against WCAG 2.2 AA and for reflow at
320 px wide, and saved as screenshots (wide and narrow) for a person to look at."""
import re

import pytest

from tests.e2e.conftest import DEMO_PASSWORD as PASSWORD
from tests.e2e.conftest import sign_in

TOURS = {
    "coordinator@demo.example": [
        "/", "/my-actions", "/partnerships/{p}", "/partnerships/{p}/actions", "/partnerships/{p}/actions?rag=red",
        "/partnerships/{p}/actions/new", "/actions/{action}", "/actions/{action}/edit", "/actions/{action}/deadline",
        "/partnerships/{p}/actions/reassign", "/partnerships/{p}/people", "/partnerships/{p}/people/invite",
        "/partnerships/{p}/agencies/{agency}/edit", "/partnerships/{p}/agencies/{agency}/delete",
        "/partnerships/{p}/audit", "/account/password", "/accessibility",
        "/partnerships/{p}/reviews", "/partnerships/{p}/reviews/new", "/reviews/{review}",
        "/reviews/{review}/edit", "/reviews/{review}/panel", "/reviews/{review}/pause",
        "/reviews/{review}/recommendations/new", "/recommendations/{recommendation}/edit",
        "/recommendations/{recommendation}/actions/new", "/reviews/{review}/import",
        "/partnerships/{p}/import-register", "/reviews/{review}/publish", "/reviews/{review}/archive",
        "/partnerships/{p}/sign-off",
        "/partnerships/{p}/deadline-rule", "/partnerships/{p}/actions?waiting=owner",
        "/partnerships/{p}/external-recommendations", "/partnerships/{p}/themes",
        "/partnerships/{p}/benchmarks", "/benchmarks/{benchmark}", "/partnerships/{p}/benchmarks/new",
        "/partnerships/{p}/benchmarks/import", "/partnerships/{p}/benchmarks/import-spreadsheet",
        "/benchmarks/{benchmark}/edit",
        "/benchmarks/{benchmark}/components/{component}", "/findings/{finding}/actions/new",
        "/findings/{finding}/no-action",
        "/partnerships/{p}/reminders", "/partnerships/{p}/reminders/policy", "/account/preferences",
        "/partnerships/{p}/reports/overdue", "/partnerships/{p}/reports/progress",
        "/partnerships/{p}/reports/learning", "/partnerships/{p}/meetings", "/account/two-factor",
        "/search", "/search?q=protocol", "/search?q=protocol&kind=action", "/search?q=zebra",
    ],
    "strategic.chair@demo.example": ["/", "/benchmarks/{benchmark}", "/partnerships/{p}/actions",
                                     "/partnerships/{p}/reports/overdue", "/partnerships/{p}/reports/progress",
                                     "/account/two-factor", "/account/two-factor/turn-off"],
    "panel.chair@demo.example": ["/", "/reviews/{review}"],
    "admin@demo.example": ["/admin/partnerships", "/admin/partnerships/new", "/admin/people", "/admin/audit",
                           "/admin/audit?partnership=none",
                           "/admin/people/{coordinator}/two-factor"],
    "agency.lead@demo.example": ["/", "/my-actions", "/actions/{action}/update", "/search?q=police",
                                 "/partnerships/{p}/reports/overdue", "/account/two-factor"],
}


@pytest.mark.parametrize("email", list(TOURS))
def test_every_page_is_accessible(app, demo, live_server, page, screenshot, assert_accessible, assert_reflows,
                                  email):
    sign_in(page, live_server, email, PASSWORD)
    for path in TOURS[email]:
        url = path.format(**demo)
        response = page.goto(live_server + url)
        assert response.status == 200, url
        name = email.split("@")[0] + re.sub(r"[^a-z0-9]+", "-", url.format(**demo)).rstrip("-")
        screenshot(name)
        assert_accessible()
        assert_reflows(name)
