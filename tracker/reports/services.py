"""The strategic group's reports, each a fixed number of queries however many actions the partnership has.

Every report counts and lists only what its reader may open (permissions.visible_actions and visible_reviews,
the one rule for confidential reviews); what it leaves out it states in one line, worded by withheld_note, the
same in every report, so that nothing late is hidden and nothing secret shown.
"""
import calendar
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.actions import state
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate
from tracker.benchmarks.models import Benchmark, Component, ComponentScore, Finding
from tracker.enums import ActionSource, ActionStatus, MoveStatus, Rag, Role, Scope
from tracker.extensions import db
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

DONE = (ActionStatus.COMPLETED, ActionStatus.CLOSED)
#: the source of an action the reader may open (their agency delivers it) from a review they may not
UNPUBLISHED_SOURCE = "Review not yet published"


def withheld_note(count, noun):
    """The one line each report gives in place of what its reader may not open, e.g. "3 actions from reviews not
    yet published are not shown." (empty when nothing is withheld)."""
    if not count:
        return ""
    one = count == 1
    return (f"{count} {noun}{'' if one else 's'} from {'a review' if one else 'reviews'} not yet published "
            f"{'is' if one else 'are'} not shown.")


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

    def _bounds(self):
        bounds = [Action.partnership_id == self.partnership.id]
        if self.agency_ids is not None:
            bounds.append(Action.lead_agency_id.in_(self.agency_ids))
        return bounds

    def _opens_actions(self):
        return visible_actions(self.user, self.is_for_email)

    def clauses(self):
        """SQL: the actions a report counts and lists."""
        return [*self._bounds(), self._opens_actions()]

    def withheld(self, *criteria):
        """How many actions in scope that meet the criteria the reader may not open."""
        return db.session.scalar(sa.select(_count_outside(self._opens_actions())).select_from(Action)
                                 .where(*self._bounds(), *criteria))


def scope_for(user, partnership, is_for_email=False):
    """Coordinators, strategic group members and viewers read the whole partnership; an agency lead reads their
    own agency's actions unless another role grants more."""
    roles = roles_in(user, partnership.id)
    if _is_admin(user) or roles & {Role.COORDINATOR, Role.STRATEGIC_MEMBER, Role.VIEWER}:
        return ReportScope(partnership, user, is_for_email=is_for_email)
    return ReportScope(partnership, user, frozenset(m.agency_id for m in user.memberships
                                                    if m.partnership_id == partnership.id
                                                    and m.role is Role.AGENCY_LEAD), is_for_email)


