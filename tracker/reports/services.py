"""The strategic group's reports, each a fixed number of queries however many actions the partnership has.

Every report counts and lists only what its reader may open (permissions.visible_actions and visible_reviews,
the one rule for confidential reviews); what it leaves out it states in one line, worded by withheld_note, the
same in every report, so that nothing late is hidden and nothing secret shown.
"""
import calendar
import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from babel.dates import format_date
from flask import has_request_context
from flask_babel import gettext, ngettext
from flask_sqlalchemy.pagination import Pagination

from tracker.accounts.models import User
from tracker.actions import state
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate, action_finding, action_recommendation
from tracker.benchmarks.models import Benchmark, Component, ComponentScore, Finding
from tracker.bodies.models import BodyRecommendation, ExternalBody
from tracker.bodies.services import awaited
from tracker.enums import OPEN_STATUSES, ActionSource, ActionStatus, GroupServed, MoveStatus, Rag, Role
from tracker.extensions import db
from tracker.i18n import N_, current_language
from tracker.partnerships.models import Agency, Partnership
from tracker.permissions import (
    _is_admin,
    roles_in,
    signed_off_by_strategic_group,
    visible_actions,
    visible_reviews,
)
from tracker.reminders.models import ReminderLog
from tracker.reminders.schedule import escalation_label
from tracker.reviews.models import Recommendation, Review, Theme, recommendation_agency, recommendation_theme
from tracker.web import hyphenated, kept

DONE = (ActionStatus.COMPLETED, ActionStatus.CLOSED)
#: how many rows a PDF lists in full of a list that can run to thousands (overdue actions, changes since the last
#: meeting): it counts the rest and says where they all are
LISTED = 25
#: the source of an action the reader may open (their agency delivers it) from a review they may not
UNPUBLISHED_SOURCE = N_("Review not yet published")
#: the line each report gives in place of what its reader may not open, by what it leaves out
_WITHHELD = {
    "action": lambda n: ngettext("%(num)d action from a review not yet published is not shown.",
                                 "%(num)d actions from reviews not yet published are not shown.", n),
    "overdue action": lambda n: ngettext(
        "%(num)d overdue action from a review not yet published is not shown.",
        "%(num)d overdue actions from reviews not yet published are not shown.", n),
    "overdue response": lambda n: ngettext(
        "%(num)d overdue response from a review not yet published is not shown.",
        "%(num)d overdue responses from reviews not yet published are not shown.", n),
    "recommendation": lambda n: ngettext(
        "%(num)d recommendation from a review not yet published is not shown.",
        "%(num)d recommendations from reviews not yet published are not shown.", n),
}


def percent(part, whole):
    """A whole-number percentage, 0 of nothing."""
    return round(100 * part / whole) if whole else 0


def withheld_note(count, noun):
    """The one line each report gives in place of what its reader may not open, e.g. "3 actions from reviews not
    yet published are not shown." (empty when nothing is withheld); noun is one of _WITHHELD's."""
    return _WITHHELD[noun](count) if count else ""


def download_name(partnership_name, report, day, kind):
    """The file name a report's download gets, e.g. "Milton-Keynes-overdue-actions-2027-03-12.xlsx"; the pack
    names the spreadsheet that holds what it leaves out."""
    return hyphenated(f"{partnership_name} {report} {day:%Y-%m-%d}.{kind}")


def _count_outside(clause):
    """SQL: how many rows fail the clause (a count, so that a NULL inside the clause cannot lose a row)."""
    return sa.func.count() - sa.func.count().filter(clause)


@dataclass
class ReportScope:
    """Whose actions a reader's reports cover: the whole partnership, or the agencies an agency lead leads; of
    those, only the ones the reader may open."""

    partnership: Partnership
    user: User
    agency_ids: frozenset | None = None
    #: for email: nothing of a review not yet published, whoever reads it
    is_for_email: bool = False

    @property
    def is_limited(self):
        return self.agency_ids is not None

    def opens_reviews(self):
        """SQL on Review: the reviews this reader may open."""
        return visible_reviews(self.user, self.is_for_email)

    def bounds(self):
        """SQL: the actions in scope, whether or not the reader may open them."""
        bounds = [Action.partnership_id == self.partnership.id]
        if self.agency_ids is not None:
            bounds.append(Action.lead_agency_id.in_(self.agency_ids))
        return bounds

    def opens_actions(self):
        """SQL: the actions the reader may open."""
        return visible_actions(self.user, self.is_for_email, within=self.partnership.id)

    def clauses(self):
        """SQL: the actions a report counts and lists."""
        return [*self.bounds(), self.opens_actions()]


def scope_for(user, partnership, is_for_email=False):
    """Coordinators, strategic group members and viewers read the whole partnership; an agency lead reads their
    own agency's actions unless another role grants more."""
    roles = roles_in(user, partnership.id)
    if _is_admin(user) or roles & {Role.COORDINATOR, Role.STRATEGIC_MEMBER, Role.VIEWER}:
        return ReportScope(partnership, user, is_for_email=is_for_email)
    return ReportScope(partnership, user, frozenset(m.agency_id for m in user.memberships
                                                    if m.partnership_id == partnership.id
                                                    and m.role is Role.AGENCY_LEAD), is_for_email)


