"""Recommendations to bodies as records for other systems: the open data downloads and the API share one versioned
schema (FIELDS documents it; /open-data/schema shows it), and one rule of what each audience may read.

The public reads only published reviews of partnerships that chose to take part: the recommendation as published,
the pseudonym only where the published report uses it. Through the API, a body's contact reads what was sent to
their body and a national observer every recommendation, each as the register shows it: before publication, only
what the partnership shared once it was sent."""
import sqlalchemy as sa
from sqlalchemy.orm import Bundle, contains_eager, joinedload, selectinload

from tracker.actions.state import london_today
from tracker.bodies.models import BodyContact, BodyRecommendation, ExternalBody
from tracker.bodies.services import as_listed, shown_text, state_value
from tracker.enums import ReviewStatus
from tracker.extensions import db
from tracker.i18n import N_
from tracker.partnerships.models import Partnership
from tracker.register.services import state_of
from tracker.reviews.models import Recommendation, Review

SCHEMA_VERSION = "1.0"

#: (name, type, description): the schema, in the order of the CSV's columns
FIELDS = (
    ("id", "integer", N_("The record's number in the tracker: one recommendation as addressed to one body.")),
    ("url", "string", N_("Its public page.")),
    ("partnership", "string", N_("The partnership whose review made the recommendation.")),
    ("review_reference", "string", N_("The review's reference, as the partnership gives it.")),
    ("review_type", "string", N_("dhr (Domestic Homicide Review), dardr (Domestic Abuse Related Death Review) or "
                                 "susr (Single Unified Safeguarding Review, Wales).")),
    ("review_published_on", "date", N_("When the review was published (YYYY-MM-DD); empty before publication.")),
    ("publication_url", "string", N_("Where the published report is.")),
    ("pseudonym", "string", N_("The victim's pseudonym, only where the published report uses it; otherwise empty.")),
    ("recommendation_number", "string", N_("The recommendation's number, as written in the report.")),
    ("recommendation_text", "string", N_("The recommendation as published; before publication, only what the "
                                         "partnership shared with the body (API only).")),
    ("recommendation_text_welsh", "string", N_("Its Welsh text, where the report is published in Welsh.")),
    ("scope", "string", N_("regional or national (local recommendations are not addressed to bodies).")),
    ("themes", "list of strings", N_("The partnership's themes of learning for the recommendation.")),
    ("body_id", "integer", N_("The body's number in the tracker: the same body for every partnership.")),
    ("body", "string", N_("The body the recommendation is addressed to.")),
    ("body_kind", "string", N_("government_department, national_agency, regional_body or other.")),
    ("sent_on", "date", N_("When the partnership sent it to the body.")),
    ("response_due_on", "date", N_("When the answer is due: 56 days after it was sent.")),
    ("response_received_on", "date", N_("When the body answered.")),
    ("response", "string", N_("accepted, accepted_in_part or rejected.")),
    ("response_text", "string", N_("The body's reasons, and what it will do.")),
    ("planned_actions", "list of objects", N_("What the body plans: text, due_on, done_on. In CSV, one line each.")),
    ("progress", "list of objects", N_("What the body has reported since: recorded_on, note. In CSV, one line "
                                       "each.")),
    ("state", "string", N_("Where it stands: not_sent, awaited, overdue, received, or the assessment.")),
    ("assessment", "string", N_("The partnership's judgement, on the NTSB-like scale: open_awaited, "
                                "open_acceptable, open_unacceptable, closed_implemented, closed_alternative, "
                                "closed_not_implemented or closed_superseded.")),
    ("assessed_on", "date", N_("When it was assessed.")),
    ("assessment_reason", "string", N_("Why.")),
    ("recheck_on", "date", N_("When an open assessment is to be looked at again.")),
)


def public_filter():
    """SQL: what the public may read."""
    return sa.and_(Review.status == ReviewStatus.PUBLISHED, Partnership.open_data.is_(True))


def reader_filter(user):
    """SQL: what a signed-in reader may read through the API: their bodies', or everything for national roles."""
    if user.is_administrator or user.national_role is not None:
        return sa.true()
    mine = sa.select(BodyContact.body_id).where(BodyContact.user_id == user.id)
    return sa.and_(BodyRecommendation.body_id.in_(mine), BodyRecommendation.sent_on.is_not(None))


def public_rows(*where):
    """(item, number, text, reference, partnership, body) of what the public may read, for a list: no more than it
    shows (and each item's body's id and name with it, so that a body's page needs no statement of its own)."""
    return (sa.select(as_listed(), Recommendation.number, Recommendation.text, Review.reference, Partnership.name,
                      Bundle("body", ExternalBody.id, ExternalBody.name))
            .join(ExternalBody, ExternalBody.id == BodyRecommendation.body_id)
            .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
            .join(Review, Review.id == Recommendation.review_id)
            .join(Partnership, Partnership.id == Review.partnership_id)
            .where(public_filter(), *where).order_by(BodyRecommendation.id))


