from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class Notification(db.Model):
    """One person told of one hand-off. Kept after sending: it is the record of who was told what, and when."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    #: closure_claimed, closure_refused, signed_off, move_requested, move_approved, move_refused,
    #: response_due, response_overdue, recheck_due
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recommendation.id", ondelete="CASCADE"))
    #: what happened, in words an email may carry: never a confidential review's detail
    text: Mapped[str] = mapped_column(sa.String(600), nullable=False)
    #: the path of the page to act on, joined to TRACKER_BASE_URL in emails
    path: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: one event is told to one person once, however often the code that tells it runs
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: the email that carried it; empty while it waits for the person's morning email
    outbox_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id", ondelete="SET NULL"),
                                                          index=True)

    user = relationship("User")