def _source_label(scope, of=None):
    """Where each action comes from, looked up row by row (the review's reference only where the reader may open
    it), so that a report of a few actions reads a few reviews and benchmarks, not the country's. `of`, a
    subquery with the actions' source, recommendation_id and finding_id, labels its rows instead: groups of
    actions, each looked up once."""
    outer, columns = (Action, Action) if of is None else (of, of.c)
    reference = sa.select(Review.reference).join(Recommendation, Recommendation.review_id == Review.id).where(
        Recommendation.id == columns.recommendation_id, scope.opens_reviews()).correlate(outer).scalar_subquery()
    started_on = sa.select(Benchmark.started_on).join(Finding, Finding.benchmark_id == Benchmark.id).where(
        Finding.id == columns.finding_id).correlate(outer).scalar_subquery()
    before, after = gettext("Benchmark %(started_on)s", started_on="\0").split("\0")  # the reader's word order
    return sa.case(
        (columns.source == ActionSource.DHR, sa.func.coalesce(reference, sa.literal(gettext(UNPUBLISHED_SOURCE)))),
        (columns.source == ActionSource.BENCHMARK,
         sa.literal(before) + sa.cast(started_on, sa.String) + sa.literal(after)),
        else_=sa.literal(ActionSource.STRATEGY.label)).label("source_label")


# Overdue


@dataclass
class OverdueRow:
    action_id: int
    title: str
    source: str
    agency: str
    owner: str
    deadline: date
    days_overdue: int
    last_update_on: date | None
    last_update: str
    escalation: str


@dataclass
class OverdueGroup:
    """The overdue actions of one lead agency or one source, counted."""

    name: str
    count: int = 0
    longest: int = 0
    days: int = 0
    #: for a link to the report filtered by the agency
    agency_id: int | None = None

    @property
    def average(self):
        return round(self.days / self.count) if self.count else 0

    def add(self, count, longest, days):
        self.count, self.longest, self.days = self.count + count, max(self.longest, longest), self.days + days


@dataclass
class OverdueReport:
    """Every overdue action counted, by lead agency and by source; some of them listed in full (`rows`)."""

    rows: list
    today: date
    by_agency: dict
    by_source: dict
    #: overdue actions the reader may not open
    withheld: int = 0

    @property
    def total(self):
        return sum(g.count for g in self.by_agency.values())

    @property
    def more(self):
        """Overdue actions counted but not listed."""
        return self.total - len(self.rows)

    @property
    def withheld_note(self):
        return withheld_note(self.withheld, "overdue action")

    @property
    def longest(self):
        return max((g.longest for g in self.by_agency.values()), default=0)

    @property
    def average(self):
        return round(sum(g.days for g in self.by_agency.values()) / self.total) if self.total else 0

    @property
    def sources(self):
        """The sources a page or a PDF lists: all of them by name, or, where a partnership has more than LISTED
        (a review is a source), those with the most overdue actions, with how many more there are."""
        groups = list(self.by_source.values())
        if len(groups) <= LISTED:
            return Listed(groups, len(groups))
        return Listed(sorted(groups, key=lambda g: (-g.count, g.name))[:LISTED], len(groups))


OVERDUE_HEADER = [N_("Lead agency"), N_("Source"), N_("Action"), N_("Owner"), N_("Deadline"), N_("Days overdue"),
                  N_("Last update"), N_("Last update note"), N_("Escalation")]


def overdue_table(rows):
    """The overdue actions as a spreadsheet's header (in the reader's language) and rows."""
    return [gettext(h) for h in OVERDUE_HEADER], [[r.agency, r.source, r.title, r.owner, r.deadline, r.days_overdue,
                             r.last_update_on or "", r.last_update, r.escalation] for r in rows]


def _escalation_words(logged):
    """The highest escalation logged for the current deadline, as "<kind>" or "<kind> <whom it fell back to>"."""
    if logged is None:
        return gettext("Not yet escalated")
    kind, _, fell_back_to = logged.partition(" ")
    return escalation_label(kind, fell_back_to or None)


def _agency_name():
    # looked up row by row: joined, the database may hash every agency there is
    return sa.select(Agency.name).where(Agency.id == Action.lead_agency_id).correlate(Action).scalar_subquery()


def from_reviews_of_type(review_type):
    """SQL: the actions answering a recommendation of a review of this type (none of those not from a review)."""
    return Action.recommendation_id.in_(sa.select(Recommendation.id).join(Review, Review.id == Recommendation.review_id)
                                        .where(Review.review_type == review_type))


def _overdue_criteria(today, agency_id=None, source=None, component=None, review_type=None):
    criteria = [state.is_overdue(today)]
    if review_type:
        criteria.append(from_reviews_of_type(review_type))
    if agency_id:
        criteria.append(Action.lead_agency_id == agency_id)
    if source:
        criteria.append(Action.source == source)
    if component:
        criteria.append(Action.component == component)
    return criteria