def _source_label(scope):
    """Where each action comes from, looked up row by row (the review's reference only where the reader may open
    it), so that a report of a few actions reads a few reviews and benchmarks, not the country's."""
    reference = sa.select(Review.reference).join(Recommendation, Recommendation.review_id == Review.id).where(
        Recommendation.id == Action.recommendation_id, scope.opens_reviews()).correlate(Action).scalar_subquery()
    started_on = sa.select(Benchmark.started_on).join(Finding, Finding.benchmark_id == Benchmark.id).where(
        Finding.id == Action.finding_id).correlate(Action).scalar_subquery()
    return sa.case(
        (Action.source == ActionSource.DHR, sa.func.coalesce(reference, sa.literal(UNPUBLISHED_SOURCE))),
        (Action.source == ActionSource.BENCHMARK, sa.literal("Benchmark ") + sa.cast(started_on, sa.String)),
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
class OverdueReport:
    rows: list
    today: date
    #: overdue actions the reader may not open
    withheld: int = 0
    by_agency: OrderedDict = field(default_factory=OrderedDict)
    by_source: OrderedDict = field(default_factory=OrderedDict)

    @property
    def total(self):
        return len(self.rows)

    @property
    def withheld_note(self):
        return withheld_note(self.withheld, "overdue action")

    @property
    def longest(self):
        return max((r.days_overdue for r in self.rows), default=0)

    @property
    def average(self):
        return round(sum(r.days_overdue for r in self.rows) / len(self.rows)) if self.rows else 0

    HEADER = ["Lead agency", "Source", "Action", "Owner", "Deadline", "Days overdue", "Last update",
              "Last update note", "Escalation"]

    def table(self):
        return self.HEADER, [[r.agency, r.source, r.title, r.owner, r.deadline, r.days_overdue,
                              r.last_update_on or "", r.last_update, r.escalation] for r in self.rows]


def _escalation_words(logged):
    """The highest escalation logged for the current deadline, as "<kind>" or "<kind> <whom it fell back to>"."""
    if logged is None:
        return "Not yet escalated"
    kind, _, fell_back_to = logged.partition(" ")
    return escalation_label(kind, fell_back_to or None)


def overdue_report(scope, today, agency_id=None, source=None, component=None):
    """Overdue actions with owner, days overdue, last update and escalation, grouped by agency and by source."""
    last_at = sa.select(sa.func.max(ProgressUpdate.at)).where(ProgressUpdate.action_id == Action.id) \
        .correlate(Action).scalar_subquery()
    last_note = sa.select(ProgressUpdate.note).where(ProgressUpdate.action_id == Action.id) \
        .order_by(ProgressUpdate.at.desc(), ProgressUpdate.id.desc()).limit(1).correlate(Action).scalar_subquery()
    escalation = sa.select(ReminderLog.kind + sa.func.coalesce(" " + ReminderLog.fell_back_to, "")).where(
        ReminderLog.action_id == Action.id, ReminderLog.deadline == Action.deadline,
        ReminderLog.kind.like("escalate:%")).order_by(ReminderLog.kind.desc()).limit(1) \
        .correlate(Action).scalar_subquery()  # "escalate:strategic" sorts after "escalate:lead"
    # the names too are looked up row by row: joined, the database may hash every agency and person there is
    agency_name = sa.select(Agency.name).where(Agency.id == Action.lead_agency_id).correlate(Action) \
        .scalar_subquery()
    owner_name = sa.select(User.name).where(User.id == Action.owner_id).correlate(Action).scalar_subquery()
    query = sa.select(Action.id, Action.title, _source_label(scope), agency_name, owner_name, Action.deadline,
                      state.days_overdue(today), last_at, last_note, escalation)
    criteria = [state.is_overdue(today)]
    if agency_id:
        criteria.append(Action.lead_agency_id == agency_id)
    if source:
        criteria.append(Action.source == source)
    if component:
        criteria.append(Action.component == component)
    rows = []
    for (action_id, title, label, agency, owner, deadline, days, at, note, kind) in db.session.execute(
            query.where(*scope.clauses(), *criteria).order_by(agency_name.is_(None), agency_name, Action.deadline,
                                                               Action.id)):
        rows.append(OverdueRow(action_id, title, label, agency or "No lead agency",
                               owner or "No owner", deadline, days, state.london_today(_aware(at)) if at else None,
                               note or "", _escalation_words(kind)))
    report = OverdueReport(rows, today, scope.withheld(*criteria))
    for row in rows:
        report.by_agency.setdefault(row.agency, []).append(row)
    for row in sorted(rows, key=lambda r: r.source):
        report.by_source.setdefault(row.source, []).append(row)
    return report


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
    rows: list
    #: overdue responses to recommendations of reviews the reader may not open
    withheld: int

    TITLE = "Responses overdue from bodies outside the partnership"
    HEADER = ["Review", "Recommendation", "Body", "Sent", "Response due", "Days overdue"]

    @property
    def total(self):
        return len(self.rows)

    @property
    def withheld_note(self):
        return withheld_note(self.withheld, "overdue response")

    def table(self):
        return self.HEADER, [[r.reference, r.number, r.body, r.sent_on, r.due_on, r.days_overdue]
                             for r in self.rows]


def overdue_responses(scope_or_user, partnership, today):
    """Regional and national recommendations sent out whose answer is past due and not received, most overdue
    first: the partnership's loops with bodies outside it that have gone quiet. Takes a report's scope, or a
    person (whose reports' scope it then is)."""
    scope = scope_or_user if isinstance(scope_or_user, ReportScope) else scope_for(scope_or_user, partnership)
    # the SQL twin of reviews.services.register_state's overdue test
    late = [Review.partnership_id == partnership.id, Recommendation.scope != Scope.LOCAL,
            Recommendation.sent_on.is_not(None), Recommendation.response_received_on.is_(None),
            Recommendation.response_due_on < today]
    recommendations = db.session.execute(
        sa.select(Recommendation, Review.reference).join(Review).where(*late, scope.opens_reviews())
        .options(selectinload(Recommendation.agencies))
        .order_by(Recommendation.response_due_on, Review.reference, Recommendation.id)).all()
    withheld = db.session.scalar(sa.select(_count_outside(scope.opens_reviews()))
                                 .select_from(Recommendation).join(Review).where(*late))
    return OverdueResponses(
        [ResponseRow(r.review_id, reference, r.number, r.external_body or "; ".join(a.name for a in r.agencies),
                     r.sent_on, r.response_due_on, (today - r.response_due_on).days)
         for r, reference in recommendations], withheld)


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
    reviews: list
    components: list
    benchmark: Benchmark | None
    trend: list
    #: actions in scope the reader may not open
    withheld: int = 0

    @property
    def withheld_note(self):
        return withheld_note(self.withheld, "action")

    @property
    def completion_rate(self):
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def awaiting_sign_off(self):
        return self.by_status[ActionStatus.COMPLETED]

    def tables(self):
        return [
            ("By status", ["Status", "Actions"], [[s.label, n] for s, n in self.by_status.items()]),
            ("By RAG", ["RAG", "Actions"], [[r.label, n] for r, n in self.by_rag.items()]),
            ("Delivery", ["Measure", "Value"], [
                ["Actions", self.total], ["Completed or closed", self.done],
                ["Completion rate (%)", self.completion_rate], ["Completed on time", self.on_time],
                ["Completed late", self.late], ["Deadline moved at least once", self.moved],
                ["Open actions that are not SMART", self.not_smart]]),
            ("Review action plans", ["Review", "Recommendations", "Without any action", "Actions",
                                     "Actions closed", "Completion (%)"],
             [[r["reference"], r["recommendations"], r["without_action"], r["actions"], r["closed"],
               r["completion"]] for r in self.reviews]),
            ("Benchmark components", ["Component", "Score", "Key issues", "Without action", "Actions",
                                      "Actions done"],
             [[c["title"], c["score"], c["findings"], c["unaddressed"], c["actions"], c["done"]]
              for c in self.components]),
            ("Trend", ["Month", "Open", "Overdue", "Closed in the month"],
             [[t["month"], t["open"], t["overdue"], t["closed"]] for t in self.trend]),
        ]


def _month_ends(today, months=12):
    ends, year, month = [], today.year, today.month
    for _ in range(months):
        last = calendar.monthrange(year, month)[1]
        ends.append(min(date(year, month, last), today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def progress_report(scope, today):
    clauses = scope.clauses()
    by_status = {s: 0 for s in ActionStatus}
    for status, number in db.session.execute(sa.select(Action.status, sa.func.count()).where(*clauses)
                                             .group_by(Action.status)):
        by_status[status] = number
    reason = state.rag_reason(today)
    by_rag = {r: 0 for r in Rag}
    for code, number in db.session.execute(
            sa.select(reason, sa.func.count()).select_from(Action)
            .join(Partnership, Partnership.id == Action.partnership_id).where(*clauses).group_by(reason)):
        by_rag[state.REASONS[code][0]] += number
    finished = Action.completed_on.is_not(None)
    on_time, late, moved, not_smart = db.session.execute(sa.select(
        sa.func.count().filter(finished, Action.completed_on <= Action.deadline),
        sa.func.count().filter(finished, Action.completed_on > Action.deadline),
        sa.func.count().filter(Action.original_deadline != Action.deadline),
        sa.func.count().filter(Action.smart_gaps != "", Action.status.not_in(DONE)),
    ).where(*clauses)).one()
    total = sum(by_status.values())
    return ProgressReport(today, total, by_status, by_rag, by_status[ActionStatus.COMPLETED] +
                          by_status[ActionStatus.CLOSED], on_time, late, moved, not_smart,
                          _review_plans(scope), *_components(scope), _trend(scope, today), scope.withheld())


def _review_plans(scope):
    """The recommendations are those of the partnership's reviews before they are counted, so the aggregate
    reads one partnership's recommendations, not the country's."""
    per_recommendation = (
        sa.select(Recommendation.id, Recommendation.review_id,
                  sa.func.count(Action.id).label("actions"),
                  sa.func.count(Action.id).filter(Action.status == ActionStatus.CLOSED).label("closed"))
        .outerjoin(Action, sa.and_(Action.recommendation_id == Recommendation.id, *scope.clauses()))
        .where(Recommendation.review_id.in_(sa.select(Review.id)
                                           .where(Review.partnership_id == scope.partnership.id)))
        .group_by(Recommendation.id, Recommendation.review_id).subquery())
    rows = db.session.execute(
        sa.select(Review.reference, sa.func.count(per_recommendation.c.id),
                  sa.func.count().filter(per_recommendation.c.actions == 0),
                  sa.func.coalesce(sa.func.sum(per_recommendation.c.actions), 0),
                  sa.func.coalesce(sa.func.sum(per_recommendation.c.closed), 0))
        .join(per_recommendation, per_recommendation.c.review_id == Review.id)
        .where(Review.partnership_id == scope.partnership.id, scope.opens_reviews())
        .group_by(Review.id, Review.reference).order_by(Review.reference)).all()
    return [dict(reference=ref, recommendations=recs, without_action=none, actions=int(actions),
                 closed=int(closed), completion=round(100 * int(closed) / int(actions)) if actions else 0)
            for ref, recs, none, actions, closed in rows]


def _components(scope):
    benchmark = db.session.scalar(sa.select(Benchmark).where(Benchmark.partnership_id == scope.partnership.id)
                                  .order_by(Benchmark.started_on.desc()).limit(1))
    if benchmark is None:
        return [], None
    per_finding = (
        sa.select(Finding.id, Finding.component_id, Finding.is_no_action_needed,
                  sa.func.count(Action.id).label("actions"),
                  sa.func.count(Action.id).filter(Action.status.in_(DONE)).label("done"))
        .outerjoin(Action, sa.and_(Action.finding_id == Finding.id, *scope.clauses()))
        .where(Finding.benchmark_id == benchmark.id)
        .group_by(Finding.id, Finding.component_id, Finding.is_no_action_needed).subquery())
    rows = db.session.execute(
        sa.select(Component.number, Component.title, ComponentScore.score, sa.func.count(per_finding.c.id),
                  sa.func.count(per_finding.c.id).filter(per_finding.c.actions == 0,
                                                         per_finding.c.is_no_action_needed.is_(False)),
                  sa.func.coalesce(sa.func.sum(per_finding.c.actions), 0),
                  sa.func.coalesce(sa.func.sum(per_finding.c.done), 0))
        .join(ComponentScore, sa.and_(ComponentScore.component_id == Component.id,
                                      ComponentScore.benchmark_id == benchmark.id))
        .outerjoin(per_finding, per_finding.c.component_id == Component.id)
        .group_by(Component.number, Component.title, ComponentScore.score).order_by(Component.number)).all()
    return [dict(title=title, score=f"{float(score):g}" if score is not None else "", findings=findings,
                 unaddressed=unaddressed, actions=int(actions), done=int(done))
            for _n, title, score, findings, unaddressed, actions, done in rows], benchmark


def _trend(scope, today):
    """Open, overdue and closed actions at each month's end, worked out from the dates actions carry."""
    columns = []
    ends = _month_ends(today)
    for end in ends:
        end_moment = datetime.combine(end, time.max, tzinfo=UTC)
        start = end.replace(day=1)
        still_open = sa.and_(Action.created_at <= end_moment,
                             sa.or_(Action.closed_on.is_(None), Action.closed_on > end))
        columns += [
            sa.func.count().filter(still_open),
            sa.func.count().filter(still_open, Action.deadline < end,
                                   sa.or_(Action.completed_on.is_(None), Action.completed_on > end)),
            sa.func.count().filter(Action.closed_on >= start, Action.closed_on <= end),
        ]
    values = db.session.execute(sa.select(*columns).where(*scope.clauses())).one()
    return [dict(month=f"{end:%b %Y}", open=values[3 * n], overdue=values[3 * n + 1], closed=values[3 * n + 2])
            for n, end in enumerate(ends)]


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


def learning_report(scope, today):
    """Recommendations of the partnership's reviews the reader may open, by theme and by agency: repeated lessons
    stand out."""
    rec_theme = recommendation_theme
    action_counts = (
        sa.select(Action.recommendation_id, sa.func.count().label("actions"),
                  sa.func.count().filter(state.is_overdue(today)).label("overdue"))
        .where(*scope.clauses(), Action.recommendation_id.is_not(None))
        .group_by(Action.recommendation_id).subquery())
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
                  .where(Review.partnership_id == scope.partnership.id, scope.opens_reviews())
                  .group_by(Theme.name).order_by(sa.func.count(sa.distinct(Recommendation.review_id)).desc(),
                                                 Theme.name))]
    agencies = db.session.execute(
        sa.select(Agency.name, sa.func.count(Recommendation.id), sa.func.count(sa.distinct(Recommendation.review_id)))
        .join(recommendation_agency, recommendation_agency.c.agency_id == Agency.id)
        .join(Recommendation, Recommendation.id == recommendation_agency.c.recommendation_id)
        .join(Review, Review.id == Recommendation.review_id)
        .where(Review.partnership_id == scope.partnership.id, scope.opens_reviews())
        .group_by(Agency.name).order_by(sa.func.count(Recommendation.id).desc(), Agency.name)).all()
    reviews = db.session.scalar(sa.select(sa.func.count()).select_from(Review)
                                .where(Review.partnership_id == scope.partnership.id, scope.opens_reviews()))
    withheld = db.session.scalar(sa.select(_count_outside(scope.opens_reviews()))
                                 .select_from(Recommendation).join(Review)
                                 .where(Review.partnership_id == scope.partnership.id))
    return dict(themes=themes, agencies=[dict(agency=a, recommendations=r, reviews=v) for a, r, v in agencies],
                reviews=reviews, withheld_note=withheld_note(withheld, "recommendation"))


def learning_table(report):
    return (["Theme", "Recommendations", "Reviews", "Recurs", "Actions", "Overdue", "Mostly overdue"],
            [[t.theme, t.recommendations, t.reviews, "yes" if t.recurs else "no", t.actions, t.overdue,
              "yes" if t.mostly_overdue else "no"] for t in report["themes"]])


# Changes since the last meeting


@dataclass
class Changes:
    since: date | None
    newly_overdue: list
    rag_changes: list
    awaiting_sign_off: list
    deadlines_moved: list


def changes_since(scope, today, previous_meeting):
    """What the meeting must know first: what went late, what changed colour, what waits for its sign-off (only
    what the strategic group closes), and which deadlines moved and why, since the previous meeting's pack."""
    from tracker.reports.models import RagSnapshot

    since = previous_meeting.meets_on if previous_meeting else None
    base = sa.select(Action.id, Action.title, Agency.name, Action.deadline) \
        .outerjoin(Agency, Agency.id == Action.lead_agency_id).where(*scope.clauses())

    def rows(query):
        return [dict(action_id=i, title=t, agency=a or "No lead agency", deadline=d)
                for i, t, a, d in db.session.execute(query.order_by(Action.deadline, Action.id))]

    newly = base.where(state.is_overdue(today))
    if since:
        newly = newly.where(Action.deadline >= since)
    awaiting = base.where(Action.status == ActionStatus.COMPLETED, signed_off_by_strategic_group())
    rag_changes = []
    if previous_meeting is not None:
        reason = state.rag_reason(today)
        for i, t, a, d, before, code in db.session.execute(
                base.add_columns(RagSnapshot.rag, reason)
                .join(RagSnapshot, sa.and_(RagSnapshot.action_id == Action.id,
                                           RagSnapshot.meeting_id == previous_meeting.id))
                .join(Partnership, Partnership.id == Action.partnership_id).order_by(Action.id)):
            now = state.REASONS[code][0]
            if now is not before:
                rag_changes.append(dict(action_id=i, title=t, agency=a or "No lead agency", deadline=d,
                                        before=before, after=now))
    moved_query = sa.select(DeadlineChange.action_id, Action.title, DeadlineChange.from_date,
                            DeadlineChange.to_date, DeadlineChange.reason).join(
        Action, Action.id == DeadlineChange.action_id).where(*scope.clauses(), DeadlineChange.from_date.is_not(None),
                                                             DeadlineChange.status == MoveStatus.APPROVED)
    if since:
        moved_on = sa.func.coalesce(DeadlineChange.decided_at, DeadlineChange.at)  # when the move took effect
        moved_query = moved_query.where(moved_on >= datetime.combine(since, time.min, tzinfo=UTC))
    moved = [dict(action_id=i, title=t, before=f, after=to, reason=r)
             for i, t, f, to, r in db.session.execute(moved_query.order_by(DeadlineChange.at))]
    return Changes(since, rows(newly), rag_changes, rows(awaiting), moved)


def take_snapshot(meeting, today):
    """Remember each open action's RAG as the pack is made, for the next pack's comparison."""
    from tracker.reports.models import RagSnapshot

    reason = state.rag_reason(today)
    rows = db.session.execute(sa.select(Action.id, reason).join(Partnership, Partnership.id == Action.partnership_id)
                              .where(Action.partnership_id == meeting.partnership_id)).all()
    db.session.execute(sa.delete(RagSnapshot).where(RagSnapshot.meeting_id == meeting.id))
    if rows:
        db.session.execute(sa.insert(RagSnapshot), [dict(meeting_id=meeting.id, action_id=i,
                                                         rag=state.REASONS[code][0], taken_at=datetime.now(UTC))
                                                    for i, code in rows])


def previous_meeting(meeting):
    from tracker.reports.models import Meeting

    return db.session.scalar(sa.select(Meeting).where(Meeting.partnership_id == meeting.partnership_id,
                                                      Meeting.meets_on < meeting.meets_on,
                                                      Meeting.pack_sent_at.is_not(None))
                             .order_by(Meeting.meets_on.desc()).limit(1))
