"""The reports filtered by type of review: of one type, only the actions answering recommendations of its reviews
(none not from a review); the filter offers every type the tracker knows; and a confidential review's actions stay
hidden from those outside its panel exactly as without the filter, only counted in the line that says so."""
import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import Browser, text
from tracker.actions.state import london_today
from tracker.enums import ReviewType
from tracker.extensions import db
from tracker.reports import services

TODAY = london_today()
SECRET_ACTION = "Screen Zephyr callers for coercion"
SECRET_REFERENCE = "DARDR 2099-ZX"


@pytest.fixture
def world(app, make):
    from tracker.reviews.models import Theme

    p = make.partnership(name="Northshire")
    police, homes = make.agency(p, name="Northshire Police"), make.agency(p, name="Northshire Homes")
    people = dict(chair=make.member(p, "strategic_member", is_chair=True), coordinator=make.member(p, "coordinator"),
                  on_panel=make.member(p, "strategic_member"), lead=make.member(p, "agency_lead", agency=police),
                  viewer=make.member(p, "viewer"))
    dhr = make.review(p, reference="DHR 2024-01", review_type="dhr", status="published", published_on=date(2025, 1, 5))
    dardr = make.review(p, reference="DARDR 2025-02", review_type="dardr", status="published",
                        published_on=date(2025, 6, 1))
    secret = make.review(p, reference=SECRET_REFERENCE, review_type="dardr", panel=[(people["on_panel"], False)])
    lesson = make.save(Theme(partnership_id=p.id, name="Information sharing"))
    recs = {name: make.recommendation(review, number="1", agencies=[police])
            for name, review in (("dhr", dhr), ("dardr", dardr), ("secret", secret))}
    with app.app_context():
        from tracker.reviews.models import Recommendation

        for rec in db.session.scalars(sa.select(Recommendation)):
            rec.themes = [db.session.get(Theme, lesson.id)]
        db.session.commit()

    def act(title, days, rec=None, agency=police, **fields):
        source = dict(recommendation_id=recs[rec].id, source="dhr") if rec else {}
        return make.action(p, title=title, lead_agency=agency, deadline=TODAY + timedelta(days=days), **source,
                           **fields)

    actions = dict(
        dhr_late=act("Check a partner's history at every call", -20, "dhr"),
        dhr_done=act("Confirm history checks are routine", 10, "dhr", status="completed", completed_on=TODAY),
        dardr_late=act("Ask about coercion at every assessment", -8, "dardr", agency=homes),
        dardr_open=act("Train housing officers", 30, "dardr", agency=homes),
        secret_late=act(SECRET_ACTION, -12, "secret"),
        strategy_late=act("Refresh the domestic abuse strategy", -5),
    )
    return dict(p=p, people=people, actions=actions)


def _scope(world, who):
    from tracker.accounts.models import User
    from tracker.partnerships.models import Partnership

    return services.scope_for(db.session.get(User, world["people"][who].id),
                              db.session.get(Partnership, world["p"].id))


def _titles(rows):
    return sorted(r.title for r in rows)


def test_one_type_counts_only_the_actions_from_its_reviews(ctx, world):
    chair = _scope(world, "chair")
    report = services.overdue_report(chair, TODAY, review_type=ReviewType.DHR)
    assert _titles(report.rows) == ["Check a partner's history at every call"] and report.withheld == 0
    assert set(report.by_source) == {"DHR 2024-01"} and list(report.by_agency) == ["Northshire Police"]
    report = services.overdue_report(chair, TODAY, review_type=ReviewType.DARDR)
    assert _titles(report.rows) == ["Ask about coercion at every assessment"]
    assert report.withheld_note == "1 overdue action from a review not yet published is not shown."
    # not from a review: left out of every type, counted when all types are chosen
    assert "Refresh the domestic abuse strategy" in _titles(services.overdue_report(chair, TODAY).rows)
    assert services.overdue_report(chair, TODAY, review_type=ReviewType.SUSR).total == 0
    assert _titles(services.overdue_register(chair, TODAY, review_type=ReviewType.DARDR)) == [
        "Ask about coercion at every assessment"]


def test_those_on_the_panel_see_its_actions_when_filtered_as_they_do_without(ctx, world):
    for who in ("coordinator", "on_panel"):
        report = services.overdue_report(_scope(world, who), TODAY, review_type=ReviewType.DARDR)
        assert _titles(report.rows) == ["Ask about coercion at every assessment", SECRET_ACTION], who
        assert SECRET_REFERENCE in report.by_source and report.withheld == 0


@pytest.mark.parametrize("who", ["chair", "coordinator", "on_panel", "lead", "viewer"])
@pytest.mark.parametrize("review_type", list(ReviewType))
def test_filtered_is_the_unfiltered_report_cut_to_the_type(app, world, who, review_type):
    """For every reader and type: the rows are the unfiltered rows from reviews of that type, and what is withheld
    is what the unfiltered report withholds of that type, by the Python rule for who may open an action."""
    from tracker.accounts.models import User
    from tracker.actions.models import Action
    from tracker.permissions import can
    from tracker.reviews.models import Recommendation, Review

    with app.app_context():
        scope = _scope(world, who)
        of_type = set(db.session.scalars(sa.select(Action.id).join(Recommendation).join(Review)
                                         .where(Review.review_type == review_type)))
        user = db.session.get(User, world["people"][who].id)
        late_in_scope = [a for a in db.session.scalars(sa.select(Action).where(*scope.bounds()))
                         if a.deadline < TODAY and a.status.value not in ("completed", "closed")]
        unfiltered = services.overdue_register(scope, TODAY)
        filtered = services.overdue_report(scope, TODAY, review_type=review_type)
        assert [r.action_id for r in services.overdue_register(scope, TODAY, review_type=review_type)] == [
            r.action_id for r in unfiltered if r.action_id in of_type]
        assert sorted(r.action_id for r in filtered.rows) == sorted(r.action_id for r in unfiltered
                                                                    if r.action_id in of_type)
        assert filtered.withheld == len([a for a in late_in_scope if a.id in of_type and not can(user, "view", a)])