def _overdue_rows(scope, today, criteria, listed=None, offset=0):
    """Overdue actions in full: owner, days overdue, last update and escalation. `listed` of them, most overdue
    first (the deadline index gives them in that order), or all of them by lead agency."""
    last_at = sa.select(sa.func.max(ProgressUpdate.at)).where(ProgressUpdate.action_id == Action.id) \
        .correlate(Action).scalar_subquery()
    last_note = sa.select(ProgressUpdate.note).where(ProgressUpdate.action_id == Action.id) \
        .order_by(ProgressUpdate.at.desc(), ProgressUpdate.id.desc()).limit(1).correlate(Action).scalar_subquery()
    escalation = sa.select(ReminderLog.kind + sa.func.coalesce(" " + ReminderLog.fell_back_to, "")).where(
        ReminderLog.action_id == Action.id, ReminderLog.deadline == Action.deadline,
        ReminderLog.kind.like("escalate:%")).order_by(ReminderLog.kind.desc()).limit(1) \
        .correlate(Action).scalar_subquery()  # "escalate:strategic" sorts after "escalate:lead"
    agency_name = _agency_name()
    owner_name = sa.select(User.name).where(User.id == Action.owner_id).correlate(Action).scalar_subquery()
    query = sa.select(Action.id, Action.title, _source_label(scope), agency_name, owner_name, Action.deadline,
                      state.days_overdue(today), last_at, last_note, escalation).where(*scope.clauses(), *criteria)
    if listed is None:
        query = query.order_by(agency_name.is_(None), agency_name, Action.deadline, Action.id)
    else:
        query = query.order_by(Action.deadline, Action.id).limit(listed).offset(offset)
    escalation_words = functools.cache(_escalation_words)  # a few kinds, in this request's language
    return [OverdueRow(action_id, title, label, agency or gettext("No lead agency"), owner or gettext("No owner"),
                       deadline, days, state.london_today(_aware(at)) if at else None, note or "",
                       escalation_words(kind))
            for (action_id, title, label, agency, owner, deadline, days, at, note, kind)
            in db.session.execute(query)]


def _overdue_groups(scope, today, criteria):
    """(by lead agency, by source, how many the reader may not open): each group an OverdueGroup, in name order.
    Counted in two aggregate queries, the source of each recommendation or finding looked up once, not per
    action."""
    days = state.days_between(sa.literal(today, sa.Date), Action.deadline)
    counts = (sa.func.count().label("count"), sa.func.max(days).label("longest"), sa.func.sum(days).label("days"))
    is_open = sa.case((scope.opens_actions(), 1), else_=0)  # NULL, like false, withholds
    agencies = sa.select(Action.lead_agency_id.label("agency_id"), is_open.label("is_open"), *counts) \
        .where(*scope.bounds(), *criteria).group_by(Action.lead_agency_id, is_open).subquery()
    by_agency, withheld = {}, 0
    for agency_id, opened, count, longest, total_days, name in db.session.execute(
            sa.select(agencies, Agency.name).outerjoin(Agency, Agency.id == agencies.c.agency_id)
            .order_by(Agency.name.is_(None), Agency.name)):
        if not opened:
            withheld += count
            continue
        name = name or gettext("No lead agency")
        by_agency.setdefault(name, OverdueGroup(name, agency_id=agency_id)).add(count, longest, int(total_days))
    sources = sa.select(Action.source, Action.recommendation_id, Action.finding_id, *counts) \
        .where(*scope.clauses(), *criteria) \
        .group_by(Action.source, Action.recommendation_id, Action.finding_id).subquery()
    by_source = {}
    for label, count, longest, total_days in db.session.execute(
            sa.select(_source_label(scope, sources), sources.c.count, sources.c.longest, sources.c.days)):
        by_source.setdefault(label, OverdueGroup(label)).add(count, longest, int(total_days))
    return by_agency, dict(sorted(by_source.items())), withheld


def overdue_report(scope, today, agency_id=None, source=None, component=None, review_type=None, listed=LISTED,
                   offset=0):
    """Overdue actions counted by lead agency and by source, with days overdue; `listed` of them in full from
    `offset`, most overdue first. A fixed number of queries however many are overdue."""
    criteria = _overdue_criteria(today, agency_id, source, component, review_type)
    by_agency, by_source, withheld = _overdue_groups(scope, today, criteria)
    return OverdueReport(_overdue_rows(scope, today, criteria, listed, offset), today, by_agency, by_source,
                         withheld)


def overdue_register(scope, today, agency_id=None, source=None, component=None, review_type=None):
    """Every overdue action in full, by lead agency: the register the spreadsheet exports carry."""
    return _overdue_rows(scope, today, _overdue_criteria(today, agency_id, source, component, review_type))


@dataclass
class Glance:
    """A partnership's delivery in four figures and its longest overdue actions, for the home page."""

    total: int
    done: int
    awaiting_sign_off: int
    overdue: int
    longest: list

    @property
    def completion_rate(self):
        return percent(self.done, self.total)


def glance(scope, today, longest=5):
    """What the home page shows of a partnership: one count over the actions the reader may open and the
    `longest` overdue, without building the progress and overdue reports (two queries however large)."""
    overdue = state.is_overdue(today)
    total, done, completed, late = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Action.status.in_(DONE)),
                  sa.func.count().filter(Action.status == ActionStatus.COMPLETED), sa.func.count().filter(overdue))
        .where(*scope.clauses())).one()
    return Glance(total, done, completed, late, _overdue_rows(scope, today, [overdue], longest) if late else [])


class _ReadPage(Pagination):
    """A page of rows a report has read and counted itself, for the pagination macro."""

    def _query_items(self):
        return self._query_args["items"]

    def _query_count(self):
        return self._query_args["total"]


def page_of(report, page, per_page):
    """The report's listed rows as page `page` of its overdue actions."""
    return _ReadPage(page=page, per_page=per_page, max_per_page=None, error_out=False, items=report.rows,
                     total=report.total)


