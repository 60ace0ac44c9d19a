"""Browser journeys: the app served from a thread, driven by Debian's Chromium through Playwright."""
import os
import re
import threading
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.conftest import authenticator_code
from tracker.accounts.models import User
from tracker.actions.models import Action, Milestone
from tracker.audit.services import acting_as
from tracker.benchmarks.models import Benchmark, Finding
from tracker.db import utcnow
from tracker.demo import PARTNERSHIP, WELSH_PARTNERSHIP, WELSH_PEOPLE, load_demo
from tracker.extensions import db
from tracker.partnerships.models import Agency, Partnership
from tracker.reviews.models import AgencyRequest, FamilyContact, PanelMember, Recommendation, Review

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")
#: tests/screenshots, or its postgresql/ folder for a run on PostgreSQL: CI runs both side by side, and a printed
#: page is written, then read back as an image
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots" / ("postgresql" if ON_POSTGRESQL else "")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def sign_in(page, live_server, email, password):
    """Sign in through the real form, as a person would, and wait for the home page."""
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    finish_sign_in(page, live_server, email)


def finish_sign_in(page, live_server, email):
    """After the password: the code from the person's app when they have two-factor sign-in, or setting it up
    when their role needs it and they have none; then the home page."""
    from playwright.sync_api import expect

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("^(Welcome|Enter your code|Set up two-factor sign-in)"))
    if heading.inner_text() == "Enter your code":
        page.get_by_label("Code").fill(authenticator_code(live_server.app, email))
        page.get_by_role("button", name="Continue").click()
    elif heading.inner_text() == "Set up two-factor sign-in":
        set_up_two_factor(page)
        page.get_by_role("link", name=re.compile("continue$")).click()
    # the home page, in English or, for someone who chose it, in Welsh
    expect(page.get_by_role("heading", name=re.compile("^(Welcome|Croeso)"))).to_be_visible()


def set_up_two_factor(page):
    """Type the key shown into an authenticator (pyotp here) and its code into the page; stop at the codes."""
    from playwright.sync_api import expect

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()


def fill_date(page, legend, day):
    """Type a date into GOV.UK Frontend's three boxes (day, month, year) of the question named legend."""
    group = page.get_by_role("group", name=re.compile(f"^{re.escape(legend)}"))
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def _whole_static_files(app):
    """Static files read whole before they are sent. Werkzeug's development server can drop a connection the
    browser closed mid-file (a page left while its script still loads) without closing the file it was sending,
    which `filterwarnings = error` then reports as an unclosed file in whichever test runs next."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


class Served(str):
    """The served app's address; `app` is the app itself, to read what a person's phone would know."""

    app = None


def _served(app):
    server = make_server("127.0.0.1", 0, _whole_static_files(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = Served(f"http://127.0.0.1:{server.server_port}")
    address.app = app
    yield address
    server.shutdown()
    thread.join()


@pytest.fixture
def live_server(app):
    yield from _served(app)


@pytest.fixture
def mail_live_server(mail_app):
    """The application sending through the test's SMTP server, served for the browser."""
    yield from _served(mail_app)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    # bypass_csp lets axe-core be injected; the app's own pages still run under their CSP otherwise. axe-core comes
    # with every document, compiled once for the context: added to each page in turn, it cost 0.3 s a page
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot(name): a full-page PNG in tests/screenshots/, for a person to look at. The run on SQLite saves
    them; the run on PostgreSQL, side by side with it in CI, renders the same pages and skips the pictures, which
    cost it half a second a page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = SCREENSHOTS / f"{name}.png"
        if not ON_POSTGRESQL:
            page.screenshot(path=str(path), full_page=True)
        return path

    return take


