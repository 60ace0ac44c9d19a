"""The reports keep a confidential SUSR as they keep a DHR: the checks of tests/reports/test_confidential_everywhere.py
(every report, export, pack and feed, as each person of the partnership) run again on the same partnership moved to
Wales, each of its reviews a SUSR that meets the DHR and adult practice criteria."""
import pytest

from tests.reports.test_confidential_everywhere import (  # noqa: F401  (collected and run again here)
    test_nothing_of_an_unpublished_review_reaches_those_who_cannot_open_it,
    test_the_pack_emailed_to_the_strategic_group_carries_nothing_of_it,
    test_the_pack_puts_to_the_meeting_only_what_the_strategic_group_signs_off,
    test_the_strategic_chairs_reports_and_action_list_agree,
    world,
)
from tests.reviews.wales import BOARD
from tracker.enums import Nation, ReviewType, SafeguardingCriterion
from tracker.extensions import db
from tracker.partnerships.models import Partnership
from tracker.reviews.models import Review, ReviewCriterion


@pytest.fixture(autouse=True)
def in_wales(app, world):  # noqa: F811  (the imported fixture, asked for by name)
    with app.app_context():
        db.session.get(Partnership, world["p"].id).nation = Nation.WALES
        for review in world["reviews"]:
            record = db.session.get(Review, review.id)
            record.review_type, record.regional_safeguarding_board = ReviewType.SUSR, BOARD
            record.criteria_met = [ReviewCriterion(criterion=criterion) for criterion in
                                   (SafeguardingCriterion.DHR, SafeguardingCriterion.ADULT_PRACTICE)]
        db.session.commit()