def page_of_rows(rows, page, per_page):
    """Page `page` of rows read whole (a report's few thousand at most), for the pagination macro."""
    return _ReadPage(page=page, per_page=per_page, max_per_page=None, error_out=False,
                     items=rows[(page - 1) * per_page:page * per_page], total=len(rows))


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class ResponseRow:
    review_id: int
    reference: str
    number: str
    body: str
    sent_on: date
    due_on: date
    days_overdue: int


@dataclass
class OverdueResponses:
    #: the most overdue first: all of them, or as many as the caller asked to list
    rows: list
    #: overdue responses to recommendations of reviews the reader may not open
    withheld: int
    #: how many the reader may see, listed or not
    count: int

    TITLE = N_("Responses overdue from bodies outside the partnership")
    HEADER = [N_("Review"), N_("Recommendation"), N_("Body"), N_("Sent"), N_("Response due"), N_("Days overdue")]

    @property
    def title(self):
        return gettext(self.TITLE)

    @property
    def header(self):
        return [gettext(h) for h in self.HEADER]

    @property
    def total(self):
        return self.count

    @property
    def more(self):
        return self.count - len(self.rows)

    @property
    def withheld_note(self):
        return withheld_note(self.withheld, "overdue response")

    def table(self):
        return self.header, [[r.reference, r.number, r.body, r.sent_on, r.due_on, r.days_overdue]
                             for r in self.rows]


def overdue_responses(scope_or_user, partnership, today, listed=None):
    """Answers from bodies beyond the partnership past due and not received, most overdue first: the partnership's
    loops that have gone quiet. Counted in one statement; `listed` of them read (None: all, for a spreadsheet; 0:
    none, for a count). Takes a report's scope, or a person (whose reports' scope it then is)."""
    scope = scope_or_user if isinstance(scope_or_user, ReportScope) else scope_for(scope_or_user, partnership)
    late = [Review.partnership_id == partnership.id, awaited(), BodyRecommendation.response_due_on < today]
    opened = scope.opens_reviews()
    # counted once in a request (the home page's glance and a coordinator's queue both show it); outside one (the
    # scheduler's packs), each time
    count, withheld = kept(
        ("overdue responses", partnership.id, today, scope.user.id, scope.agency_ids, scope.is_for_email),
        lambda: db.session.execute(
            sa.select(sa.func.count().filter(opened), _count_outside(opened)).select_from(BodyRecommendation)
            .join(Recommendation).join(Review).where(*late)).one(), while_=has_request_context)
    rows = []
    if listed != 0:  # read even when none are counted: the page sends the same statements whatever it holds
        rows = db.session.execute(
            sa.select(Recommendation.review_id, Review.reference, Recommendation.number, ExternalBody.name,
                      BodyRecommendation.sent_on, BodyRecommendation.response_due_on)
            .select_from(BodyRecommendation)
            .join(Recommendation, Recommendation.id == BodyRecommendation.recommendation_id).join(Review)
            .join(ExternalBody, ExternalBody.id == BodyRecommendation.body_id).where(*late, opened)
            .order_by(BodyRecommendation.response_due_on, Review.reference, BodyRecommendation.id)
            .limit(listed)).all()
    return OverdueResponses([ResponseRow(*row, (today - row[5]).days) for row in rows], withheld, count)


# Progress


@dataclass
class ProgressReport:
    today: date
    total: int
    by_status: dict
    by_rag: dict
    done: int
    on_time: int
    late: int
    moved: int
    not_smart: int
    agencies: list
    reviews: list
    components: list
    benchmark: Benchmark | None
    trend: list
    #: actions in scope the reader may not open
    withheld: int = 0
    #: (group, how many actions serve it), for each group an action can serve
    groups: list = field(default_factory=list)
    #: how many actions record how survivors or their families informed them
    survivor_involved: int = 0

    @property
    def withheld_note(self):
        return withheld_note(self.withheld, "action")

    @property
    def completion_rate(self):
        return percent(self.done, self.total)

    @property
    def awaiting_sign_off(self):
        return self.by_status[ActionStatus.COMPLETED]

    @property
    def plans_title(self):
        return gettext("Review action plans")

    def tables(self, reviews=None):
        """(title, header, rows) of each table, in the reader's language; the trend's table is the last. `reviews`,
        a part of the review plans, lists only that part: a page or a PDF bounds what a spreadsheet holds whole."""
        return [
            (gettext("By status"), [gettext("Status"), gettext("Actions")],
             [[s.label, n] for s, n in self.by_status.items()]),
            (gettext("By RAG"), [gettext("RAG"), gettext("Actions")], [[r.label, n] for r, n in self.by_rag.items()]),
            (gettext("Delivery"), [gettext("Measure"), gettext("Value")], [
                [gettext("Actions"), self.total], [gettext("Completed or closed"), self.done],
                # a literal percent sign: Python's gettext formats only when given values
                [gettext("Completion rate (%)"), self.completion_rate], [gettext("Completed on time"), self.on_time],
                [gettext("Completed late"), self.late], [gettext("Deadline moved at least once"), self.moved],
                [gettext("Open actions that are not SMART"), self.not_smart],
                [gettext("Actions recording how survivors informed them"), self.survivor_involved]]),
            (gettext("By lead agency"), [gettext("Lead agency"), gettext("Actions"), gettext("Open"),
                                         gettext("Overdue"), gettext("Awaiting sign-off"), gettext("Closed"),
                                         gettext("Completion (%)")],
             [[a["agency"], a["actions"], a["open"], a["overdue"], a["completed"], a["closed"], a["completion"]]
              for a in self.agencies]),
            (self.plans_title, [gettext("Review"), gettext("Recommendations"), gettext("Without any action"),
                                gettext("Actions"), gettext("Actions closed"), gettext("Completion (%)")],
             [[r["reference"], r["recommendations"], r["without_action"], r["actions"], r["closed"],
               r["completion"]] for r in (self.reviews if reviews is None else reviews)]),
            (gettext("Benchmark components"), [gettext("Component"), gettext("Score"), gettext("Key issues"),
                                               gettext("Without action"), gettext("Actions"),
                                               gettext("Actions done")],
             [[c["title"], c["score"], c["findings"], c["unaddressed"], c["actions"], c["done"]]
              for c in self.components]),
            (gettext("Groups served"), [gettext("Group"), gettext("Actions")],
             [[group.label, number] for group, number in self.groups]),
            (gettext("Trend"), [gettext("Month"), gettext("Open"), gettext("Overdue"), gettext("Closed in the month")],
             [[t["month"], t["open"], t["overdue"], t["closed"]] for t in self.trend]),
        ]


