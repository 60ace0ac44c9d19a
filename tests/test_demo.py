"""`flask tracker demo` loads the Milton Keynes partnership and a Welsh one once; a second run changes nothing."""
import json

import sqlalchemy as sa

from tracker import ROOT
from tracker.extensions import db

TABLES = ("partnership", "agency", "user", "membership", "action", "audit_entry", "review_criterion")


def _counts(app):
    with app.app_context():
        return {t: db.session.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in TABLES}


def test_demo_loads_the_milton_keynes_partnership_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tracker", "demo", "--password", "demo-password-for-test"])
    assert first.exit_code == 0, first.output
    assert "coordinator@demo.example" in first.output and "demo-password-for-test" in first.output
    after_first = _counts(app)
    second = runner.invoke(args=["tracker", "demo", "--password", "demo-password-for-test"])
    assert second.exit_code == 0
    assert "nothing changed" in second.output and "demo-password-for-test" not in second.output
    assert _counts(app) == after_first
    benchmark = json.loads((ROOT.parent / "shared" / "data" / "milton-keynes-2012-benchmark.json").read_text())
    area = benchmark["partnership"]
    with app.app_context():
        names = db.session.scalars(sa.text("SELECT name FROM partnership")).all()
        roles = set(db.session.scalars(sa.text("SELECT role FROM membership")).all())
    assert sorted(area in name for name in names) == [False, True]  # Milton Keynes, and the Welsh partnership
    assert roles == {"coordinator", "agency_lead", "strategic_member", "viewer", "panel_member"}
    assert after_first["agency"] >= 8
    assert after_first["action"] >= 3
    with app.app_context():
        unscheduled = db.session.scalar(sa.text(
            "SELECT count(*) FROM action WHERE deadline IS NOT NULL AND next_reminder_on IS NULL"))
    assert unscheduled == 0  # every demo action with a deadline is in the reminder schedule


def test_demo_prints_a_random_password_when_none_is_given(app):
    result = app.test_cli_runner().invoke(args=["tracker", "demo"])
    assert "password: " in result.output
    assert len(result.output.split("password: ")[1].strip()) >= 12


def test_create_admin_makes_an_administrator_who_can_sign_in(app, browser):
    result = app.test_cli_runner().invoke(args=["tracker", "create-admin", "--email", "Boss@Example.org",
                                                "--name", "The Boss", "--password", "a long admin passphrase"])
    assert result.exit_code == 0, result.output
    browser.sign_in("boss@example.org", "a long admin passphrase")
    assert browser.get("/admin/partnerships").status_code == 200


def test_demo_loads_a_welsh_partnership_whose_people_read_welsh_and_whose_susr_meets_the_dhr_criteria(app):
    from tracker.accounts.models import User
    from tracker.enums import Nation, ReviewType, SafeguardingCriterion
    from tracker.partnerships.models import Membership, Partnership
    from tracker.reviews.models import Review

    def languages(partnership):
        return dict(db.session.execute(sa.select(User.email, User.language).join(Membership)
                                       .where(Membership.partnership_id == partnership.id)).all())

    result = app.test_cli_runner().invoke(args=["tracker", "demo", "--password", "demo-password-for-test"])
    assert "coordinator@cymru.demo.example" in result.output
    with app.app_context():
        wales = db.session.scalar(sa.select(Partnership).where(Partnership.nation == Nation.WALES))
        assert wales.area == "Cwm Taf Morgannwg" and len(wales.agencies) >= 5
        assert languages(wales) == {"coordinator@cymru.demo.example": "cy", "agency.lead@cymru.demo.example": "cy",
                             "panel.chair@cymru.demo.example": "cy"}
        [review] = db.session.scalars(sa.select(Review).where(Review.partnership_id == wales.id)).all()
        assert review.review_type is ReviewType.SUSR and review.goes_to_home_office
        assert review.criteria == [SafeguardingCriterion.DHR, SafeguardingCriterion.ADULT_PRACTICE]
        assert review.regional_safeguarding_board and review.welsh_government_notified_on
        assert [p.user.email for p in review.panel if p.is_chair] == ["panel.chair@cymru.demo.example"]
        assert all(r.welsh_text and r.text for r in review.recommendations)
        assert sum(len(r.actions) for r in review.recommendations) == 2
        english = db.session.scalar(sa.select(Partnership).where(Partnership.nation == Nation.ENGLAND))
        assert set(languages(english).values()) == {""}  # the English demo is as it was
