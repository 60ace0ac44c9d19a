"""The SMART check, letter by letter: each letter both passes and fails for the right reason."""
from datetime import date
from decimal import Decimal

import pytest

from tracker.actions.smart import gaps, smart_check

TODAY = date(2026, 11, 23)
GOOD = dict(
    title="Publish a joint protocol for sharing MARAC information with GPs",
    outcome="GPs know which patients are at high risk and act on it",
    measure="Protocol signed by all GP practices; 90% of practices trained by 31 March 2027",
    owner_id=7, lead_agency_id=3, deadline=date(2027, 3, 31),
    estimated_cost=None, funding_source="", staff_time="", within_existing_resources=True,
    created_on=TODAY,
)


def letter(result, name):
    return next(item for item in result if item.letter == name)


def test_a_good_action_passes_every_letter():
    result = smart_check(**GOOD)
    assert gaps(result) == ""
    assert [item.letter for item in result] == ["S", "M", "A", "R", "T"]


@pytest.mark.parametrize("changes, reason", [
    ({"title": ""}, "No action is stated"),
    ({"title": "Consider how GPs could share information", "measure": ""}, "“consider” promises activity"),
    ({"title": "Explore options for routine enquiry", "measure": ""}, "“explore” promises activity"),
    ({"title": "Look into housing referrals", "measure": ""}, "“look into” promises activity"),
    ({"title": "Raise awareness of coercive control", "measure": ""}, "“raise awareness” promises activity"),
    ({"outcome": "  "}, "No outcome"),
])
def test_specific_fails(changes, reason):
    result = letter(smart_check(**{**GOOD, **changes}), "S")
    assert not result.passed and reason in result.reason


def test_a_vague_verb_with_a_deliverable_is_specific():
    result = smart_check(**{**GOOD, "title": "Raise awareness of coercive control among housing officers",
                            "measure": "Briefing delivered to all 40 housing officers by March"})
    assert letter(result, "S").passed


def test_measurable_fails_without_a_measure():
    result = letter(smart_check(**{**GOOD, "measure": ""}), "M")
    assert not result.passed and "No measure of success" in result.reason


@pytest.mark.parametrize("changes, reason", [
    ({"owner_id": None}, "No named owner"),
    ({"lead_agency_id": None}, "No lead agency"),
    ({"owner_id": None, "lead_agency_id": None}, "No owner and no lead agency"),
])
def test_assigned_fails(changes, reason):
    result = letter(smart_check(**{**GOOD, **changes}), "A")
    assert not result.passed and reason in result.reason


@pytest.mark.parametrize("changes, passed, reason", [
    ({"within_existing_resources": False}, False, "No resources stated"),
    ({"within_existing_resources": False, "estimated_cost": Decimal("4000")}, False, "not where the money comes"),
    ({"within_existing_resources": False, "estimated_cost": Decimal("4000"), "funding_source": "PCC grant"},
     True, "Resources are stated"),
    ({"within_existing_resources": False, "staff_time": "3 days of the DA lead"}, True, "Resources are stated"),
])
def test_resourced(changes, passed, reason):
    result = letter(smart_check(**{**GOOD, **changes}), "R")
    assert result.passed is passed and reason in result.reason


@pytest.mark.parametrize("deadline, passed, reason", [
    (None, False, "No deadline"),
    (date(2026, 11, 22), False, "already past"),
    (date(2026, 11, 23), True, "within two years"),
    (date(2028, 11, 22), True, "within two years"),
    (date(2028, 11, 23), False, "more than 24 months"),
])
def test_time_bound(deadline, passed, reason):
    result = letter(smart_check(**{**GOOD, "deadline": deadline}), "T")
    assert result.passed is passed and reason in result.reason


def test_time_bound_is_judged_from_the_day_the_action_was_recorded():
    # recorded a year ago with a deadline 23 months later: still time-bound today
    result = smart_check(**{**GOOD, "created_on": date(2025, 11, 23), "deadline": date(2027, 10, 31)})
    assert letter(result, "T").passed


def test_gaps_lists_the_failing_letters_in_order():
    assert gaps(smart_check(**{**GOOD, "measure": "", "within_existing_resources": False})) == "MR"
