from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import UTCDateTime, enum_column, utcnow
from tracker.enums import Rag
from tracker.extensions import db


class Meeting(Audited, db.Model):
    """A strategic group meeting: its pack goes to the group some days before."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    meets_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: days before the meeting that the pack is emailed
    pack_days_before: Mapped[int] = mapped_column(nullable=False, default=7)
    #: when the pack went out; set once, so a meeting gets one pack
    pack_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partnership = relationship("Partnership")

    __table_args__ = (sa.UniqueConstraint("partnership_id", "meets_on"),)

    def __str__(self):
        return f"Strategic group meeting, {self.meets_on:%-d %B %Y}"


class RagSnapshot(db.Model):
    """Each open action's RAG and status when a meeting's pack was made, so the next pack can say what changed."""

    __tablename__ = "rag_snapshot"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), primary_key=True)
    rag: Mapped[Rag] = mapped_column(enum_column(Rag), nullable=False)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
