from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited, AuditedChild
from tracker.db import TimestampMixin, UTCDateTime, enum_column
from tracker.enums import ResponseAssessment, ReviewStatus, ReviewType, SafeguardingCriterion, Scope
from tracker.extensions import db

recommendation_agency = sa.Table(
    "recommendation_agency",
    db.metadata,
    sa.Column("recommendation_id", sa.ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True),
)

recommendation_theme = sa.Table(
    "recommendation_theme",
    db.metadata,
    sa.Column("recommendation_id", sa.ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id"), primary_key=True),
)


class Review(Audited, TimestampMixin, db.Model):
    """A Domestic Homicide Review (or Domestic Abuse Related Death Review) commissioned by a partnership's CSP; in
    Wales, a Single Unified Safeguarding Review commissioned through the regional safeguarding board."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    review_type: Mapped[ReviewType] = mapped_column(enum_column(ReviewType), nullable=False, default=ReviewType.DHR)
    #: e.g. "DHR 2024-03"
    reference: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    #: pseudonyms only, never a real name
    pseudonyms: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    death_month: Mapped[int | None] = mapped_column()
    death_year: Mapped[int | None] = mapped_column()
    independent_chair: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus), nullable=False,
                                                 default=ReviewStatus.NOTIFIED)
    decision_on: Mapped[date | None] = mapped_column(sa.Date)
    commissioned_on: Mapped[date | None] = mapped_column(sa.Date)
    submitted_on: Mapped[date | None] = mapped_column(sa.Date)
    qa_feedback_on: Mapped[date | None] = mapped_column(sa.Date)
    approved_on: Mapped[date | None] = mapped_column(sa.Date)
    published_on: Mapped[date | None] = mapped_column(sa.Date)
    publication_url: Mapped[str] = mapped_column(sa.String(1000), nullable=False, default="")
    #: recorded before publication: when the partnership means to publish, and any embargo on it
    planned_publication_on: Mapped[date | None] = mapped_column(sa.Date)
    embargo_note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    #: the agreed date for submission, when another timeframe than six months from the decision was agreed
    agreed_target_on: Mapped[date | None] = mapped_column(sa.Date)
    #: set when a coordinator archived the review and its personal details were anonymised; it is read-only since
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    archive_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    # a Single Unified Safeguarding Review's own details (Wales)
    regional_safeguarding_board: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="",
                                                             server_default="")
    case_review_group_on: Mapped[date | None] = mapped_column(sa.Date)
    case_review_group_outcome: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    #: the reviewers who work with the chair, both from the list the Welsh Government keeps
    reviewers: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="", server_default="")
    welsh_government_notified_on: Mapped[date | None] = mapped_column(sa.Date)

    #: what could identify the victim or their family: given neutral values when the review is archived
    PERSONAL_FIELDS = ("pseudonyms", "death_month", "death_year", "embargo_note")

    partnership = relationship("Partnership")
    archived_by = relationship("User")
    panel = relationship("PanelMember", back_populates="review", cascade="all, delete-orphan")
    pauses = relationship("ReviewPause", back_populates="review", order_by="ReviewPause.started_on",
                          cascade="all, delete-orphan")
    recommendations = relationship("Recommendation", back_populates="review", cascade="all, delete-orphan")
    criteria_met = relationship("ReviewCriterion", back_populates="review", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("partnership_id", "reference"),)

    def __str__(self):
        return self.reference

    @property
    def is_published(self):
        return self.status is ReviewStatus.PUBLISHED

    @property
    def is_archived(self):
        return self.archived_at is not None

    @property
    def criteria(self):
        """The review criteria a SUSR meets, in the order the guidance lists them."""
        met = {row.criterion for row in self.criteria_met}
        return [criterion for criterion in SafeguardingCriterion if criterion in met]

    @property
    def goes_to_home_office(self):
        """A DHR goes to the Home Office for quality assurance; a SUSR only when it meets the DHR criteria."""
        return self.review_type is not ReviewType.SUSR or SafeguardingCriterion.DHR in self.criteria

    def neutral_value(self, field):
        """What a personal field holds once the review is archived: nothing, or for the pseudonym (which a review
        must have) a name that says why."""
        if field == "pseudonyms":
            return f"Archived review {self.reference}"
        return None if Review.__table__.c[field].nullable else ""


class ReviewCriterion(AuditedChild, db.Model):
    """One set of review criteria a Single Unified Safeguarding Review meets."""

    __tablename__ = "review_criterion"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False)
    criterion: Mapped[SafeguardingCriterion] = mapped_column(enum_column(SafeguardingCriterion), nullable=False)

    review = relationship("Review", back_populates="criteria_met")

    __table_args__ = (sa.UniqueConstraint("review_id", "criterion"),)

    @property
    def audit_label(self):
        return f"{self.audit_parent().reference}: {self.criterion.english_label}"


class PanelMember(AuditedChild, db.Model):
    __tablename__ = "panel_member"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), nullable=False, index=True)
    is_chair: Mapped[bool] = mapped_column(default=False, nullable=False)

    review = relationship("Review", back_populates="panel")
    user = relationship("User")

    __table_args__ = (sa.UniqueConstraint("review_id", "user_id"),)

    @property
    def audit_label(self):
        return f"Panel of review {self.review_id}: user {self.user_id}"


class ReviewPause(AuditedChild, db.Model):
    """A period the review stood still for a stated reason (for example, awaiting a criminal trial)."""

    __tablename__ = "review_pause"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    started_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)

    review = relationship("Review", back_populates="pauses")

    @property
    def audit_label(self):
        return f"Pause of review {self.review_id}"


class Theme(Audited, db.Model):
    """A theme of learning, from the partnership's editable list."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)

    __table_args__ = (sa.UniqueConstraint("partnership_id", "name"),)

    def __str__(self):
        return self.name


class Recommendation(AuditedChild, TimestampMixin, db.Model):
    __tablename__ = "recommendation"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    #: as written in the report: "4", "4.1", "N2"
    number: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: the Welsh text, where the report is bilingual: kept beside the text as written, and exported with it
    welsh_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    scope: Mapped[Scope] = mapped_column(enum_column(Scope), nullable=False, default=Scope.LOCAL)
    #: a body outside the partnership (a government department, a national agency), as free text
    external_body: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    component: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")
    # the loop with an external body: sent, answered, judged
    sent_on: Mapped[date | None] = mapped_column(sa.Date)
    response_due_on: Mapped[date | None] = mapped_column(sa.Date)
    response_received_on: Mapped[date | None] = mapped_column(sa.Date)
    response_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    assessment: Mapped[ResponseAssessment | None] = mapped_column(enum_column(ResponseAssessment))

    review = relationship("Review", back_populates="recommendations")
    agencies = relationship("Agency", secondary=recommendation_agency, order_by="Agency.name")
    themes = relationship("Theme", secondary=recommendation_theme, order_by="Theme.name")
    actions = relationship("Action", back_populates="recommendation", order_by="Action.id")

    __table_args__ = (sa.UniqueConstraint("review_id", "number"),)

    def __str__(self):
        return f"{self.number}: {self.text}"

    @property
    def audit_label(self):
        return f"Recommendation {self.number}"
