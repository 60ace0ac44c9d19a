"""The national register: every recommendation addressed to a body beyond the partnerships, across the instance,
for the national observer (a commissioner's office, say). Counts come from SQL aggregates, so that they cost the
same however many partnerships there are; lists are paged.

Before a review is published, the register shows what the partnership shared with the body once it was sent, and
no text at all before that: the same rule as the body's own pages."""
import statistics
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from tracker.actions.state import london_today
from tracker.bodies.models import BodyRecommendation, ExternalBody
from tracker.bodies.services import AWAITED, NOT_SENT, OVERDUE, RECEIVED, awaited, shown_text_column
from tracker.db import paginate_rows
from tracker.enums import ResponseAssessment
from tracker.extensions import db
from tracker.partnerships.models import Partnership
from tracker.register import similar
from tracker.reviews.models import Recommendation, Review, Theme, recommendation_theme

#: where a loop stands, as the register counts it (each assessment is a state of its own)
STATES = (NOT_SENT, AWAITED, OVERDUE, RECEIVED, *(a.value for a in ResponseAssessment
                                                   if a is not ResponseAssessment.OPEN_AWAITED))


def state_labels():
    from flask_babel import gettext

    return {NOT_SENT: gettext("Not yet sent"), AWAITED: ResponseAssessment.OPEN_AWAITED.label,
            OVERDUE: gettext("Answer overdue"), RECEIVED: gettext("Response received, not yet assessed"),
            **{a.value: a.label for a in ResponseAssessment if a is not ResponseAssessment.OPEN_AWAITED}}


def state_of(today):
    """SQL: the state of each loop, as bodies.services.state_value computes it for one."""
    item = BodyRecommendation
    return sa.case(
        (item.sent_on.is_(None), NOT_SENT),
        (sa.and_(awaited(), item.response_due_on < today), OVERDUE),
        (sa.and_(item.assessment.is_not(None), item.assessment != ResponseAssessment.OPEN_AWAITED),
         sa.cast(item.assessment, sa.String)),
        (item.response_received_on.is_not(None), RECEIVED),
        else_=AWAITED)


def _days(later, earlier):
    """SQL: the whole days from one date to a later one, as each database counts them (read as numbers, not dates:
    the register reads thousands)."""
    if db.engine.dialect.name == "sqlite":
        return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)
    return later - earlier


def _year():
    return sa.extract("year", BodyRecommendation.sent_on)


class Filters(NamedTuple):
    body_id: int | None = None
    state: str | None = None
    year: int | None = None
    theme: str | None = None

    def where(self, today):
        clauses = []
        if self.body_id is not None:
            clauses.append(BodyRecommendation.body_id == self.body_id)
        if self.state in STATES:
            clauses.append(state_of(today) == self.state)
        if self.year is not None:
            clauses.append(_year() == self.year)
        if self.theme:
            clauses.append(sa.exists().where(recommendation_theme.c.recommendation_id
                                             == BodyRecommendation.recommendation_id,
                                             Theme.id == recommendation_theme.c.theme_id,
                                             sa.func.lower(Theme.name) == self.theme.lower()))
        return clauses

    def args(self):
        """The filters as the list's address carries them (filters_from reads them back)."""
        names = dict(body_id="body", state="state", year="year", theme="theme")
        return {names[k]: v for k, v in self._asdict().items() if v not in (None, "")}


def filters_from(args):
    def number(name):
        value = str(args.get(name, ""))
        return int(value) if value.isdigit() and len(value) < 10 else None

    state = args.get("state") if args.get("state") in STATES else None
    return Filters(number("body"), state, number("year"), (args.get("theme") or "").strip()[:100] or None)


class Overview(NamedTuple):
    totals: dict
    by_state: list
    by_body: list
    by_year: list
    by_theme: list
    median_days: float | None


