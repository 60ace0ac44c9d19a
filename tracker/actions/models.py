from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker.audit.models import Audited, AuditedChild
from tracker.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from tracker.enums import ActionSource, ActionStatus, ClosureOutcome, GroupServed, LeadAssessment, MoveStatus
from tracker.extensions import db
from tracker.i18n import long_date, month_year

#: agencies that help the lead agency deliver an action
action_supporting_agency = sa.Table(
    "action_supporting_agency",
    db.metadata,
    sa.Column("action_id", sa.ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True),
)
#: recommendations an action answers besides the one it was made for (its origin, Action.recommendation)
action_recommendation = sa.Table(
    "action_recommendation",
    db.metadata,
    sa.Column("action_id", sa.ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("recommendation_id", sa.ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)
#: benchmark key issues an action answers besides the one it was made for (its origin, Action.finding)
action_finding = sa.Table(
    "action_finding",
    db.metadata,
    sa.Column("action_id", sa.ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("finding_id", sa.ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True, index=True),
)


#: the assurance checks not yet confirmed: few beside the actions closed, so their index holds only them
_CHECK_AWAITED = sa.text("assurance_check_on IS NOT NULL AND assurance_confirmed_on IS NULL")
#: open actions have a next reminder day. The two indexes for the reminders page are partial, and the agency's and
#: the component's lead with them (an agency is in one partnership): narrow indexes leading with the partnership were
#: what PostgreSQL chose for any scan of a partnership's actions, in place of the one that answers a reader's counts
#: from the index alone
_REMINDER_DUE = sa.text("next_reminder_on IS NOT NULL")
#: neither completed nor closed (tracker.actions.state.is_open, in the same words): the overdue lists walk a
#: partnership's open actions by deadline, and in the largest the closed and completed with past deadlines (40,000)
#: came first
_OPEN = sa.text("status NOT IN ('completed', 'closed')")


class Action(Audited, TimestampMixin, db.Model):
    """One line of an action plan: a specific act, its outcome and measure, an owner, a deadline, resources."""

    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False)
    source: Mapped[ActionSource] = mapped_column(enum_column(ActionSource), nullable=False,
                                                 default=ActionSource.STRATEGY)
    #: the DHR recommendation this action answers (source DHR)
    recommendation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recommendation.id"), index=True)
    #: its recommendation's review, copied by the database itself (triggers: migration d15f00000010) whenever the
    #: recommendation is set, so that whether a reader may open an action is decided from the action's own row
    #: against the few reviews open to them, not against every recommendation of those reviews. Never written here
    review_id: Mapped[int | None] = mapped_column(server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue())
    #: the benchmark finding (key issue) this action answers (source benchmark)
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("finding.id"))
    #: what: the specific act, starting with a verb
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    outcome: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: measure: how success will be seen
    measure: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    lead_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    deadline: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: the plan gave a month ("October 2016"), not a day: the deadline is that month's last day, shown as the month
    deadline_is_month: Mapped[bool] = mapped_column(default=False, nullable=False, server_default=sa.false())
    #: the first deadline set; kept when the deadline moves
    original_deadline: Mapped[date | None] = mapped_column(sa.Date)
    estimated_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    funding_source: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    staff_time: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    within_existing_resources: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: review: how and how often progress is checked
    review_arrangement: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    component: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")
    theme: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    strategic_objective: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    #: how survivors or their families informed the action (the 2020 summary's survivor voice)
    survivor_involvement: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    #: the groups it serves, GroupServed values joined by commas (read through `groups`), so that a report counts
    #: them in one pass and the history shows a change as one line
    groups_served: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="", server_default="")

    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), nullable=False, index=True,
                                                 default=ActionStatus.NOT_STARTED)
    blocked_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    lead_assessment: Mapped[LeadAssessment | None] = mapped_column(enum_column(LeadAssessment))
    #: when anyone last reported progress; an action with no news for too long turns amber
    last_progress_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    completed_is_month: Mapped[bool] = mapped_column(default=False, nullable=False, server_default=sa.false())
    completion_note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closure_outcome: Mapped[ClosureOutcome | None] = mapped_column(enum_column(ClosureOutcome))
    closure_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: the strategic group meeting or minute that signed it off
    sign_off_reference: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    #: after closure, when the coordinator should confirm the change has stuck
    assurance_check_on: Mapped[date | None] = mapped_column(sa.Date)
    assurance_confirmed_on: Mapped[date | None] = mapped_column(sa.Date)

    #: the next day a reminder for this action falls due; the daily run reads only actions at or before today
    next_reminder_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: SMART letters the action fails, e.g. "MR"; empty when SMART. Kept so reports can count without reading text.
    smart_gaps: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="")
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    partnership = relationship("Partnership")
    lead_agency = relationship("Agency")
    supporting_agencies = relationship("Agency", secondary=action_supporting_agency, order_by="Agency.name")
    owner = relationship("User", foreign_keys=[owner_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    updates = relationship("ProgressUpdate", back_populates="action", order_by="ProgressUpdate.at")
    recommendation = relationship("Recommendation", back_populates="actions")
    finding = relationship("Finding", back_populates="actions")
    #: what else it answers: each such recommendation and key issue counts it as one of its actions
    also_recommendations = relationship("Recommendation", secondary=action_recommendation,
                                        order_by="Recommendation.id",
                                        backref=backref("linked_actions", order_by="Action.id"))
    also_findings = relationship("Finding", secondary=action_finding, order_by="Finding.id",
                                 backref=backref("linked_actions", order_by="Action.id"))
    milestone_items = relationship("Milestone", back_populates="action", cascade="all, delete-orphan",
                                   order_by="Milestone.position")

    __mapper_args__ = {"version_id_col": version}
    __audit_exclude__ = Audited.__audit_exclude__ | {"next_reminder_on", "review_id"}
    #: each page reads one partnership's actions: by deadline (overdue, lists), by status (queues, counts; and
    #: with what decides who may open each action, so that a reader's counts come from an index alone), and a
    #: benchmark finding's within it, the reminders due in it (the reminders page plans one partnership's run), and
    #: an agency's by deadline (an agency lead's lists), those tagged with a benchmark component (the benchmark
    #: page), and its open ones by deadline (the overdue lists); the partnership, or an agency or component with it,
    #: leads or follows so that no query walks the country's
    __table_args__ = (
        sa.Index("ix_action_partnership_id_deadline", "partnership_id", "deadline", "id"),
        sa.Index("ix_action_partnership_id_status_deadline", "partnership_id", "status", "deadline"),
        sa.Index("ix_action_partnership_id_status_deadline_visibility", "partnership_id", "status", "deadline",
                 "recommendation_id", "review_id", "lead_agency_id", "owner_id"),
        sa.Index("ix_action_finding_id_partnership_id", "finding_id", "partnership_id"),
        sa.Index("ix_action_lead_agency_id_deadline", "lead_agency_id", "deadline", "id"),
        sa.Index("ix_action_component_partnership_id", "component", "partnership_id"),
        sa.Index("ix_action_partnership_id_next_reminder_on", "partnership_id", "next_reminder_on",
                 sqlite_where=_REMINDER_DUE, postgresql_where=_REMINDER_DUE),
        sa.Index("ix_action_partnership_id_assurance_check_on", "partnership_id", "assurance_check_on",
                 sqlite_where=_CHECK_AWAITED, postgresql_where=_CHECK_AWAITED),
        sa.Index("ix_action_partnership_id_deadline_open", "partnership_id", "deadline", "id",
                 sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status not in (ActionStatus.COMPLETED, ActionStatus.CLOSED)

    @property
    def groups(self):
        """The groups it serves, in the enumeration's order."""
        codes = set(self.groups_served.split(","))
        return [group for group in GroupServed if group.value in codes]

    @groups.setter
    def groups(self, groups):
        chosen = {GroupServed(g) for g in groups}
        self.groups_served = ",".join(group.value for group in GroupServed if group in chosen)

    @property
    def milestones(self):
        """The milestones as a plan's cell writes them, one a line ("31 January 2027: Draft the protocol (done)")."""
        from tracker.actions.milestones import as_lines

        return as_lines(self.milestone_items)

    @milestones.setter
    def milestones(self, text):
        """Set from a plan's cell: its lines become the items, each kept (with the day it was done) if unchanged."""
        from tracker.actions.milestones import items_from_lines

        self.milestone_items = items_from_lines(text, self.milestone_items)

    @property
    def deadline_label(self):
        return plan_date_label(self.deadline, self.deadline_is_month)

    @property
    def completed_label(self):
        return plan_date_label(self.completed_on, self.completed_is_month)


def plan_date_label(day, is_month):
    """A date as the plan gave it, in the reader's language: "31 October 2016", or "October 2016" where only the
    month was known."""
    return month_year(day) if is_month else long_date(day)


class Milestone(AuditedChild, db.Model):
    """A step on the way to the deadline: an open action with a milestone past its date and not done is amber."""

    __tablename__ = "milestone"
    __audit_parent__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    #: the order the plan lists them in
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: empty for a plan's line that gave no date
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_on: Mapped[date | None] = mapped_column(sa.Date)

    action = relationship("Action", back_populates="milestone_items")

    @property
    def is_done(self):
        return self.done_on is not None

    def is_overdue(self, today):
        return self.due_on is not None and self.done_on is None and self.due_on < today

    @property
    def audit_label(self):
        return f"Milestone: {self.title}"[:300]


class EvidenceFile(db.Model):
    """An uploaded file of evidence, kept in the database so that it is backed up with the record."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)


class ProgressUpdate(AuditedChild, db.Model):
    __tablename__ = "progress_update"
    __audit_exclude__ = Audited.__audit_exclude__ | {"at"}
    __audit_parent__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), nullable=False)
    lead_assessment: Mapped[LeadAssessment | None] = mapped_column(enum_column(LeadAssessment))
    evidence_url: Mapped[str] = mapped_column(sa.String(1000), nullable=False, default="")
    evidence_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence_file.id"))

    action = relationship("Action", back_populates="updates")
    author = relationship("User")
    evidence_file = relationship("EvidenceFile")

    @property
    def audit_label(self):
        return f"Update on: {self.audit_parent().title}"[:300]


class DeadlineChange(db.Model):
    """Every move of a deadline, with its reason: a plan whose dates drift should be seen to drift. A move the
    partnership's rule holds for approval waits here as a request; the deadline changes only when approved."""

    __tablename__ = "deadline_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id"), nullable=False, index=True)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    from_date: Mapped[date | None] = mapped_column(sa.Date)
    to_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[MoveStatus] = mapped_column(enum_column(MoveStatus), nullable=False, index=True,
                                               default=MoveStatus.APPROVED, server_default=MoveStatus.APPROVED.value)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why an approver refused the move
    decision_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")

    changed_by = relationship("User", foreign_keys=[changed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    action = relationship("Action")