def _month_ends(today, months=12):
    ends, year, month = [], today.year, today.month
    for _ in range(months):
        last = calendar.monthrange(year, month)[1]
        ends.append(min(date(year, month, last), today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def progress_report(scope, today, review_type=None):
    """Counts by status, RAG and lead agency, delivery on time, the twelve months' trend and the groups served, from
    one grouped pass over the partnership's actions (a few thousand groups at most: each action is grouped by where
    its dates fall among the month ends, never by the dates themselves); then the review plans and benchmark
    components. Of one type of review, only the actions from its reviews and their plans (and no benchmark). One
    pass, not two: at 100,000 actions each pass read every action's row (on SQLite, a row looked up for each)."""
    criteria = [from_reviews_of_type(review_type)] if review_type else []
    ends = _month_ends(today)
    is_open = sa.case((scope.opens_actions(), 1), else_=0)  # NULL, like false, withholds
    finished = Action.completed_on.is_not(None)
    flag = functools.partial(sa.case, else_=0)
    # delivery: summed over the actions of each group
    measures = dict(on_time=sa.and_(finished, Action.completed_on <= Action.deadline),
                    late=sa.and_(finished, Action.completed_on > Action.deadline),
                    moved=Action.original_deadline != Action.deadline,
                    not_smart=sa.and_(Action.smart_gaps != "", Action.status.not_in(DONE)))
    grouped = (Action.lead_agency_id.label("agency_id"), Action.status.label("status"),
               state.rag_reason(today).label("reason"), flag((state.is_overdue(today), 1)).label("is_overdue"),
               is_open.label("is_open"), *_trend_places(ends))
    keys = sa.select(*grouped, *(flag((condition, 1)).label(name) for name, condition in measures.items())) \
        .join(Partnership, Partnership.id == Action.partnership_id).where(*scope.bounds(), *criteria).subquery()
    groups = sa.select(*(keys.c[column.name] for column in grouped), sa.func.count().label("actions"),
                       *(sa.func.sum(keys.c[name]) for name in measures)
                       ).group_by(*(keys.c[column.name] for column in grouped)).subquery()
    by_status, by_rag, agencies = {s: 0 for s in ActionStatus}, {r: 0 for r in Rag}, {}
    delivery, withheld, by_place, by_groups, involved = [0] * len(measures), 0, Counter(), Counter(), 0
    for row in db.session.execute(sa.select(Agency.name, groups).outerjoin(Agency, Agency.id == groups.c.agency_id)):
        name, _agency_id, status, code, overdue, opened, *place, codes, informed, actions = row[:-len(measures)]
        if not opened:
            withheld += actions
            continue
        by_status[status] += actions
        by_rag[state.REASONS[code][0]] += actions
        delivery = [a + b for a, b in zip(delivery, row[-len(measures):], strict=True)]
        agency = agencies.setdefault(name, dict(agency=name or gettext("No lead agency"), actions=0, open=0,
                                                overdue=0, completed=0, closed=0))
        agency["actions"] += actions
        agency["overdue"] += actions * overdue
        agency["open" if status in OPEN_STATUSES else status.value] += actions  # or "completed", "closed"
        by_place[tuple(place)] += actions
        by_groups[codes] += actions
        involved += actions * bool(informed)
    for agency in agencies.values():
        agency["completion"] = percent(agency["completed"] + agency["closed"], agency["actions"])
    on_time, late, moved, not_smart = (int(total) for total in delivery)
    return ProgressReport(today, sum(by_status.values()), by_status, by_rag,
                          by_status[ActionStatus.COMPLETED] + by_status[ActionStatus.CLOSED], on_time, late, moved,
                          not_smart, [agencies[name] for name in sorted(agencies, key=lambda n: (n is None, n or ""))],
                          _review_plans(scope, review_type), *(([], None) if review_type else _components(scope)),
                          [dict(month=format_date(end, "MMM y", locale=current_language()),
                                short=format_date(end, "MMM", locale=current_language()), open=still_open,
                                overdue=overdue, closed=closed)
                           for end, (still_open, overdue, closed) in zip(ends, _trend(ends, by_place), strict=True)],
                          withheld, _served(by_groups), involved)


def _counted_by_recommendation(scope, **counted):
    """(recommendation_id, actions, and for each name in counted how many of those actions its SQL condition holds
    for) of the actions in scope answering a recommendation: made for it, or also answering it; an action answering
    two counts for each. Each branch reads the partnership's actions once, with the reader's scope applied as it
    reads them, never the country's."""
    flags = [sa.case((condition, 1), else_=0).label(name) for name, condition in counted.items()]
    answers = sa.union_all(
        sa.select(Action.recommendation_id.label("recommendation_id"), *flags)
        .where(*scope.clauses(), Action.recommendation_id.is_not(None)),
        sa.select(action_recommendation.c.recommendation_id, *flags)
        .join(Action, Action.id == action_recommendation.c.action_id).where(*scope.clauses())).subquery()
    return (sa.select(answers.c.recommendation_id, sa.func.count().label("actions"),
                      *(sa.func.sum(answers.c[name]).label(name) for name in counted))
            .group_by(answers.c.recommendation_id).subquery())


def _answers_of_findings(benchmark):
    """(finding_id, action_id) of every action answering one of the benchmark's key issues: made for it, or also
    answering it."""
    return sa.union_all(
        sa.select(Action.finding_id.label("finding_id"), Action.id.label("action_id"))
        .where(Action.partnership_id == benchmark.partnership_id,
               Action.finding_id.in_(sa.select(Finding.id).where(Finding.benchmark_id == benchmark.id))),
        sa.select(action_finding.c.finding_id, action_finding.c.action_id)
        .join(Finding, Finding.id == action_finding.c.finding_id)
        .where(Finding.benchmark_id == benchmark.id)).subquery()


def _review_plans(scope, review_type=None):
    """Each review's recommendations with their actions counted: the partnership's actions are counted once by
    recommendation, then put beside the recommendations of its reviews, so neither side is read twice."""
    per_recommendation = _counted_by_recommendation(scope, closed=Action.status == ActionStatus.CLOSED)
    actions = sa.func.coalesce(per_recommendation.c.actions, 0)
    rows = db.session.execute(
        sa.select(Review.reference, sa.func.count(Recommendation.id),
                  sa.func.count(Recommendation.id).filter(per_recommendation.c.actions.is_(None)),
                  sa.func.coalesce(sa.func.sum(actions), 0),
                  sa.func.coalesce(sa.func.sum(per_recommendation.c.closed), 0))
        .join(Recommendation, Recommendation.review_id == Review.id)
        .outerjoin(per_recommendation, per_recommendation.c.recommendation_id == Recommendation.id)
        .where(Review.partnership_id == scope.partnership.id, scope.opens_reviews(),
               *([Review.review_type == review_type] if review_type else []))
        .group_by(Review.id, Review.reference).order_by(Review.reference)).all()
    return [dict(reference=ref, recommendations=recs, without_action=none, actions=int(actions),
                 closed=int(closed), completion=percent(int(closed), int(actions)))
            for ref, recs, none, actions, closed in rows]


def _components(scope):
    benchmark = db.session.scalar(sa.select(Benchmark).where(Benchmark.partnership_id == scope.partnership.id)
                                  .order_by(Benchmark.started_on.desc()).limit(1))
    if benchmark is None:
        return [], None
    answers = _answers_of_findings(benchmark)
    per_finding = (
        sa.select(Finding.id, Finding.component_id, Finding.is_no_action_needed,
                  sa.func.count(Action.id).label("actions"),
                  sa.func.count(Action.id).filter(Action.status.in_(DONE)).label("done"))
        .outerjoin(answers, answers.c.finding_id == Finding.id)
        .outerjoin(Action, sa.and_(Action.id == answers.c.action_id, *scope.clauses()))
        .where(Finding.benchmark_id == benchmark.id)
        .group_by(Finding.id, Finding.component_id, Finding.is_no_action_needed).subquery())
    counts = (sa.func.count(per_finding.c.id),
              sa.func.count(per_finding.c.id).filter(per_finding.c.actions == 0,
                                                     per_finding.c.is_no_action_needed.is_(False)),
              sa.func.coalesce(sa.func.sum(per_finding.c.actions), 0),
              sa.func.coalesce(sa.func.sum(per_finding.c.done), 0))
    rows = db.session.execute(
        sa.select(Component.number, Component.title, ComponentScore.score, *counts)
        .join(ComponentScore, sa.and_(ComponentScore.component_id == Component.id,
                                      ComponentScore.benchmark_id == benchmark.id))
        .outerjoin(per_finding, per_finding.c.component_id == Component.id)
        .group_by(Component.number, Component.title, ComponentScore.score).order_by(Component.number)).all()
    # the overall key issues count as much as any component's: a row of their own, first, as the benchmark lists them
    overall = (0, gettext("Overall"), benchmark.overall_score,
               *db.session.execute(sa.select(*counts).where(per_finding.c.component_id.is_(None))).one())
    return [dict(title=title, score=f"{float(score):g}" if score is not None else "", findings=findings,
                 unaddressed=unaddressed, actions=int(actions), done=int(done))
            for _n, title, score, findings, unaddressed, actions, done in [overall, *rows]], benchmark


def _place(value, bounds, inclusive=True):
    """SQL: how many of the ascending `bounds` lie before value (inclusive: strictly before; else: on or before);
    len(bounds) for NULL, a date never reached. Halving the bounds at each step: four comparisons for twelve months,
    not up to twelve, for each action of a long report."""
    def among(low, high):  # the place, known to be from low to high
        if low == high:
            return sa.literal(low)
        middle = (low + high) // 2
        before = (value <= bounds[middle]) if inclusive else (value < bounds[middle])
        return sa.case((before, among(low, middle)), else_=among(middle + 1, high))

    return sa.case((value.is_(None), len(bounds)), else_=among(0, len(bounds)))


def _trend_places(ends):
    """SQL columns placing each action among the month ends by the dates that decide the trend (created, deadline,
    completed, closed), and the groups it serves and whether survivors informed it: what `_trend` and `_served`
    count from."""
    moments = [datetime.combine(end, time.max, tzinfo=UTC) for end in ends]
    # closed before the first month, or within month i (bound i + 1): the day before it begins comes first
    closes = [ends[0].replace(day=1) - timedelta(days=1), *ends]
    return (_place(Action.created_at, moments).label("created"),
            _place(Action.deadline, ends, inclusive=False).label("deadline"),
            _place(Action.completed_on, ends).label("completed"),
            _place(Action.closed_on, closes).label("closed"), Action.groups_served.label("groups"),
            (Action.survivor_involvement != "").label("informed"))


def _trend(ends, by_place):
    """[open, overdue, closed in the month] at each month end, from the actions counted by their places
    (`_trend_places`). Open at end i: created by then and not closed by then; overdue: open, the deadline before that
    day and not completed by then; closed in month i: on a day of that month."""
    counts = [[0, 0, 0] for _ in ends]
    for (created, deadline, completed, closed), actions in by_place.items():
        not_closed_after = max(closed - 1, 0)  # the first end on or after the closing day
        for i in range(created, not_closed_after):
            counts[i][0] += actions
        for i in range(max(created, deadline), min(not_closed_after, completed)):
            counts[i][1] += actions
        if 1 <= closed <= len(ends):
            counts[closed - 1][2] += actions
    return counts


def _served(by_groups):
    """(group, actions serving it) for each group, from the actions counted by the set of groups they store
    (testing each group on each action cost half a second at 100,000 actions)."""
    served = dict.fromkeys(GroupServed, 0)
    for codes, actions in by_groups.items():
        chosen = set(codes.split(","))
        for group in served:
            served[group] += actions * (group.value in chosen)
    return list(served.items())


# Learning across reviews


@dataclass
class ThemeLine:
    theme: str
    recommendations: int
    reviews: int
    actions: int
    overdue: int

    @property
    def recurs(self):
        return self.reviews >= 2

    @property
    def mostly_overdue(self):
        return self.actions > 0 and self.overdue * 2 > self.actions


def learning_report(scope, today, review_type=None):
    """Recommendations of the partnership's reviews the reader may open (of one type, or all), by theme and by
    agency: repeated lessons stand out."""
    rec_theme = recommendation_theme
    reviews_of = [Review.partnership_id == scope.partnership.id, *([Review.review_type == review_type]
                                                                   if review_type else [])]
    action_counts = _counted_by_recommendation(scope, overdue=state.is_overdue(today))
    themes = [ThemeLine(name, recs, reviews, int(actions), int(overdue)) for name, recs, reviews, actions, overdue in
              db.session.execute(
                  sa.select(Theme.name, sa.func.count(Recommendation.id),
                            sa.func.count(sa.distinct(Recommendation.review_id)),
                            sa.func.coalesce(sa.func.sum(action_counts.c.actions), 0),
                            sa.func.coalesce(sa.func.sum(action_counts.c.overdue), 0))
                  .join(rec_theme, rec_theme.c.theme_id == Theme.id)
                  .join(Recommendation, Recommendation.id == rec_theme.c.recommendation_id)
                  .join(Review, Review.id == Recommendation.review_id)
                  .outerjoin(action_counts, action_counts.c.recommendation_id == Recommendation.id)
                  .where(*reviews_of, scope.opens_reviews())
                  .group_by(Theme.name).order_by(sa.func.count(sa.distinct(Recommendation.review_id)).desc(),
                                                 Theme.name))]
    agencies = db.session.execute(
        sa.select(Agency.name, sa.func.count(Recommendation.id), sa.func.count(sa.distinct(Recommendation.review_id)))
        .join(recommendation_agency, recommendation_agency.c.agency_id == Agency.id)
        .join(Recommendation, Recommendation.id == recommendation_agency.c.recommendation_id)
        .join(Review, Review.id == Recommendation.review_id)
        .where(*reviews_of, scope.opens_reviews())
        .group_by(Agency.name).order_by(sa.func.count(Recommendation.id).desc(), Agency.name)).all()
    reviews = db.session.scalar(sa.select(sa.func.count()).select_from(Review)
                                .where(*reviews_of, scope.opens_reviews()))
    withheld = db.session.scalar(sa.select(_count_outside(scope.opens_reviews()))
                                 .select_from(Recommendation).join(Review).where(*reviews_of))
    return dict(themes=themes, agencies=[dict(agency=a, recommendations=r, reviews=v) for a, r, v in agencies],
                reviews=reviews, withheld_note=withheld_note(withheld, "recommendation"))


def learning_table(report):
    yes, no = gettext("yes"), gettext("no")
    return ([gettext("Theme"), gettext("Recommendations"), gettext("Reviews"), gettext("Recurs"), gettext("Actions"),
             gettext("Overdue"), gettext("Mostly overdue")],
            [[t.theme, t.recommendations, t.reviews, yes if t.recurs else no, t.actions, t.overdue,
              yes if t.mostly_overdue else no] for t in report["themes"]])


# Changes since the last meeting


@dataclass
class Listed:
    """The first rows of a list that can run to thousands, and how many there are in all."""

    rows: list
    total: int

    @property
    def more(self):
        return self.total - len(self.rows)


@dataclass
class Changes:
    since: date | None
    newly_overdue: Listed
    #: the actions whose RAG changed, those turned red first
    rag_changes: Listed
    #: (RAG at the last pack, RAG now): how many actions moved so
    rag_moves: dict
    awaiting_sign_off: Listed
    #: the latest first
    deadlines_moved: Listed


def _rag_of(reason):
    """SQL: the RAG a reason code (state.rag_reason) gives."""
    return sa.case({code: rag.value for code, (rag, _label) in state.REASONS.items()}, value=reason)


def changes_since(scope, today, previous_meeting, listed=LISTED):
    """What the meeting must know first: what went late, what changed colour, what waits for its sign-off (only
    what the strategic group closes), and which deadlines moved and why, since the previous meeting's pack. Each
    list is counted in full and `listed` of it read, so a pack of 100,000 actions costs what one of 1,000 does."""
    from tracker.reports.models import RagSnapshot

    since = previous_meeting.meets_on if previous_meeting else None
    base = sa.select(Action.id, Action.title, _agency_name(), Action.deadline).where(*scope.clauses())

    def counted(*criteria):
        return db.session.scalar(sa.select(sa.func.count()).select_from(Action).where(*scope.clauses(), *criteria))

    def first(*criteria):  # the earliest deadlines first: for overdue actions, the most overdue
        return Listed([dict(action_id=i, title=t, agency=a or gettext("No lead agency"), deadline=d)
                       for i, t, a, d in
                       db.session.execute(base.where(*criteria).order_by(Action.deadline, Action.id).limit(listed))],
                      counted(*criteria))

    newly = [state.is_overdue(today)] + ([Action.deadline >= since] if since else [])
    rag_changes, rag_moves = Listed([], 0), {}
    if previous_meeting is not None:
        reason = state.rag_reason(today)
        snapshot = sa.and_(RagSnapshot.action_id == Action.id, RagSnapshot.meeting_id == previous_meeting.id)
        for before, code, number in db.session.execute(
                sa.select(RagSnapshot.rag, reason, sa.func.count()).select_from(Action).join(RagSnapshot, snapshot)
                .join(Partnership, Partnership.id == Action.partnership_id).where(*scope.clauses())
                .group_by(RagSnapshot.rag, reason)):
            now = state.REASONS[code][0]
            if now is not before:
                rag_moves[before, now] = rag_moves.get((before, now), 0) + number
        changed = _rag_of(reason) != RagSnapshot.rag
        turned_red = sa.case((reason.in_(state.reasons_for(Rag.RED)), 0), else_=1)
        rag_changes = Listed([dict(action_id=i, title=t, agency=a or gettext("No lead agency"), deadline=d,
                                   before=before, after=state.REASONS[code][0])
                              for i, t, a, d, before, code in db.session.execute(
                                  base.add_columns(RagSnapshot.rag, reason).join(RagSnapshot, snapshot)
                                  .join(Partnership, Partnership.id == Action.partnership_id).where(changed)
                                  .order_by(turned_red, Action.deadline, Action.id).limit(listed))],
                             sum(rag_moves.values()))
    moved = [DeadlineChange.from_date.is_not(None), DeadlineChange.status == MoveStatus.APPROVED]
    if since:
        moved_on = sa.func.coalesce(DeadlineChange.decided_at, DeadlineChange.at)  # when the move took effect
        moved.append(moved_on >= datetime.combine(since, time.min, tzinfo=UTC))
    moves = sa.select(DeadlineChange.action_id, Action.title, DeadlineChange.from_date, DeadlineChange.to_date,
                      DeadlineChange.reason).join(Action, Action.id == DeadlineChange.action_id) \
        .where(*scope.clauses(), *moved).order_by(DeadlineChange.at.desc(), DeadlineChange.id.desc()).limit(listed)
    deadlines_moved = Listed(
        [dict(action_id=i, title=t, before=f, after=to, reason=r) for i, t, f, to, r in db.session.execute(moves)],
        db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineChange)
                          .join(Action, Action.id == DeadlineChange.action_id).where(*scope.clauses(), *moved)))
    return Changes(since, first(*newly), rag_changes, rag_moves,
                   first(Action.status == ActionStatus.COMPLETED, signed_off_by_strategic_group()), deadlines_moved)


def take_snapshot(meeting, today):
    """Remember each action's RAG as the pack is made, for the next pack's comparison: one statement, in the
    database, however many actions there are."""
    from tracker.reports.models import RagSnapshot

    db.session.execute(sa.delete(RagSnapshot).where(RagSnapshot.meeting_id == meeting.id))
    db.session.execute(sa.insert(RagSnapshot).from_select(
        ["meeting_id", "action_id", "rag", "taken_at"],
        sa.select(sa.literal(meeting.id), Action.id, _rag_of(state.rag_reason(today)),
                  sa.literal(datetime.now(UTC), RagSnapshot.taken_at.type))
        .join(Partnership, Partnership.id == Action.partnership_id)
        .where(Action.partnership_id == meeting.partnership_id)))


def previous_meeting(meeting):
    from tracker.reports.models import Meeting

    return db.session.scalar(sa.select(Meeting).where(Meeting.partnership_id == meeting.partnership_id,
                                                      Meeting.meets_on < meeting.meets_on,
                                                      Meeting.pack_sent_at.is_not(None))
                             .order_by(Meeting.meets_on.desc()).limit(1))
