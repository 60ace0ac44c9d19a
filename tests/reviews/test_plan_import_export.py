"""Action plans in and out of spreadsheets: all or nothing, never twice, and never a formula into Excel."""
import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.conftest import text
from tracker.actions.models import Action
from tracker.enums import DeliveryState
from tracker.extensions import db
from tracker.reviews import services
from tracker.reviews.models import Recommendation
from tracker.spreadsheets import FORMULA_STARTS, csv_bytes, neutralise, xlsx_bytes

HEADER = services.COLUMNS


def _csv(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(number, action="", agency="", text="Share risk information with GPs", scope="Local", target="31/03/2027",
         milestones="", completed="", outcome=""):
    return [number, text, scope, action, agency, milestones, target if action else "", completed, outcome]


@pytest.fixture
def plan(app, make, as_user):
    p = make.partnership()
    make.agency(p, name="Thames Valley Police")
    make.agency(p, name="MK Housing", sector="housing")
    chair = make.member(p, "panel_member", name="Independent Chair")
    review = make.review(p, panel=[(chair, True)])
    return dict(p=p, review=review, chair=as_user(chair))


def _upload(browser, review, data, filename="plan.csv"):
    return browser.upload(f"/reviews/{review.id}/import", {"file": (io.BytesIO(data), filename)})


def _counts(app, review):
    with app.app_context():
        recs = db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)
                                 .where(Recommendation.review_id == review.id))
        actions = db.session.scalar(sa.select(sa.func.count()).select_from(Action)
                                    .join(Recommendation).where(Recommendation.review_id == review.id))
    return recs, actions


GOOD_ROWS = [
    _row("1", "Publish a GP information-sharing protocol", "Thames Valley Police", milestones="Draft by January"),
    _row("1", "Train housing officers in risk assessment", "MK Housing"),
    _row("2", "Add routine enquiry to housing assessments", "mk housing",
         text="Housing should ask about abuse", target="2027-06-30"),
    _row("N1", text="The Home Office should update its guidance", scope="National"),
]


def test_a_good_file_saves_every_row(app, plan):
    response = _upload(plan["chair"], plan["review"], _csv(GOOD_ROWS))
    assert response.status_code == 302, text(response)[:600]
    assert _counts(app, plan["review"]) == (3, 3)
    page = text(plan["chair"].get(response.headers["Location"]))
    assert "Imported 3 new recommendations and 3 new actions." in page
    assert "Recommendation N1 has no action yet" in page
    with app.app_context():
        action = db.session.scalar(sa.select(Action).where(Action.title.like("Add routine%")))
        assert action.deadline == date(2027, 6, 30) and action.lead_agency.name == "MK Housing"
        assert action.source.value == "dhr"


def test_one_bad_row_among_many_saves_nothing_and_names_the_row(app, plan):
    rows = [_row(str(n), f"Deliver output {n}", "Thames Valley Police") for n in range(1, 30)]
    rows[16] = _row("17", "Deliver output 17", "Thames Valley Constabulary")
    response = _upload(plan["chair"], plan["review"], _csv(rows))
    page = text(response)
    assert response.status_code == 200
    assert "1 row of the file need correcting. Nothing has been imported." in page
    assert "18 The lead agency ‘Thames Valley Constabulary’ is not an agency of this partnership" in page
    assert _counts(app, plan["review"]) == (0, 0)


@pytest.mark.parametrize("row, message", [
    (_row("", "Do something", "MK Housing"), "The recommendation number is missing"),
    (_row("5", "Do something", "MK Housing", target="next spring"), "the target date ‘next spring’ is not a date"),
    (_row("5", "Do something", "MK Housing", scope="Global"), "The scope ‘Global’ is not local, regional or"),
    (_row("5", "Do something", "MK Housing", text=""), "The recommendation text is missing"),
])
def test_each_kind_of_bad_row_is_explained(app, plan, row, message):
    response = _upload(plan["chair"], plan["review"], _csv([GOOD_ROWS[0], row]))
    assert message.lower() in text(response).lower()
    assert _counts(app, plan["review"]) == (0, 0)


def test_importing_the_same_file_twice_changes_nothing(app, plan):
    data = _csv(GOOD_ROWS)
    _upload(plan["chair"], plan["review"], data)
    again = _upload(plan["chair"], plan["review"], data)
    assert "Imported 0 new recommendations and 0 new actions; 3 rows were already in the plan." in text(
        plan["chair"].get(again.headers["Location"]))
    assert _counts(app, plan["review"]) == (3, 3)


