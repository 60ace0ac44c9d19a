"""Every page of the demo, as the people who use it, checked by axe-core against WCAG 2.2 AA and saved as a
screenshot for a person to look at."""
import re

import pyotp
import pytest
import sqlalchemy as sa

from tests.e2e.conftest import sign_in
from tracker.accounts.models import User
from tracker.actions.models import Action
from tracker.audit.services import acting_as
from tracker.benchmarks.models import Benchmark, Finding
from tracker.db import utcnow
from tracker.demo import load_demo
from tracker.extensions import db
from tracker.partnerships.models import Agency, Partnership
from tracker.reviews.models import Recommendation, Review

PASSWORD = "demo-password-for-tour"


@pytest.fixture
def demo(app):
    with app.app_context(), acting_as(None):
        load_demo(PASSWORD)
        partnership = db.session.scalar(sa.select(Partnership))
        action = db.session.scalar(sa.select(Action).where(Action.title.like("Train all response%")))
        agency = db.session.scalar(sa.select(Agency))
        review = db.session.scalar(sa.select(Review))
        recommendation = db.session.scalar(sa.select(Recommendation).where(Recommendation.number == "3"))
        benchmark = db.session.scalar(sa.select(Benchmark))
        finding = db.session.scalar(sa.select(Finding).where(Finding.text == "Lack of a clear vision"))
        # two people who have set up two-factor sign-in: the coordinator, whose second factor the administrator
        # can reset, and the strategic chair, who chose it and can turn it off
        people = db.session.scalars(sa.select(User).where(
            User.email.in_(["coordinator@demo.example", "strategic.chair@demo.example"]))).all()
        for person in people:
            person.totp_secret, person.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.commit()
        coordinator = next(person for person in people if person.email.startswith("coordinator"))
        return dict(coordinator=coordinator.id, p=partnership.id, action=action.id, agency=agency.id, review=review.id,
                    recommendation=recommendation.id, benchmark=benchmark.id, finding=finding.id,
                    component=finding.component_id)




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
    ],
    "strategic.chair@demo.example": ["/", "/benchmarks/{benchmark}", "/partnerships/{p}/actions",
                                     "/partnerships/{p}/reports/overdue", "/partnerships/{p}/reports/progress",
                                     "/account/two-factor", "/account/two-factor/turn-off"],
    "panel.chair@demo.example": ["/", "/reviews/{review}"],
    "admin@demo.example": ["/admin/partnerships", "/admin/partnerships/new", "/admin/people", "/admin/audit",
                           "/admin/audit?partnership=none",
                           "/admin/people/{coordinator}/two-factor"],
    "agency.lead@demo.example": ["/", "/my-actions", "/actions/{action}/update",
                                 "/partnerships/{p}/reports/overdue", "/account/two-factor"],
}


@pytest.mark.parametrize("email", list(TOURS))
def test_every_page_is_accessible(app, demo, live_server, page, screenshot, assert_accessible, email):
    sign_in(page, live_server, email, PASSWORD)
    for path in TOURS[email]:
        url = path.format(**demo)
        response = page.goto(live_server + url)
        assert response.status == 200, url
        name = email.split("@")[0] + re.sub(r"[^a-z0-9]+", "-", url.format(**demo)).rstrip("-")
        screenshot(name)
        assert_accessible()
