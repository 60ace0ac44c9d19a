from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class AgencyAlias(Audited, db.Model):
    """Another name a partnership's files use for one of its agencies ("MPS" for the Metropolitan Police
    Service), remembered so that the next import knows it."""

    __tablename__ = "agency_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    agency_id: Mapped[int] = mapped_column(nullable=False, index=True)
    alias: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: the alias as compared (spreadsheets.label_key)
    key: Mapped[str] = mapped_column(sa.String(200), nullable=False)

    agency = relationship("Agency", foreign_keys=[agency_id], primaryjoin="AgencyAlias.agency_id == Agency.id")

    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "key"),
        sa.ForeignKeyConstraint(["agency_id", "partnership_id"], ["agency.id", "agency.partnership_id"],
                                name="fk_agency_alias_agency_same_partnership", ondelete="CASCADE"),
    )

    def __str__(self):
        return self.alias


class ColumnMapping(db.Model):
    """The partnership's last choice of which column of a file holds which field, offered again next time."""

    __tablename__ = "column_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, unique=True)
    #: {label_key(header): field key or "ignore"}
    columns: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)


class PendingImport(db.Model):
    """An uploaded plan between its preview and its confirmation. Nothing reaches the plan until the person
    confirms; the file is kept here (not in the session) so that any worker can finish the import."""

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    #: the review the plan is for; empty for a register holding several reviews
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    #: {label_key(header): field key or "ignore"}, as confirmed on the column step
    columns: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    #: what the person decided on the preview: unknown agencies, numbering by position
    decisions: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    partnership = relationship("Partnership")
    review = relationship("Review")
