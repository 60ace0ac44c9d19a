from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import TimestampMixin, UTCDateTime, enum_column
from tracker.enums import DeadlineApproval, Nation, Role, Sector
from tracker.extensions import db
from tracker.i18n import N_

STRATEGIC_CHAIR = N_("Strategic group chair")


class Partnership(Audited, TimestampMixin, db.Model):
    """A local domestic abuse partnership: the coordinated community response of one area."""

    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True, nullable=False)
    #: the local authority area it covers, e.g. "Milton Keynes"
    area: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    #: in Wales, a death is reviewed through a Single Unified Safeguarding Review; in England, through a DHR
    nation: Mapped[Nation] = mapped_column(enum_column(Nation), nullable=False, default=Nation.ENGLAND,
                                           server_default=Nation.ENGLAND.value)
    #: an open action due within this many days is amber
    rag_warning_days: Mapped[int] = mapped_column(nullable=False, default=28, server_default="28")
    #: an open action with no progress update for this many days is amber (stale)
    stale_after_days: Mapped[int] = mapped_column(nullable=False, default=42, server_default="42")
    #: which deadline moves by agency leads and owners wait for approval
    deadline_approval: Mapped[DeadlineApproval] = mapped_column(
        enum_column(DeadlineApproval), nullable=False, default=DeadlineApproval.ANY,
        server_default=DeadlineApproval.ANY.value)
    #: for DeadlineApproval.LONGER: moves of more than this many days
    deadline_approval_days: Mapped[int] = mapped_column(nullable=False, default=28, server_default="28")
    #: months from one CCR benchmark to the next: the coordinators are reminded as the next falls due
    rebenchmark_months: Mapped[int] = mapped_column(nullable=False, default=24, server_default="24")
    #: whether its published reviews' recommendations to bodies beyond it, and their answers, are open data
    open_data: Mapped[bool] = mapped_column(nullable=False, default=False, server_default=sa.false())

    agencies = relationship("Agency", back_populates="partnership", order_by="Agency.name")

    @property
    def audit_partnership_id(self):
        return self.id

    def __str__(self):
        return self.name


class Agency(Audited, TimestampMixin, db.Model):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector), nullable=False)

    partnership = relationship("Partnership", back_populates="agencies")

    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "name"),
        # target of Membership's composite key: an agency lead's agency must be in the same partnership
        sa.UniqueConstraint("id", "partnership_id"),
    )

    def __str__(self):
        return self.name


class Membership(Audited, TimestampMixin, db.Model):
    """One role one person holds in one partnership; a person may hold many."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), nullable=False, index=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False)
    #: the agency an agency lead (or a strategic member) represents
    agency_id: Mapped[int | None] = mapped_column()
    #: chairs the strategic group (strategic members only)
    is_chair: Mapped[bool] = mapped_column(default=False, nullable=False)

    user = relationship("User", back_populates="memberships")
    partnership = relationship("Partnership")
    agency = relationship("Agency", foreign_keys=[agency_id], primaryjoin="Membership.agency_id == Agency.id")

    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["agency_id", "partnership_id"],
            ["agency.id", "agency.partnership_id"],
            name="fk_membership_agency_same_partnership",
        ),
        sa.CheckConstraint("role <> 'agency_lead' OR agency_id IS NOT NULL", name="agency_lead_has_agency"),
        sa.CheckConstraint("is_chair = false OR role = 'strategic_member'", name="only_strategic_chair"),
    )

    @property
    def audit_label(self):
        return f"{self.user.name if self.user else self.user_id}: {self.english_role_label}"

    @property
    def role_label(self):
        """The role in the reader's language, with the agency it is for."""
        return self._role_label(gettext)

    @property
    def english_role_label(self):
        """The role as the audit log stores it: in English, whoever made the change."""
        return self._role_label(str)

    def _role_label(self, translate):
        label = translate(STRATEGIC_CHAIR if self.is_chair else self.role.english_label)
        return f"{label} ({self.agency.name})" if self.agency is not None else label


class AccountLink(Audited, db.Model):
    """A role offered to someone who already has an account. An account belongs to its owner, not to any one
    partnership, so the role takes effect only when its owner, signed in, confirms from the emailed link."""

    __tablename__ = "account_link"
    __audit_redact__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    #: the name as the coordinator typed it: the account's own name is not theirs to see until it is confirmed
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False)
    agency_id: Mapped[int | None] = mapped_column()
    is_chair: Mapped[bool] = mapped_column(default=False, nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    partnership = relationship("Partnership")
    user = relationship("User", foreign_keys=[user_id])
    invited_by = relationship("User", foreign_keys=[invited_by_id])
    agency = relationship("Agency", foreign_keys=[agency_id], primaryjoin="AccountLink.agency_id == Agency.id")

    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["agency_id", "partnership_id"],
            ["agency.id", "agency.partnership_id"],
            name="fk_account_link_agency_same_partnership",
            ondelete="CASCADE",
        ),
    )

    @property
    def audit_label(self):
        return f"{self.name}: {self.english_role_label}"

    # the role in the words a membership uses, so that the offer reads as the role will
    role_label = Membership.role_label
    english_role_label = Membership.english_role_label
    _role_label = Membership._role_label
