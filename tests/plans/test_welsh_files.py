"""Plans in Wales: a recommendation's Welsh text goes out in its own column and comes back, and a file exported in
Welsh (headers, statuses, scopes, components, months and yes in Welsh) imports again as the same plan. The Welsh
comes from the catalogue, so these hold whatever it has compiled; with it compiled, every word is Welsh."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tracker.actions.services import save_action
from tracker.enums import ActionStatus, Scope
from tracker.extensions import db
from tracker.i18n import translated_in
from tracker.plans import cells, exports, services
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.services import save_recommendation, themes_of

WELSH = "Dylai asiantaethau rannu canlyniadau MARAC gyda meddyg teulu'r dioddefwr."
#: Welsh text a spreadsheet would run as a formula, on two lines: it must come back as it was
FORMULA = "=2+2\n@SUM(A1)"


def _plan(make):
    """A review with every scope and status, a component, a month-only deadline and Welsh texts."""
    p = make.partnership()
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Housing")
    review = make.review(p)
    themes = themes_of(p)
    for number, scope, status in (("1", Scope.LOCAL, ActionStatus.NOT_STARTED),
                                  ("2", Scope.REGIONAL, ActionStatus.IN_PROGRESS),
                                  ("3", Scope.NATIONAL, ActionStatus.BLOCKED),
                                  ("4", Scope.LOCAL, ActionStatus.COMPLETED),
                                  ("5", Scope.LOCAL, ActionStatus.CLOSED)):
        recommendation = save_recommendation(review, None, dict(
            number=number, text=f"Recommendation {number}", scope=scope.value,
            welsh_text=FORMULA if number == "3" else f"{WELSH} ({number})", agency_ids=[police.id],
            external_body="" if scope is Scope.LOCAL else "Home Office",
            theme_ids=[themes[0].id], component="survivor_voice"))
        action = save_action(p, None, dict(
            title=f"Act on {number}", outcome="", measure="", lead_agency_id=housing.id, owner_id=None,
            supporting_agency_ids=[], milestones="", estimated_cost=Decimal("1500.50"), funding_source="",
            staff_time="", within_existing_resources=True, review_arrangement="", component="", theme="",
            strategic_objective=""), deadline=date(2027, 10, 31), origin=recommendation)
        action.deadline_is_month = number == "2"
        action.status = status
        if status in (ActionStatus.COMPLETED, ActionStatus.CLOSED):
            action.completed_on, action.completion_note = date(2027, 3, 1), "Done"
        db.session.commit()
    return p, review


def _import(make, p, data, kind):
    """Into a new, empty review of the partnership; returns it."""
    empty = db.session.get(Review, make.review(p).id)
    plan = services.build_preview(p, empty, f"plan.{kind}", data, {}, {})
    assert not plan.problems, plan.problems
    assert not plan.unknown, [u.name for u in plan.unknown]
    services.apply_preview(p, plan, None)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Review, empty.id)


def _header(data, kind):
    if kind == "csv":
        return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [cell.value for cell in load_workbook(io.BytesIO(data)).worksheets[0][1]]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_recommendations_welsh_text_survives_export_and_import(ctx, make, kind):
    p, review = _plan(make)
    data = exports.spreadsheet(p, [review], kind)[0]
    header = _header(data, kind)
    assert header[header.index("Recommendation") + 1] == "Recommendation (Welsh)"
    imported = _import(make, p, data, kind)
    assert sorted((r.number, r.welsh_text) for r in imported.recommendations) == \
        sorted((r.number, r.welsh_text) for r in review.recommendations)
    assert exports.plan_table([imported])[1] == exports.plan_table([review])[1]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_older_file_without_the_welsh_column_keeps_the_welsh_text(ctx, make, kind):
    p, review = _plan(make)
    header, rows = exports.plan_table([review])
    column = header.index("Recommendation (Welsh)")
    data = exports.csv_bytes([h for n, h in enumerate(header) if n != column],
                             [[v for n, v in enumerate(row) if n != column] for row in rows])
    plan = services.build_preview(p, review, "plan.csv", data, {}, {})
    assert not plan.problems and not any(r.changes for r in plan.reviews[0].recommendations)
    services.apply_preview(p, plan, None)
    db.session.commit()
    assert sorted(r.welsh_text for r in db.session.get(Review, review.id).recommendations) == sorted(
        [FORMULA] + [f"{WELSH} ({n})" for n in "1245"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("reader", ["en", "cy"])
def test_a_plan_exported_in_welsh_imports_again_as_the_same_plan(ctx, make, kind, reader):
    p, review = _plan(make)
    with force_locale("cy"):
        data = exports.spreadsheet(p, [review], kind)[0]
    header = _header(data, kind)
    assert header[:3] == [translated_in("cy", h) for h in ("Recommendation number", "Recommendation",
                                                           "Recommendation (Welsh)")]
    with force_locale(reader):
        imported = _import(make, p, data, kind)
    assert exports.plan_table([imported])[1] == exports.plan_table([review])[1]
    statuses = {a.title: a.status for r in imported.recommendations for a in r.actions}
    assert statuses == {f"Act on {n}": s for n, s in (("1", ActionStatus.NOT_STARTED), ("2", ActionStatus.IN_PROGRESS),
                                                      ("3", ActionStatus.BLOCKED), ("4", ActionStatus.COMPLETED),
                                                      ("5", ActionStatus.CLOSED))}
    month = db.session.scalar(db.select(Recommendation).where(Recommendation.review_id == imported.id,
                                                              Recommendation.number == "2")).actions[0]
    assert (month.deadline, month.deadline_is_month) == (date(2027, 10, 31), True)


def test_a_month_or_a_day_written_in_welsh_is_read():
    assert cells.parse_date("Hydref 2016") == cells.PlanDate(date(2016, 10, 31), True)
    assert cells.parse_date("31 Hydref 2016") == cells.PlanDate(date(2016, 10, 31))
    assert cells.parse_date("1 Mawrth 2027") == cells.PlanDate(date(2027, 3, 1))
    assert cells.parse_date("Mai 2027") == cells.PlanDate(date(2027, 5, 31), True)
    assert cells.parse_date("March 2027") == cells.PlanDate(date(2027, 3, 31), True)  # English as before


def test_statuses_and_scopes_are_read_in_either_language(ctx):
    for status in ActionStatus:
        assert cells.parse_status(translated_in("cy", status.english_label)) == status.value
        assert cells.parse_status(status.english_label) == status.value
    for scope in Scope:
        assert cells.scope_of(translated_in("cy", scope.english_label)) == scope.value
    assert cells.scope_of("Local and national") == Scope.NATIONAL.value


def test_a_word_plan_exported_in_welsh_imports_as_the_one_in_english_does(ctx, make):
    """The same recommendations, actions, statuses and dates; an unfinished action's completion cell (its status, in
    the file's language) stays its outcome as written."""
    p, review = _plan(make)
    with force_locale("cy"):
        welsh = exports.word(review)
    english = exports.word(review)
    header, from_welsh = exports.plan_table([_import(make, p, welsh, "docx")])
    _header_again, from_english = exports.plan_table([_import(make, p, english, "docx")])
    outcome = header.index("Outcome")
    assert [row[:outcome] for row in from_welsh] == [row[:outcome] for row in from_english]
    assert [row[outcome] for row in from_welsh if row[outcome] == "Done"] == ["Done", "Done"]
