"""Reading the audit log: the lines a filter selects, newest first, a page at a time or streamed whole for a download.

Views of confidential reviews are logged one entry per page opened, which buries the changes. The log reads them
as one line per person, record and day (UK time), counted by the database, so a page of 25 lines costs the same
queries whether it stands for 25 entries or 25,000."""
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.audit.words import LONDON, Describer
from tracker.enums import AuditEvent
from tracker.extensions import db
from tracker.i18n import N_

#: the partnership filter's value for entries of no partnership (accounts); the person filter's for the system
NO_PARTNERSHIP, SYSTEM = "none", "system"


@dataclass(frozen=True)
class LogFilters:
    #: a partnership's id, NO_PARTNERSHIP, or None for every entry
    partnership: int | str | None = None
    #: a person's id, SYSTEM for changes made by no one signed in, or None for anyone
    person: int | str | None = None
    #: an audited model's name ("Action")
    kind: str | None = None
    #: UK days, both included
    since: dt.date | None = None
    until: dt.date | None = None
    #: the review whose entries, and those of its panel, pauses, recommendations and their actions, are wanted
    review_id: int | None = None


class london_date(FunctionElement):
    """The day in the UK (Europe/London) of a stored UTC moment."""

    type = sa.Date()
    inherit_cache = True


@compiles(london_date, "postgresql")
def _london_date_postgresql(element, compiler, **kw):
    return f"CAST(timezone('Europe/London', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(london_date, "sqlite")
def _london_date_sqlite(element, compiler, **kw):
    # SQLite has no time zones. UK summer time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
    # last Sunday of October (the rule since 1996); the last Sunday of a 31-day month is the first on or after
    # the 25th. Stored moments are UTC text, "2026-11-03 14:05:00.000000", which compares as it sorts.
    at = compiler.process(element.clauses, **kw)
    summer = (f"{at} >= date(substr({at}, 1, 4) || '-03-25', 'weekday 0') || ' 01:00:00' AND "
              f"{at} < date(substr({at}, 1, 4) || '-10-25', 'weekday 0') || ' 01:00:00'")
    return f"(CASE WHEN {summer} THEN date({at}, '+1 hour') ELSE date({at}) END)"


def uk_midnight(day):
    """The UTC moment a UK day starts."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)


def _conditions(filters):
    where = []
    if filters.partnership == NO_PARTNERSHIP:
        where.append(AuditEntry.partnership_id.is_(None))
    elif filters.partnership is not None:
        where.append(AuditEntry.partnership_id == filters.partnership)
    if filters.person == SYSTEM:
        where.append(AuditEntry.user_id.is_(None))
    elif filters.person is not None:
        where.append(AuditEntry.user_id == filters.person)
    if filters.kind:
        where.append(AuditEntry.entity_type == filters.kind)
    if filters.since:
        where.append(AuditEntry.at >= uk_midnight(filters.since))
    if filters.until:
        where.append(AuditEntry.at < uk_midnight(filters.until + dt.timedelta(days=1)))
    if filters.review_id:
        where.append(_about_review(filters.review_id))
    return where


def _about_review(review_id):
    """Entries about a review and what belongs to it: its panel, pauses and recommendations (those deleted too,
    known by the review their creation or deletion recorded), and the actions answering its recommendations with
    their progress updates. All are in the review's partnership, whose index bounds the search."""
    from tracker.actions.models import Action, ProgressUpdate
    from tracker.reviews.models import PanelMember, Recommendation, Review, ReviewPause

    partnership = sa.select(Review.partnership_id).where(Review.id == review_id).scalar_subquery()
    other = aliased(AuditEntry)

    def children(model):
        recorded = sa.select(other.entity_id).where(
            other.partnership_id == partnership, other.entity_type == model.__name__,
            other.event.in_([AuditEvent.CREATE, AuditEvent.DELETE]),
            sa.or_(other.changes[("review_id", 0)].as_integer() == review_id,
                   other.changes[("review_id", 1)].as_integer() == review_id))
        return sa.union(sa.select(model.id).where(model.review_id == review_id), recorded)

    recommendations = children(Recommendation)
    actions = sa.select(Action.id).where(Action.recommendation_id.in_(recommendations))
    updates = sa.select(ProgressUpdate.id).where(ProgressUpdate.action_id.in_(actions))

    def about(model, ids):
        return sa.and_(AuditEntry.entity_type == model.__name__, AuditEntry.entity_id.in_(ids))

    return sa.and_(AuditEntry.partnership_id == partnership, sa.or_(
        sa.and_(AuditEntry.entity_type == Review.__name__, AuditEntry.entity_id == review_id),
        about(PanelMember, children(PanelMember)), about(ReviewPause, children(ReviewPause)),
        about(Recommendation, recommendations), about(Action, actions), about(ProgressUpdate, updates)))


