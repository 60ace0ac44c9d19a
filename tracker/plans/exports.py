"""Action plans out, with headers and fixed words in the reader's language: the same columns an import reads (CSV,
XLSX with drop-down lists), and the Home Office layout in Word for the overview report."""
import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from tracker.actions.forms import COMPONENT_LABELS
from tracker.actions.models import Action
from tracker.actions.state import london_today
from tracker.enums import ActionStatus, Scope
from tracker.extensions import db
from tracker.i18n import long_date, month_year
from tracker.partnerships.models import Agency
from tracker.plans.columns import EXPORTED, HOME_OFFICE_HEADER, header_of
from tracker.plans.documents import Table, plan_docx, workbook
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.services import natural_key, themes_of
from tracker.spreadsheets import csv_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _recommendations(reviews):
    # a supporting agency is always one of the partnership's: saying so lets the database read the agencies
    # through the partnership's index rather than the country's
    partnership_ids = {r.partnership_id for r in reviews}
    rows = db.session.scalars(
        sa.select(Recommendation).where(Recommendation.review_id.in_([r.id for r in reviews]))
        .options(selectinload(Recommendation.agencies), selectinload(Recommendation.themes),
                 selectinload(Recommendation.actions).selectinload(Action.lead_agency),
                 selectinload(Recommendation.actions).selectinload(
                     Action.supporting_agencies.and_(Agency.partnership_id.in_(partnership_ids))),
                 selectinload(Recommendation.actions).selectinload(Action.owner),
                 selectinload(Recommendation.actions).selectinload(Action.milestone_items))).all()
    by_review = {}
    for recommendation in rows:
        by_review.setdefault(recommendation.review_id, []).append(recommendation)
    return [(review, sorted(by_review.get(review.id, []), key=lambda r: natural_key(r.number)))
            for review in reviews]


def _names(items):
    return "; ".join(i.name for i in items)


def _date(day, is_month):
    """A real date where the plan gave a day; the month's words where it gave a month."""
    if day is None:
        return None
    return month_year(day) if is_month else day


def recommendation_cells(recommendation):
    return {"number": recommendation.number, "text": recommendation.text, "welsh_text": recommendation.welsh_text,
            "scope": recommendation.scope.label, "addressees": _names(recommendation.agencies),
            "external_body": recommendation.external_body, "themes": _names(recommendation.themes),
            "component": str(COMPONENT_LABELS.get(recommendation.component, recommendation.component))}


def action_cells(action):
    return {"title": action.title, "outcome": action.outcome, "measure": action.measure,
            "lead_agency": action.lead_agency.name if action.lead_agency else "",
            "supporting": _names(action.supporting_agencies), "owner_email": action.owner.email if action.owner else "",
            "milestones": action.milestones, "deadline": _date(action.deadline, action.deadline_is_month),
            "cost": action.estimated_cost, "funding": action.funding_source, "staff_time": action.staff_time,
            "within_existing": gettext("Yes") if action.within_existing_resources else "",
            "review_arrangement": action.review_arrangement, "strategic_objective": action.strategic_objective,
            "survivor_involvement": action.survivor_involvement,
            "groups_served": "; ".join(group.label for group in action.groups),
            "status": action.status.label, "completed_on": _date(action.completed_on, action.completed_is_month),
            "completion_outcome": action.completion_note}


def plan_table(reviews, with_review=False):
    """(header, rows): one row per action, a recommendation with none on a row of its own, every field that an
    import reads back."""
    fields = [f for f in EXPORTED if with_review or f.key != "review"]
    rows = []
    for review, recommendations in _recommendations(reviews):
        for recommendation in recommendations:
            base = {"review": review.reference, **recommendation_cells(recommendation)}
            for cells in [action_cells(a) for a in recommendation.actions] or [{}]:
                rows.append([{**base, **cells}.get(f.key, "") for f in fields])
    return [header_of(f.key) for f in fields], rows


def template_header():
    """The columns of an empty plan: every one an import reads back but the review's."""
    return [header_of(f.key) for f in EXPORTED if f.key != "review"]


def lists_for(partnership):
    """The drop-down lists of the downloadable template and of exports: what an import accepts."""
    return {header_of("scope"): [s.label for s in Scope],
            header_of("status"): [s.label for s in ActionStatus],
            header_of("lead_agency"): [a.name for a in partnership.agencies],
            header_of("themes"): [t.name for t in themes_of(partnership)],
            header_of("component"): [str(label) for label in COMPONENT_LABELS.values()]}


def spreadsheet(partnership, reviews, kind, with_review=False, title=None):
    header, rows = plan_table(reviews, with_review)
    if kind == "csv":
        return csv_bytes(header, rows), "text/csv"
    return workbook([Table(title or gettext("Action plan"), header, rows, lists_for(partnership))]), XLSX


def template(partnership):
    """An empty plan in this tracker's columns, with the partnership's agencies and themes as drop-down lists."""
    return workbook([Table(gettext("Action plan"), template_header(), [], lists_for(partnership))])


def word(review):
    """The action plan in the Home Office layout: the recommendation once beside its actions."""
    (_review, recommendations), = _recommendations([review])
    groups = []
    for recommendation in recommendations:
        head = [f"{recommendation.number}. {recommendation.text}",
                recommendation.scope.label + (f": {recommendation.external_body}" if recommendation.external_body
                                              else "")]
        rows = [head + [a.title, a.lead_agency.name if a.lead_agency else "", a.milestones, a.deadline_label,
                        _completion_text(a)] for a in recommendation.actions]
        groups.append(rows or [head + [gettext("No action yet"), _names(recommendation.agencies), "", "", ""]])
    subtitle = gettext("Action plan, exported %(date)s", date=long_date(london_today()))
    return plan_docx(gettext("%(review)s: action plan", review=review.reference), subtitle,
                     [gettext(name) for name in HOME_OFFICE_HEADER], groups)


def _completion_text(action):
    if not action.completed_on:
        return action.status.label
    if action.completion_note:
        return gettext("Completed %(date)s: %(outcome)s", date=action.completed_label, outcome=action.completion_note)
    return gettext("Completed %(date)s", date=action.completed_label)


def reviews_for_register(user, partnership):
    """Every review of the partnership this person may see, for a whole-register export."""
    from tracker.permissions import can

    reviews = db.session.scalars(sa.select(Review).where(Review.partnership_id == partnership.id)
                                 .options(selectinload(Review.panel)).order_by(Review.reference)).all()
    return [r for r in reviews if can(user, "view", r)]