def overview(today=None):
    """The register's figures in four statements: loops counted by body, state and whether answered (the by-state
    and by-body tables both come from it), the days each answer took (for the medians), and counts by year and by
    theme."""
    today = today or london_today()
    item = BodyRecommendation
    state, answered = state_of(today).label("state"), item.response_received_on.is_not(None).label("answered")
    groups = db.session.execute(
        sa.select(ExternalBody.id, ExternalBody.name, state, answered, sa.func.count()).select_from(item)
        .join(ExternalBody, ExternalBody.id == item.body_id)
        .group_by(ExternalBody.id, ExternalBody.name, state, answered)).all()
    days_by_body = {}
    for body_id, days in db.session.execute(
            sa.select(item.body_id, _days(item.response_received_on, item.sent_on))
            .where(item.sent_on.is_not(None), item.response_received_on.is_not(None))):
        days_by_body.setdefault(body_id, []).append(int(days))
    year = _year().label("year")
    by_year = db.session.execute(
        sa.select(year, sa.func.count(), sa.func.count().filter(item.response_received_on.is_not(None)),
                  sa.func.count().filter(item.assessment == ResponseAssessment.CLOSED_IMPLEMENTED))
        .where(item.sent_on.is_not(None)).group_by(year).order_by(year.desc())).all()
    theme = sa.func.min(Theme.name).label("theme")
    by_theme = db.session.execute(
        sa.select(theme, sa.func.count(sa.distinct(item.id)),
                  sa.func.count(sa.distinct(item.id)).filter(awaited(), item.response_due_on < today))
        .select_from(item)
        .join(recommendation_theme, recommendation_theme.c.recommendation_id == item.recommendation_id)
        .join(Theme, Theme.id == recommendation_theme.c.theme_id)
        .group_by(sa.func.lower(Theme.name)).order_by(sa.func.count(sa.distinct(item.id)).desc(), theme)).all()
    by_state, bodies = {}, {}
    for body_id, name, loop, is_answered, count in groups:
        by_state[loop] = by_state.get(loop, 0) + count
        body = bodies.setdefault(body_id, dict(id=body_id, name=name, total=0, sent=0, awaiting=0, overdue=0,
                                               answered=0, implemented=0, closed=0))
        body["total"] += count
        body["sent"] += count if loop != NOT_SENT else 0
        body["awaiting"] += count if loop in (AWAITED, OVERDUE) else 0
        body["overdue"] += count if loop == OVERDUE else 0
        body["answered"] += count if is_answered else 0
        body["implemented"] += count if loop == ResponseAssessment.CLOSED_IMPLEMENTED.value else 0
        body["closed"] += count if loop.startswith("closed") else 0
    for body in bodies.values():
        days = days_by_body.get(body["id"])
        body["median_days"] = statistics.median(days) if days else None
    every = [days for days in days_by_body.values() for days in days]
    labels = state_labels()
    return Overview(
        totals=dict(all=sum(by_state.values()), overdue=by_state.get(OVERDUE, 0),
                    sent=sum(n for s, n in by_state.items() if s != NOT_SENT), answered=len(every)),
        by_state=[(s, labels[s], by_state[s]) for s in STATES if by_state.get(s)],
        by_body=sorted(bodies.values(), key=lambda b: (-b["total"], b["name"])),
        by_year=[(int(r[0]), r[1], r[2], r[3]) for r in by_year],
        by_theme=[tuple(r) for r in by_theme],
        median_days=statistics.median(every) if every else None)


class Row(NamedTuple):
    id: int
    response_due_on: date | None
    number: str
    #: what the register may show (bodies.services.shown_text): the published text, what was shared once sent,
    #: else nothing
    shown_text: str
    reference: str
    partnership: str
    body: str
    state: str


def _rows(today):
    return (sa.select(BodyRecommendation.id, BodyRecommendation.response_due_on, Recommendation.number,
                      shown_text_column(), Review.reference, Partnership.name, ExternalBody.name, state_of(today))
            .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
            .join(Review, Review.id == Recommendation.review_id)
            .join(Partnership, Partnership.id == Review.partnership_id)
            .join(ExternalBody, ExternalBody.id == BodyRecommendation.body_id))


class Listing(NamedTuple):
    rows: object  # a page of Row
    #: the years in which the recommendations matching the other filters were sent, newest first (and the year
    #: chosen, even if none was)
    years: list


def listing(filters, page, per_page=25, today=None):
    """The register's rows matching the filters, most overdue first, then the newest sent; the total and the years
    to offer come from one count by year."""
    today = today or london_today()
    year = _year().label("year")
    by_year = dict(db.session.execute(sa.select(year, sa.func.count())
                                      .where(*filters._replace(year=None).where(today)).group_by(year)).all())
    total = sum(by_year.values()) if filters.year is None else by_year.get(filters.year, 0)
    select = _rows(today).where(*filters.where(today)).order_by(
        sa.case((state_of(today) == OVERDUE, 0), else_=1), BodyRecommendation.response_due_on,
        BodyRecommendation.sent_on.desc(), BodyRecommendation.id)
    found = paginate_rows(select, page, per_page, total=total)
    found.items = [Row(*r) for r in found.items]
    years = {int(y) for y in by_year if y is not None} | ({filters.year} if filters.year is not None else set())
    return Listing(found, sorted(years, reverse=True))


class Similar(NamedTuple):
    """A recommendation compared with its body's others: what the duplicate lists show of it."""

    id: int
    body: str
    number: str
    reference: str
    partnership: str
    text: str
    is_awaited: bool


def _candidates(body_id=None):
    """{body id: {id: Similar}} of what the register may read (bodies.services.shown_text), of one body or all, in
    one statement of the columns alone, so that a body's thousands are read quickly."""
    select = (sa.select(BodyRecommendation.body_id, BodyRecommendation.id, ExternalBody.name, Recommendation.number,
                        Review.reference, Partnership.name, shown_text_column(), awaited())
              .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id)
              .join(Review, Review.id == Recommendation.review_id)
              .join(Partnership, Partnership.id == Review.partnership_id)
              .join(ExternalBody, ExternalBody.id == BodyRecommendation.body_id)
              .where(BodyRecommendation.sent_on.is_not(None)))
    if body_id is not None:
        select = select.where(BodyRecommendation.body_id == body_id)
    found = {}
    for body, *values in db.session.execute(select):
        if values[5]:
            found.setdefault(body, {})[values[0]] = Similar(values[0], *values[1:6], bool(values[6]))
    return found


def duplicate_groups(body_id=None):
    """[(body name, [Similar])] of recommendations to one body that are likely duplicates of one another."""
    groups = []
    for candidates in _candidates(body_id).values():
        for group in similar.groups({key: c.text for key, c in candidates.items()}):
            groups.append((candidates[group[0]].body, [candidates[key] for key in group]))
    return sorted(groups, key=lambda g: (g[0].lower(), -len(g[1])))


def duplicates_of(item_id, body_id):
    """[Similar] of the recommendations to the same body that are likely duplicates of this one."""
    candidates = _candidates(body_id).get(body_id, {})
    return [candidates[key] for key in similar.group_of(item_id, {key: c.text for key, c in candidates.items()})
            if key != item_id]