def _changes(where):
    return sa.select(AuditEntry.id.label("id"), AuditEntry.at.label("at"), AuditEntry.at.label("first_at"),
                     sa.literal(1).label("times")).where(*where, AuditEntry.event != AuditEvent.VIEW)


def _view_days(where):
    """One row per person, record and UK day viewed: the last view's id and time, the first's time, how many."""
    return (sa.select(sa.func.max(AuditEntry.id).label("id"), sa.func.max(AuditEntry.at).label("at"),
                      sa.func.min(AuditEntry.at).label("first_at"), sa.func.count().label("times"))
            .where(*where, AuditEntry.event == AuditEvent.VIEW)
            .group_by(AuditEntry.user_id, AuditEntry.entity_type, AuditEntry.entity_id, london_date(AuditEntry.at)))


def _described(line):
    """The lines (id, at, first_at, times) with the columns of the entries they stand for, newest first."""
    return (sa.select(line.c.at, line.c.first_at, line.c.times, AuditEntry.id, AuditEntry.event, AuditEntry.user_id,
                      User.name.label("who"), AuditEntry.partnership_id, AuditEntry.entity_type,
                      AuditEntry.entity_id, AuditEntry.entity_label, AuditEntry.changes, AuditEntry.note)
            .join(AuditEntry, AuditEntry.id == line.c.id).outerjoin(User, User.id == AuditEntry.user_id)
            .order_by(line.c.at.desc(), line.c.id.desc()))


def _newest_first(query, limit):
    return query.order_by(sa.desc("at"), sa.desc("id")).limit(limit).subquery()


class LogPagination(Pagination):
    """A page of log lines without reading the whole log for it. Lines are newest first, so the first n lines
    hold at most the newest n changes, and only the views of days since the n-th newest change: a view's day is
    summarised whole, and a day counted there ends after that change (or the page would not need it)."""

    def _query_items(self):
        where = _conditions(self._query_args["filters"])
        wanted = self._query_offset + self.per_page
        oldest = db.session.scalar(sa.select(AuditEntry.at).where(*where, AuditEntry.event != AuditEvent.VIEW)
                                   .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(wanted - 1).limit(1))
        since = [] if oldest is None else [AuditEntry.at >= uk_midnight(oldest.astimezone(LONDON).date())]
        changes, views = _newest_first(_changes(where), wanted), _newest_first(_view_days([*where, *since]), wanted)
        line = sa.union_all(sa.select(changes), sa.select(views)).subquery("line")
        rows = db.session.execute(_described(line).offset(self._query_offset).limit(self.per_page)).all()
        return Describer(rows).lines(rows)

    def _query_count(self):
        where = _conditions(self._query_args["filters"])
        changes = sa.select(sa.func.count()).select_from(_changes(where).subquery()).scalar_subquery()
        views = sa.select(sa.func.count()).select_from(_view_days(where).subquery()).scalar_subquery()
        return db.session.scalar(sa.select(changes + views))


def log_page(filters, page, per_page):
    """One page of the log in words, in four queries whatever it shows: the time of the oldest change the page
    may need, the lines, the names they refer to, and the count."""
    return LogPagination(page=page, per_page=per_page, max_per_page=None, error_out=False, filters=filters)


def all_lines(filters, batch=500):
    """Every line the filters select, in words, read from a server-side cursor a batch at a time (with one
    query for the names of each batch), so that a download of the whole log runs in flat memory."""
    where = _conditions(filters)
    line = sa.union_all(_changes(where), _view_days(where)).subquery("line")
    result = db.session.execute(_described(line).execution_options(yield_per=batch))
    for rows in result.partitions():
        yield from Describer(rows).lines(rows)


def people_in_log(partnership=None):
    """(id, name) of everyone with an entry in the log, or in one partnership's (or NO_PARTNERSHIP's) part."""
    scope = _conditions(LogFilters(partnership=partnership))
    return db.session.execute(
        sa.select(User.id, User.name).where(User.id.in_(sa.select(AuditEntry.user_id).where(*scope)))
        .order_by(User.name, User.id)).all()


def reviews_of(partnership_id):
    """(id, reference) of a partnership's reviews, for the review filter."""
    from tracker.reviews.models import Review

    return db.session.execute(sa.select(Review.id, Review.reference).where(Review.partnership_id == partnership_id)
                              .order_by(Review.reference, Review.id)).all()


#: the download's headings, in the reader's language when written
CSV_HEADER = [N_("When"), N_("Who"), N_("Partnership"), N_("Kind of record"), N_("Record"), N_("What happened"),
              N_("Details")]


def csv_row(line):
    return [line.when, line.who, line.partnership, line.kind, line.record, line.headline, "\n".join(line.details)]