#: the elements that reach past the window's right edge, outside a region that scrolls on its own
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
               && !e.parentElement.closest('.app-table-wrap, .app-chart'))
  .slice(0, 6)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`)"""


@pytest.fixture
def assert_reflows(page, screenshot):
    """At 320 CSS px wide (WCAG 1.4.10, reflow) nothing but a table's own region scrolls sideways; the narrow page is
    saved beside the wide one, then the wide view comes back."""

    def check(name):
        page.wait_for_load_state()
        wide = page.viewport_size
        page.set_viewport_size({"width": 320, "height": 720})
        try:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            screenshot(f"{name}-320px")
            assert overflow <= 0, \
                f"{page.url} scrolls sideways by {overflow} px at 320 px wide: {page.evaluate(WIDEST)}"
        finally:
            page.set_viewport_size(wide)

    return check


@pytest.fixture
def assert_accessible(page):
    """Run axe-core (WCAG 2.2 AA rules) on the current page and fail with what it finds."""

    def check():
        page.wait_for_load_state()  # after a click, the next page's stylesheet may not be applied yet
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        assert problems == [], f"{page.url}:\n" + "\n".join(problems)

    return check


#: the demo partnership's password in the browser tests
DEMO_PASSWORD = "demo-password-for-tour"


@pytest.fixture
def demo(app):
    with app.app_context(), acting_as(None):
        load_demo(DEMO_PASSWORD)
        partnership = db.session.scalar(sa.select(Partnership).where(Partnership.name == PARTNERSHIP[0]))
        action = db.session.scalar(sa.select(Action).where(Action.title.like("Train all response%")))
        agency = db.session.scalar(sa.select(Agency).where(Agency.partnership_id == partnership.id)
                                   .order_by(Agency.name).limit(1))
        review = db.session.scalar(sa.select(Review).where(Review.partnership_id == partnership.id))
        recommendation = db.session.scalar(sa.select(Recommendation).where(Recommendation.number == "3"))
        benchmark = db.session.scalar(sa.select(Benchmark))
        finding = db.session.scalar(sa.select(Finding).where(Finding.text == "Lack of a clear vision"))
        # two people who have set up two-factor sign-in: the coordinator, whose second factor the administrator
        # can reset, and the strategic chair, who chose it and can turn it off; and the Welsh people, whose role or
        # panel seat needs it, so that their tour starts in Welsh rather than on the set-up page
        people = db.session.scalars(sa.select(User).where(User.email.in_(
            ["coordinator@demo.example", "strategic.chair@demo.example", "respondent@demo.example",
             "observer@demo.example", *(email for email, *_rest in WELSH_PEOPLE)]))).all()
        for person in people:
            person.totp_secret, person.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.commit()
        coordinator = next(person for person in people if person.email == "coordinator@demo.example")
        lead = db.session.scalar(sa.select(User).where(User.email == "agency.lead@demo.example"))
        member = db.session.scalar(sa.select(PanelMember).where(PanelMember.review_id == review.id,
                                                                PanelMember.user_id == lead.id))
        contact = db.session.scalar(sa.select(FamilyContact).where(FamilyContact.review_id == review.id)
                                    .order_by(FamilyContact.id).limit(1))
        housing = db.session.scalar(sa.select(Agency).where(Agency.partnership_id == partnership.id,
                                                           Agency.name == "Milton Keynes City Council Housing"))
        strategy = db.session.scalar(sa.select(Action).where(Action.title.like("Publish a domestic abuse%")))
        milestone = db.session.scalar(sa.select(Milestone).where(Milestone.action_id == strategy.id)
                                      .order_by(Milestone.position).limit(1))
        agency_request = db.session.scalar(sa.select(AgencyRequest).where(
            AgencyRequest.review_id == review.id, AgencyRequest.agency_id == housing.id,
            AgencyRequest.received_on.is_(None)))
        from tracker.bodies.models import BodyRecommendation

        national = db.session.scalar(sa.select(BodyRecommendation).join(Recommendation)
                                     .where(Recommendation.review_id == review.id))
        return dict(item=national.id, body=national.body_id, coordinator=coordinator.id, p=partnership.id,
                    action=action.id, agency=agency.id, review=review.id,
                    recommendation=recommendation.id, benchmark=benchmark.id, finding=finding.id,
                    component=finding.component_id, member=member.id, contact=contact.id,
                    agency_request=agency_request.id, strategy=strategy.id, milestone=milestone.id,
                    cymru=_welsh_demo())


def _welsh_demo():
    """The Welsh demo partnership's records, for the tour in Welsh."""
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.name == WELSH_PARTNERSHIP[0]))
    review = db.session.scalar(sa.select(Review).where(Review.partnership_id == partnership.id))
    recommendation = db.session.scalar(sa.select(Recommendation).where(Recommendation.review_id == review.id)
                                       .order_by(Recommendation.number).limit(1))
    action = db.session.scalar(sa.select(Action).where(Action.partnership_id == partnership.id)
                               .order_by(Action.id).limit(1))
    agency = db.session.scalar(sa.select(Agency).where(Agency.partnership_id == partnership.id)
                               .order_by(Agency.name).limit(1))
    from tracker.bodies.models import ExternalBody

    body = db.session.scalar(sa.select(ExternalBody.id).where(ExternalBody.name == "Home Office"))
    return dict(p=partnership.id, review=review.id, recommendation=recommendation.id, action=action.id,
                agency=agency.id, body=body)
