"""Derived state of an action (overdue, days overdue, RAG and why), defined once as SQL expressions.

Lists filter and sort on these without loading rows; a single action's page asks the same expressions, so
the page and the list can never disagree.
"""
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.actions.models import Action, Milestone
from tracker.enums import ActionStatus, LeadAssessment, Rag
from tracker.i18n import N_
from tracker.partnerships.models import Partnership

LONDON = "Europe/London"


_LONDON = ZoneInfo(LONDON)


def london_today(now=None):
    """The day in London at `now` (by default, now): called for each row of a long report, so nothing is looked up
    when `now` is given; the clock is read through tracker.db, where tests set it."""
    if now is None:
        from tracker.db import utcnow

        now = utcnow()
    return now.astimezone(_LONDON).date()


class days_between(FunctionElement):
    """Whole days from `earlier` to `later` (both dates), on SQLite and PostgreSQL alike."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _days_between_pg(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday(date({later})) - julianday(date({earlier})) AS INTEGER)"


class utc_date(FunctionElement):
    """The UTC calendar day of a stored timestamp (PostgreSQL would otherwise use the session's time zone)."""

    type = sa.Date()
    inherit_cache = True
    name = "utc_date"


@compiles(utc_date, "postgresql")
def _utc_date_pg(element, compiler, **kw):
    return f"CAST(timezone('UTC', {compiler.process(list(element.clauses)[0], **kw)}) AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)})"


DONE = (ActionStatus.COMPLETED, ActionStatus.CLOSED)

#: why an action has its RAG, in the order the rules apply, with the reason in English (translated where shown)
REASONS = {
    "closed": (Rag.CLOSED, N_("Closed")),
    "completed": (Rag.GREEN, N_("Completed, awaiting sign-off")),
    "blocked": (Rag.RED, N_("Blocked")),
    "overdue": (Rag.RED, N_("Overdue")),
    "no_owner": (Rag.AMBER, N_("No named owner")),
    "no_deadline": (Rag.AMBER, N_("No deadline set")),
    "due_soon": (Rag.AMBER, N_("Due soon")),
    "at_risk": (Rag.AMBER, N_("The lead says it is at risk")),
    "milestone_overdue": (Rag.AMBER, N_("A milestone is past its date and not done")),
    "stale": (Rag.AMBER, N_("No progress update for too long")),
    "on_track": (Rag.GREEN, N_("On track")),
}


def is_open():
    """SQL: neither completed nor closed. The statuses are written into the statement, not sent beside it:
    SQLite reads the open actions' index (ix_action_partnership_id_deadline_open) only for a condition that is the
    index's own, word for word, and a parameter is not."""
    return Action.status.not_in(sa.bindparam("done", [status.value for status in DONE], expanding=True,
                                             literal_execute=True, unique=True))


def is_overdue(today):
    return sa.and_(Action.deadline < today, is_open())


def days_overdue(today):
    """Days past the deadline for an overdue action, else NULL."""
    return sa.case((is_overdue(today), days_between(sa.literal(today, sa.Date), Action.deadline)), else_=None)


def has_overdue_milestone(today):
    """SQL on Action: one of its milestones is past its date and not done."""
    return sa.exists().where(Milestone.action_id == Action.id, Milestone.due_on < today, Milestone.done_on.is_(None))


def rag_reason(today):
    """The reason code (a key of REASONS); needs Partnership joined for its warning and staleness windows. An
    action nobody owns is never green: not even completed, since nobody answers for what was delivered."""
    today_value = sa.literal(today, sa.Date)
    return sa.case(
        (Action.status == ActionStatus.CLOSED, "closed"),
        (Action.status == ActionStatus.BLOCKED, "blocked"),
        (sa.and_(Action.status != ActionStatus.COMPLETED, Action.deadline < today), "overdue"),
        (Action.owner_id.is_(None), "no_owner"),
        (Action.status == ActionStatus.COMPLETED, "completed"),
        (Action.deadline.is_(None), "no_deadline"),
        (days_between(Action.deadline, today_value) <= Partnership.rag_warning_days, "due_soon"),
        (Action.lead_assessment.in_([LeadAssessment.AT_RISK, LeadAssessment.OFF_TRACK]), "at_risk"),
        (has_overdue_milestone(today), "milestone_overdue"),
        (days_between(today_value, utc_date(Action.last_progress_at)) > Partnership.stale_after_days, "stale"),
        else_="on_track",
    )


def reasons_for(rag):
    return [code for code, (code_rag, _label) in REASONS.items() if code_rag is Rag(rag)]


class DerivedState:
    """What the expressions gave for one row, in Python terms."""

    __slots__ = ("reason", "days_overdue")

    def __init__(self, reason, days_overdue):
        self.reason = reason
        self.days_overdue = days_overdue

    @property
    def rag(self):
        return REASONS[self.reason][0]

    @property
    def reason_label(self):
        """Why, in the reader's language."""
        if self.reason == "overdue":
            return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", self.days_overdue)
        return gettext(REASONS[self.reason][1])

    @property
    def is_overdue(self):
        return self.days_overdue is not None


def state_columns(today):
    return rag_reason(today).label("rag_reason"), days_overdue(today).label("days_overdue")


def with_state(query, today):
    """Add the derived columns (and the join they need) to a select of Action."""
    reason, overdue = state_columns(today)
    return query.add_columns(reason, overdue).join(Partnership, Partnership.id == Action.partnership_id)


def state_of(action, today):
    from tracker.extensions import db

    reason, overdue = db.session.execute(
        with_state(sa.select(Action.id), today).where(Action.id == action.id)
    ).one()[1:]
    return DerivedState(reason, overdue)
