"""A partnership in Wales and its Single Unified Safeguarding Review, for the rules that hold for both nations."""
import itertools

from tracker.enums import Nation, SafeguardingCriterion
from tracker.partnerships.models import Partnership
from tracker.reviews.models import ReviewCriterion

_numbers = itertools.count(1)
BOARD = "Cwm Taf Morgannwg Safeguarding Board"


def welsh_partnership(make):
    return make.save(Partnership(name=f"Welsh partnership {next(_numbers)}", area="Cwm Taf Morgannwg",
                                 nation=Nation.WALES))


def susr(*criteria):
    """make.review's fields of a SUSR meeting these criteria: by default the DHR and adult practice ones, so that
    the Home Office quality-assures it as it does a DHR."""
    criteria = criteria or (SafeguardingCriterion.DHR, SafeguardingCriterion.ADULT_PRACTICE)
    return dict(review_type="susr", regional_safeguarding_board=BOARD,
                criteria_met=[ReviewCriterion(criterion=criterion) for criterion in criteria])
