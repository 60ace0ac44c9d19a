"""Spreadsheet exports never carry a formula into Excel; a recommendation's and a plan's delivery state."""
import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tracker.actions.models import Action
from tracker.enums import DeliveryState
from tracker.extensions import db
from tracker.reviews import services
from tracker.reviews.models import Recommendation
from tracker.spreadsheets import FORMULA_STARTS, csv_bytes, neutralise, xlsx_bytes


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_dangerous_leading_character_is_neutralised(start):
    dangerous = f"{start}HYPERLINK(\"http://evil.example\")"
    assert neutralise(dangerous) == "'" + dangerous
    rows = list(csv.reader(io.StringIO(csv_bytes(["a"], [[dangerous]]).decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "'" + dangerous
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["a"], [[dangerous]]))).active
    # the XML parser may turn a carriage return into a line feed; what matters is the apostrophe and text type
    assert sheet["A2"].value in ("'" + dangerous, ("'" + dangerous).replace("\r", "\n"))
    assert sheet["A2"].data_type == "s"


def test_safe_text_is_left_alone():
    assert neutralise("Publish a protocol") == "Publish a protocol"
    assert neutralise(42) == 42


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
