from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import UTCDateTime, enum_column, utcnow
from tracker.enums import ReminderOutcome
from tracker.extensions import db


class ReminderPolicy(Audited, db.Model):
    """When a partnership's owners hear about their deadlines, and when lateness is escalated."""

    __tablename__ = "reminder_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), unique=True, nullable=False)
    #: days before the deadline, e.g. "28,7,1"
    days_before: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="28,7,1")
    on_the_day: Mapped[bool] = mapped_column(nullable=False, default=True)
    overdue_every_days: Mapped[int] = mapped_column(nullable=False, default=7)
    #: days overdue before the lead agency's agency lead is told
    escalate_to_lead_after: Mapped[int] = mapped_column(nullable=False, default=7)
    #: days overdue before the lead agency's strategic group member is told
    escalate_to_strategic_after: Mapped[int] = mapped_column(nullable=False, default=21)

    @property
    def offsets(self):
        return sorted({int(part) for part in self.days_before.split(",") if part.strip()}, reverse=True)

    def __str__(self):
        return "Reminder policy"


class ReminderLog(db.Model):
    """One decision to remind: its unique key makes a second decision for the same reminder impossible."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id"), nullable=False, index=True)
    #: "before:7", "due", "overdue:2", "escalate:lead", "escalate:strategic"
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    deadline: Mapped[date] = mapped_column(sa.Date, nullable=False)
    run_on: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)
    outcome: Mapped[ReminderOutcome] = mapped_column(enum_column(ReminderOutcome), nullable=False)
    #: who was told (several rows of the outbox when a coordinator stands in for a missing owner)
    recipients: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    #: "coordinator" or "administrator": nobody held the role the reminder was meant for (the owner, the agency
    #: lead, the strategic group member), so they were told instead
    fell_back_to: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    action = relationship("Action")

    __table_args__ = (sa.UniqueConstraint("action_id", "kind", "deadline"),)


class ReminderDelivery(db.Model):
    """Which outbox message carried which reminder (a digest carries several)."""

    __tablename__ = "reminder_delivery"

    reminder_log_id: Mapped[int] = mapped_column(sa.ForeignKey("reminder_log.id", ondelete="CASCADE"),
                                                 primary_key=True)
    outbox_message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_message.id", ondelete="CASCADE"),
                                                   primary_key=True, index=True)
