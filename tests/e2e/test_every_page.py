"""Every page of the demo, as the people who use it, in English and in Welsh, checked by axe-core against WCAG 2.2 AA
and for reflow at 320 px wide, and saved as screenshots (wide and narrow) for a person to look at."""
import re

import pytest
from babel.messages.pofile import read_po

from tests.e2e.conftest import DEMO_PASSWORD as PASSWORD
from tests.e2e.conftest import sign_in
from tests.test_translations import CATALOGUE, PLACEHOLDER, TAG

TOURS = {
    "coordinator@demo.example": [
        "/", "/my-actions", "/partnerships/{p}", "/partnerships/{p}/actions", "/partnerships/{p}/actions?rag=red",
        "/partnerships/{p}/actions/new", "/actions/{action}", "/actions/{action}/edit", "/actions/{action}/deadline",
        "/actions/{action}/milestones", "/actions/{strategy}", "/actions/{strategy}/milestones",
        "/actions/{strategy}/milestones/{milestone}/remove", "/recommendations/{recommendation}/actions/per-agency",
        "/partnerships/{p}/actions/reassign", "/partnerships/{p}/people", "/partnerships/{p}/people/invite",
        "/partnerships/{p}/agencies/{agency}/edit", "/partnerships/{p}/agencies/{agency}/delete",
        "/partnerships/{p}/audit", "/account/password", "/accessibility",
        "/partnerships/{p}/reviews", "/partnerships/{p}/reviews/new", "/reviews/{review}",
        "/reviews/{review}/edit", "/reviews/{review}/panel", "/reviews/{review}/pause",
        "/reviews/{review}/panel/{member}/edit", "/reviews/{review}/family", "/reviews/{review}/family/new",
        "/reviews/{review}/family/{contact}/edit", "/reviews/{review}/family/{contact}/remove",
        "/reviews/{review}/terms", "/reviews/{review}/not-reviewed", "/reviews/{review}/requests",
        "/reviews/{review}/requests/{agency_request}/edit", "/reviews/{review}/requests/{agency_request}/received",
        "/reviews/{review}/requests/{agency_request}/chase", "/reviews/{review}/requests/{agency_request}/withdraw",
        "/reviews/{review}/quality-assurance",
        "/reviews/{review}/recommendations/new", "/recommendations/{recommendation}/edit",
        "/recommendations/{recommendation}/actions/new", "/reviews/{review}/import",
        "/partnerships/{p}/import-register", "/reviews/{review}/publish", "/reviews/{review}/archive",
        "/partnerships/{p}/sign-off",
        "/partnerships/{p}/deadline-rule", "/partnerships/{p}/actions?waiting=owner",
        "/partnerships/{p}/external-recommendations", "/partnerships/{p}/themes",
        "/partnerships/{p}/benchmarks", "/benchmarks/{benchmark}", "/partnerships/{p}/benchmarks/new",
        "/partnerships/{p}/benchmarks/interval",
        "/partnerships/{p}/benchmarks/import", "/partnerships/{p}/benchmarks/import-spreadsheet",
        "/benchmarks/{benchmark}/edit",
        "/benchmarks/{benchmark}/components/{component}", "/findings/{finding}/actions/new",
        "/findings/{finding}/no-action",
        "/partnerships/{p}/reminders", "/partnerships/{p}/reminders/policy", "/account/preferences",
        "/partnerships/{p}/reports/overdue", "/partnerships/{p}/reports/progress",
        "/partnerships/{p}/reports/learning", "/partnerships/{p}/meetings", "/account/two-factor",
        "/search", "/search?q=protocol", "/search?q=protocol&kind=action", "/search?q=zebra",
        "/external/{item}", "/external/{item}/send", "/reviews/{review}/send-to-bodies",
        "/partnerships/{p}/open-data", "/open-data", "/open-data/schema",
    ],
    "strategic.chair@demo.example": ["/", "/benchmarks/{benchmark}", "/partnerships/{p}/actions",
                                     "/partnerships/{p}/reports/overdue", "/partnerships/{p}/reports/progress",
                                     "/account/two-factor", "/account/two-factor/turn-off"],
    "panel.chair@demo.example": ["/", "/reviews/{review}", "/reviews/{review}/panel", "/reviews/{review}/family",
                                 "/reviews/{review}/requests", "/reviews/{review}/quality-assurance"],
    "admin@demo.example": ["/admin/partnerships", "/admin/partnerships/new", "/admin/people", "/admin/audit",
                           "/admin/audit?partnership=none",
                           "/admin/people/{coordinator}/two-factor", "/admin/people/{coordinator}/national-role",
                           "/bodies", "/bodies/new", "/bodies/{body}/contacts", "/bodies/{body}/edit",
                           "/bodies/{body}/recommendations", "/register", "/register/recommendations",
                           "/register/recommendations/{item}", "/register/duplicates"],
    "respondent@demo.example": ["/", "/bodies/{body}/recommendations", "/account/api-keys"],
    "observer@demo.example": ["/", "/register", "/register/recommendations?state=not_sent",
                              "/register/recommendations/{item}", "/account/api-keys"],
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
        assert page.locator("html").get_attribute("lang") == "en-GB", url
        name = email.split("@")[0] + re.sub(r"[^a-z0-9]+", "-", url.format(**demo)).rstrip("-")
        screenshot(name)
        assert_accessible()
        assert_reflows(name)


#: the Welsh demo partnership's people, who read the tracker in Welsh, and the administrator, who switches to it
WELSH_TOURS = {
    "coordinator@cymru.demo.example": [
        "/", "/my-actions", "/partnerships/{p}", "/partnerships/{p}/actions", "/partnerships/{p}/actions/new",
        "/actions/{action}", "/actions/{action}/edit", "/actions/{action}/deadline", "/actions/{action}/milestones",
        "/partnerships/{p}/actions/reassign", "/partnerships/{p}/people", "/partnerships/{p}/people/invite",
        "/partnerships/{p}/agencies/{agency}/edit",
        "/partnerships/{p}/audit", "/account/password", "/accessibility", "/partnerships/{p}/reviews",
        "/partnerships/{p}/reviews/new", "/reviews/{review}", "/reviews/{review}/edit", "/reviews/{review}/panel",
        "/reviews/{review}/family", "/reviews/{review}/family/new", "/reviews/{review}/terms",
        "/reviews/{review}/not-reviewed", "/reviews/{review}/requests", "/reviews/{review}/quality-assurance",
        "/reviews/{review}/recommendations/new", "/recommendations/{recommendation}/edit",
        "/recommendations/{recommendation}/actions/new", "/reviews/{review}/import", "/partnerships/{p}/sign-off",
        "/partnerships/{p}/deadline-rule", "/partnerships/{p}/themes", "/partnerships/{p}/benchmarks",
        "/partnerships/{p}/benchmarks/new", "/partnerships/{p}/reminders", "/account/preferences",
        "/partnerships/{p}/reports/overdue", "/partnerships/{p}/reports/progress",
        "/partnerships/{p}/reports/learning", "/partnerships/{p}/meetings", "/account/two-factor",
        "/search?q=heddlu", "/search?q=zebra", "/partnerships/{p}/open-data", "/open-data", "/open-data/schema",
    ],
    "agency.lead@cymru.demo.example": ["/", "/my-actions", "/actions/{action}/update",
                                       "/partnerships/{p}/reports/overdue"],
    "panel.chair@cymru.demo.example": ["/", "/reviews/{review}", "/reviews/{review}/panel",
                                       "/reviews/{review}/family", "/reviews/{review}/requests"],
    "admin@demo.example": ["/admin/partnerships", "/admin/partnerships/new", "/admin/people", "/admin/audit",
                           "/bodies", "/bodies/{body}/contacts", "/register", "/register/recommendations"],
}


@pytest.fixture(scope="module")
def english_words():
    """Fragments of the service's own English (three words or more, outside placeholders and tags) whose Welsh
    differs: on a Welsh page, any of them is a string that was not translated."""
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    fragments = set()
    for entry in catalogue:
        english = entry.id if isinstance(entry.id, str) else entry.id[1]
        if not english or entry.string in (english, (english,)):
            continue
        fragments |= {piece.strip() for piece in re.split(f"{PLACEHOLDER.pattern}|{TAG.pattern}", english)
                      if len(piece.split()) >= 3}
    return fragments


@pytest.mark.parametrize("email", list(WELSH_TOURS))
def test_every_page_is_accessible_in_welsh(app, demo, live_server, page, screenshot, assert_accessible,
                                           assert_reflows, english_words, email):
    sign_in(page, live_server, email, PASSWORD)
    if page.locator("html").get_attribute("lang") != "cy":  # the administrator reads English until they switch
        page.get_by_role("button", name="Cymraeg").click()
    for path in WELSH_TOURS[email]:
        url = path.format(**demo["cymru"])
        response = page.goto(live_server + url)
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == "cy", url
        shown = page.inner_text("body")
        assert [words for words in english_words if words in shown] == [], url
        name = "cy-" + email.split("@")[0] + re.sub(r"[^a-z0-9]+", "-", url).rstrip("-")
        screenshot(name)
        assert_accessible()
        assert_reflows(name)
