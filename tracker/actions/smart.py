"""The SMART check: reads an action and says, letter by letter, what is missing or vague. It advises; it
never blocks saving."""
import re
from dataclasses import dataclass

from flask_babel import gettext

from tracker.i18n import N_

#: phrases that promise activity rather than a deliverable
VAGUE_PHRASES = (
    "consider", "explore", "look into", "look at", "raise awareness", "promote", "encourage", "seek to",
    "aim to", "endeavour", "strive", "continue to", "think about", "be mindful", "reflect on",
)
MAX_MONTHS_AHEAD = 24
#: the five letters' names, in English: each letter is its name's initial
NAMES = (N_("Specific"), N_("Measurable"), N_("Assigned and achievable"), N_("Resourced and realistic"),
         N_("Time-bound"))


@dataclass(frozen=True)
class Letter:
    #: the English initial, as an action's SMART gaps are stored and shown ("MR")
    letter: str
    #: the letter's name and the reason, in the reader's language
    name: str
    passed: bool
    reason: str


def _vague_phrase(text):
    lowered = " " + re.sub(r"\s+", " ", (text or "").lower()) + " "
    for phrase in VAGUE_PHRASES:
        if re.search(rf"\b{re.escape(phrase)}\b", lowered):
            return phrase
    return None


def _months_between(start, end):
    return (end.year - start.year) * 12 + (end.month - start.month) - (1 if end.day < start.day else 0)


def smart_check(*, title, outcome, measure, owner_id, lead_agency_id, deadline, estimated_cost, funding_source,
                staff_time, within_existing_resources, created_on):
    """Return five Letters (S, M, A, R, T). `created_on` is the day the action was first recorded (today for
    a new one): a deadline already past then, or more than 24 months after it, is not time-bound."""
    title, outcome, measure = (title or "").strip(), (outcome or "").strip(), (measure or "").strip()

    vague = _vague_phrase(title)
    if not title:
        specific = (False, gettext("No action is stated."))
    elif vague and not measure:
        specific = (False, gettext("“%(phrase)s” promises activity, not a deliverable: say what will be produced or "
                                   "changed.", phrase=vague))
    elif not outcome:
        specific = (False, gettext("No outcome: say what should be different for victims or services when this is "
                                   "done."))
    else:
        specific = (True, gettext("A specific act with an outcome."))

    if not measure:
        measurable = (False, gettext("No measure of success: say how anyone will see it is done (an output, a "
                                     "number or a dated deliverable)."))
    else:
        measurable = (True, gettext("Has a measure of success."))

    if not owner_id and not lead_agency_id:
        assigned = (False, gettext("No owner and no lead agency."))
    elif not owner_id:
        assigned = (False, gettext("No named owner."))
    elif not lead_agency_id:
        assigned = (False, gettext("No lead agency."))
    else:
        assigned = (True, gettext("A named owner in a lead agency."))

    has_money = estimated_cost is not None and estimated_cost > 0
    if has_money and not (funding_source or "").strip():
        resourced = (False, gettext("A cost is given but not where the money comes from."))
    elif has_money or (staff_time or "").strip() or within_existing_resources:
        resourced = (True, gettext("Resources are stated."))
    else:
        resourced = (False, gettext("No resources stated: give the cost and its source, the staff time, or say it "
                                    "is within existing resources."))

    if deadline is None:
        timed = (False, gettext("No deadline."))
    elif deadline < created_on:
        timed = (False, gettext("The deadline was already past when the action was recorded."))
    elif _months_between(created_on, deadline) >= MAX_MONTHS_AHEAD:
        timed = (False, gettext("The deadline is more than %(months)d months away: add a nearer milestone or split "
                                "the action.", months=MAX_MONTHS_AHEAD))
    else:
        timed = (True, gettext("Has a deadline within two years."))

    results = (specific, measurable, assigned, resourced, timed)
    return [Letter(name[0], gettext(name), passed, reason) for name, (passed, reason) in zip(NAMES, results,
                                                                                              strict=True)]


def gaps(letters):
    """The failing letters as a short string, e.g. 'MR'."""
    return "".join(letter.letter for letter in letters if not letter.passed)


def check_action(action, created_on):
    return smart_check(
        title=action.title, outcome=action.outcome, measure=action.measure, owner_id=action.owner_id,
        lead_agency_id=action.lead_agency_id, deadline=action.deadline, estimated_cost=action.estimated_cost,
        funding_source=action.funding_source, staff_time=action.staff_time,
        within_existing_resources=action.within_existing_resources, created_on=created_on,
    )