def test_progress_of_one_type_counts_its_actions_and_plans_only(ctx, world):
    chair = _scope(world, "chair")
    report = services.progress_report(chair, TODAY, ReviewType.DARDR)
    assert (report.total, report.withheld) == (2, 1)
    assert report.withheld_note == "1 action from a review not yet published is not shown."
    assert [r["reference"] for r in report.reviews] == ["DARDR 2025-02"]
    assert (report.components, report.benchmark) == ([], None)
    assert report.trend[-1]["open"] == 2 and report.trend[-1]["overdue"] == 1
    report = services.progress_report(_scope(world, "coordinator"), TODAY, ReviewType.DARDR)
    assert (report.total, report.withheld) == (3, 0)
    assert [r["reference"] for r in report.reviews] == ["DARDR 2025-02", SECRET_REFERENCE]
    everything = services.progress_report(chair, TODAY)
    assert (everything.total, everything.withheld) == (5, 1)


def test_learning_of_one_type_reads_the_recommendations_of_its_reviews(ctx, world):
    report = services.learning_report(_scope(world, "chair"), TODAY, ReviewType.DARDR)
    [line] = report["themes"]
    assert (line.recommendations, line.reviews, line.actions, line.overdue) == (1, 1, 2, 1)
    assert report["reviews"] == 1
    assert report["withheld_note"] == "1 recommendation from a review not yet published is not shown."
    report = services.learning_report(_scope(world, "on_panel"), TODAY, ReviewType.DARDR)
    assert (report["themes"][0].recommendations, report["reviews"], report["withheld_note"]) == (2, 2, "")
    report = services.learning_report(_scope(world, "chair"), TODAY, ReviewType.DHR)
    assert (report["themes"][0].recommendations, report["reviews"], report["withheld_note"]) == (1, 1, "")


def _browser(app, world, who):
    browser = Browser(app.test_client())
    browser.sign_in(world["people"][who].email)
    return browser


def _pdf(data):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_every_report_page_offers_every_type_and_keeps_the_choice_in_its_downloads(app, world):
    browser = _browser(app, world, "chair")
    for report in ("overdue", "progress", "learning"):
        url = f"/partnerships/{world['p'].id}/reports/{report}"
        html = browser.get(url + "?review_type=dardr").get_data(as_text=True)
        assert 'name="review_type"' in html and "All types" in html and "Type of review" in html
        for review_type in ReviewType:  # built from the enumeration: a new type appears without a change here
            assert f'value="{review_type.value}"' in html and review_type.label in html
        assert '<option value="dardr" selected>' in html
        for kind in ("pdf", "xlsx", "csv"):
            assert f"{url}.{kind}?review_type=dardr" in html
        assert browser.get(url + "?review_type=nonsense").status_code == 200  # unknown: all types


def test_the_overdue_report_of_one_type_in_every_format_withholds_as_ever(app, world):
    browser = _browser(app, world, "chair")
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    page = text(browser.get(base + "?review_type=dardr"))
    assert "1 overdue action " in page and "Ask about coercion at every assessment" in page
    assert "1 overdue action from a review not yet published is not shown." in page
    assert "Check a partner's history" not in page and "Refresh the domestic abuse strategy" not in page
    pdf = _pdf(browser.get(base + ".pdf?review_type=dardr").data)
    assert "Type of review: Domestic Abuse Related Death Review" in pdf
    assert "1 overdue action; on average 8 days late" in pdf and "Ask about coercion" in pdf
    rows = list(csv.reader(io.StringIO(browser.get(base + ".csv?review_type=dardr").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert [row[3] for row in rows if row[0] == "Overdue actions"][1:] == ["Ask about coercion at every assessment"]
    sheet = load_workbook(io.BytesIO(browser.get(base + ".xlsx?review_type=dardr").data))["Overdue actions"]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["Ask about coercion at every assessment"]
    everything = " ".join([page, pdf, str(rows)])
    assert SECRET_ACTION not in everything and SECRET_REFERENCE not in everything


def test_the_progress_and_learning_reports_of_one_type(app, world):
    browser = _browser(app, world, "chair")
    base = f"/partnerships/{world['p'].id}/reports"
    progress = browser.get(f"{base}/progress?review_type=dardr").get_data(as_text=True)
    assert "<strong>2</strong> actions</li>" in progress
    assert "1 action from a review not yet published is not shown." in progress
    assert "DARDR 2025-02" in progress and "DHR 2024-01" not in progress
    learning = text(browser.get(f"{base}/learning?review_type=dhr"))
    assert "The recommendations of the partnership's 1 review, by theme." in learning
    for kind in ("pdf", "csv", "xlsx"):
        body = browser.get(f"{base}/progress.{kind}?review_type=dardr")
        words = _pdf(body.data) if kind == "pdf" else str(body.data)
        assert SECRET_REFERENCE not in words and SECRET_ACTION not in words
    assert "Type of review: Domestic Homicide Review" in _pdf(browser.get(f"{base}/learning.pdf?review_type=dhr")
                                                              .data)