def _plan_snapshot(app, review):
    with app.app_context():
        from tracker.reviews.models import Review

        return services.plan_rows(db.session.get(Review, review.id))[1]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_into_a_fresh_review_gives_the_same_plan(app, make, plan, kind):
    _upload(plan["chair"], plan["review"], _csv(GOOD_ROWS))
    exported = plan["chair"].get(f"/reviews/{plan['review'].id}/action-plan.{kind}")
    assert "attachment" in exported.headers["Content-Disposition"]
    fresh = make.review(plan["p"], panel=[])
    coordinator = make.member(plan["p"], "coordinator")
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.sign_in(coordinator.email)
    response = _upload(browser, fresh, exported.data, f"plan.{kind}")
    assert response.status_code == 302, text(response)[:800]
    assert _plan_snapshot(app, fresh) == _plan_snapshot(app, plan["review"])


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_dangerous_leading_character_is_neutralised(start):
    dangerous = f"{start}HYPERLINK(\"http://evil.example\")"
    assert neutralise(dangerous) == "'" + dangerous
    rows = list(csv.reader(io.StringIO(csv_bytes(["a"], [[dangerous]]).decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "'" + dangerous
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["a"], [[dangerous]]))).active
    # XML turns a carriage return into a line feed; what matters is the leading apostrophe and text type
    assert sheet["A2"].value == ("'" + dangerous).replace("\r", "\n")
    assert sheet["A2"].data_type == "s"


def test_safe_text_is_left_alone():
    assert neutralise("Publish a protocol") == "Publish a protocol"
    assert neutralise(42) == 42


def test_exported_plan_neutralises_a_formula_typed_into_an_action(app, make, plan):
    from tracker.reviews.models import Review

    _upload(plan["chair"], plan["review"], _csv([_row("1", "=cmd|' /C calc'!A0", "MK Housing")]))
    sheet = load_workbook(io.BytesIO(plan["chair"].get(f"/reviews/{plan['review'].id}/action-plan.xlsx").data)).active
    assert sheet["D2"].value == "'=cmd|' /C calc'!A0"
    with app.app_context():
        assert db.session.get(Review, plan["review"].id).recommendations[0].actions[0].title == "=cmd|' /C calc'!A0"


def _xlsx(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_file_imports_like_a_csv(app, plan):
    response = _upload(plan["chair"], plan["review"], _xlsx(GOOD_ROWS), "plan.xlsx")
    assert response.status_code == 302
    assert _counts(app, plan["review"]) == (3, 3)


@pytest.mark.parametrize("filename, data, message", [
    ("plan.pdf", b"%PDF-1.4", "The file must be a CSV file or an Excel workbook (.xlsx)"),
    ("plan.csv", b"", "The selected file is empty"),
    ("plan.csv", b"a" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2 MB"),
    ("plan.csv", _csv(GOOD_ROWS, header=["Number", "Text", "Who"]), "Missing: Recommendation number"),
    ("plan.csv", "Recommendation number,Recommendation\n1,Café\n".encode("latin-1"), "must be saved as UTF-8"),
    ("plan.xlsx", b"PK\x03\x04 not really a workbook", "not a valid Excel workbook"),
])
def test_bad_files_are_refused_clearly_and_save_nothing(app, plan, filename, data, message):
    response = _upload(plan["chair"], plan["review"], data, filename)
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert message in text(response)
    assert _counts(app, plan["review"]) == (0, 0)


def test_recommendation_state_for_each_case(ctx, make):
    p = make.partnership()
    review = make.review(p)

    def state_with(*statuses):
        recommendation = make.recommendation(review)
        for status in statuses:
            make.action(p, recommendation_id=recommendation.id, status=status)
        db.session.expire_all()
        return services.recommendation_state(db.session.get(Recommendation, recommendation.id))

    assert state_with() is DeliveryState.NO_ACTION
    assert state_with("in_progress", "closed") is DeliveryState.IN_PROGRESS
    assert state_with("blocked") is DeliveryState.IN_PROGRESS
    assert state_with("completed", "closed") is DeliveryState.COMPLETED
    assert state_with("closed", "closed") is DeliveryState.CLOSED


def test_plan_complete_date_is_the_last_closure_once_every_recommendation_is_closed(ctx, make):
    p = make.partnership()
    review = make.review(p)
    first, second = make.recommendation(review), make.recommendation(review)
    make.action(p, recommendation_id=first.id, status="closed", closed_on=date(2027, 1, 5))
    make.action(p, recommendation_id=second.id, status="completed")
    from tracker.reviews.models import Review

    db.session.expire_all()
    recommendations = services.recommendations_of(db.session.get(Review, review.id))
    assert services.plan_completed_on(recommendations) is None
    make.action(p, recommendation_id=second.id, status="closed", closed_on=date(2027, 2, 9))
    db.session.expire_all()
    for action in db.session.scalars(sa.select(Action).where(Action.recommendation_id == second.id)):
        action.status, action.closed_on = "closed", action.closed_on or date(2027, 1, 20)
    db.session.commit()
    recommendations = services.recommendations_of(db.session.get(Review, review.id))
    assert services.plan_completed_on(recommendations) == date(2027, 2, 9)