def _select(*where):
    """Items with where each came from, in the statement that filters them."""
    return (sa.select(BodyRecommendation)
            .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
            .join(Review, Review.id == Recommendation.review_id)
            .join(Partnership, Partnership.id == Review.partnership_id)
            .where(*where)
            .options(joinedload(BodyRecommendation.body, innerjoin=True),
                     contains_eager(BodyRecommendation.recommendation).contains_eager(Recommendation.review)
                     .contains_eager(Review.partnership)))


def select_items(where, *more):
    """Items with everything a record holds, in id order, a page or batch at a time: each collection (themes,
    planned actions, progress) for the whole batch in one more statement."""
    return (_select(where, *more)
            .options(selectinload(BodyRecommendation.steps), selectinload(BodyRecommendation.progress),
                     contains_eager(BodyRecommendation.recommendation).selectinload(Recommendation.themes))
            .order_by(BodyRecommendation.id))


def select_item(item_id, where):
    """One item, if `where` lets it be read: its collections load as the record reads them, one statement each
    (for a single item that costs a third of what the batch loader's bookkeeping does)."""
    return _select(where, BodyRecommendation.id == item_id)


def _day(value):
    return value.isoformat() if value else None


def pseudonym(review):
    """The victim's pseudonym where the published report uses it; never before publication."""
    return review.pseudonyms if review.is_published and review.pseudonym_in_report else None


def record(item, base_url, is_public, today=None):
    """One item as the schema's dict (dates as ISO text)."""
    today = today or london_today()
    recommendation = item.recommendation
    review = recommendation.review
    if review.is_published:
        text, welsh = recommendation.text, recommendation.welsh_text or None
    else:  # what was shared with the body, and never with the public
        text, welsh = None if is_public else (shown_text(item) or None), None
    return dict(
        id=item.id, url=f"{base_url}/open-data/recommendations/{item.id}" if is_public else None,
        partnership=review.partnership.name, review_reference=review.reference, review_type=review.review_type.value,
        review_published_on=_day(review.published_on) if review.is_published else None,
        publication_url=(review.publication_url or None) if review.is_published else None,
        pseudonym=pseudonym(review),
        recommendation_number=recommendation.number, recommendation_text=text, recommendation_text_welsh=welsh,
        # the partnership's own classification: part of the record once the review is published
        scope=recommendation.scope.value,
        themes=[t.name for t in recommendation.themes] if review.is_published else [],
        body_id=item.body_id, body=item.body.name, body_kind=item.body.kind.value,
        sent_on=_day(item.sent_on), response_due_on=_day(item.response_due_on),
        response_received_on=_day(item.response_received_on), response=item.stance.value if item.stance else None,
        response_text=item.response_text or None,
        planned_actions=[dict(text=s.text, due_on=_day(s.due_on), done_on=_day(s.done_on)) for s in item.steps],
        progress=[dict(recorded_on=_day(p.recorded_on), note=p.note) for p in item.progress],
        state=state_value(item, today), assessment=item.assessment.value if item.assessment else None,
        assessed_on=_day(item.assessed_on), assessment_reason=item.assessment_reason or None,
        recheck_on=_day(item.recheck_on))


def csv_row(values):
    """A record as the CSV's cells: lists one per line."""
    cells = []
    for name, _type, _description in FIELDS:
        value = values[name]
        if name == "planned_actions":
            value = "\n".join(f"{a['due_on'] or ''}: {a['text']}" + (f" (done {a['done_on']})" if a["done_on"] else "")
                              for a in value)
        elif name == "progress":
            value = "\n".join(f"{p['recorded_on']}: {p['note']}" for p in value)
        elif name == "themes":
            value = "; ".join(value)
        cells.append("" if value is None else value)
    return cells


def public_bodies():
    """(body, how many public records, how many overdue) of every body with a public record, in name order."""
    state = state_of(london_today())
    # counted by body first, then named: joined to the bodies before counting, SQLite walked the country's public
    # records once for each body (890 ms at ten times national scale)
    counted = (sa.select(BodyRecommendation.body_id, sa.func.count().label("records"),
                         sa.func.count().filter(state == "overdue").label("overdue"))
               .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
               .join(Review, Review.id == Recommendation.review_id)
               .join(Partnership, Partnership.id == Review.partnership_id)
               .where(public_filter()).group_by(BodyRecommendation.body_id).subquery())
    return db.session.execute(
        sa.select(ExternalBody, counted.c.records, counted.c.overdue)
        .join(counted, counted.c.body_id == ExternalBody.id).order_by(sa.func.lower(ExternalBody.name))).all()

