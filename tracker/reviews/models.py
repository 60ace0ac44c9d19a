from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker.audit.models import Audited, AuditedChild
from tracker.db import TimestampMixin, UTCDateTime, enum_column
from tracker.enums import (
    Advocacy,
    ContactMethod,
    HomeOfficeView,
    Offer,
    QualityOutcome,
    RequestKind,
    ReviewStatus,
    ReviewType,
    SafeguardingCriterion,
    Scope,
)
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
    #: whether the published report names the victim by the pseudonym: only then does open data show it
    pseudonym_in_report: Mapped[bool] = mapped_column(nullable=False, default=False, server_default=sa.false())
    #: recorded before publication: when the partnership means to publish, and any embargo on it
    planned_publication_on: Mapped[date | None] = mapped_column(sa.Date)
    embargo_note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    #: the agreed date for submission, when another timeframe than six months from the decision was agreed
    agreed_target_on: Mapped[date | None] = mapped_column(sa.Date)
    #: why that timeframe was agreed (for example, awaiting the criminal trial): a review must not be rushed
    extension_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    #: what the review costs and who pays, as the partnership budgets it
    estimated_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    actual_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    funded_by: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="", server_default="")
    #: a decision not to review (the date is decision_on) and the Home Office's answer to it
    not_reviewed_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    home_office_response_on: Mapped[date | None] = mapped_column(sa.Date)
    home_office_view: Mapped[HomeOfficeView | None] = mapped_column(enum_column(HomeOfficeView))
    home_office_response: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
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
    family_contacts = relationship("FamilyContact", back_populates="review", cascade="all, delete-orphan",
                                   order_by="FamilyContact.id")
    terms = relationship("TermsOfReference", back_populates="review", uselist=False, cascade="all, delete-orphan")

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
    def is_not_reviewed(self):
        return self.status is ReviewStatus.NOT_REVIEWED

    @property
    def has_da_specialist(self):
        """The panel should include domestic abuse expertise: the guidance asks for a specialist on every panel."""
        return any(member.is_da_specialist for member in self.panel)

    @property
    def criteria(self):
        """The review criteria a SUSR meets, in the order the guidance lists them."""
        met = {row.criterion for row in self.criteria_met}
        return [criterion for criterion in SafeguardingCriterion if criterion in met]

    @hybrid_property
    def goes_to_home_office(self):
        """A DHR goes to the Home Office for quality assurance; a SUSR only when it meets the DHR criteria."""
        return self.review_type is not ReviewType.SUSR or SafeguardingCriterion.DHR in self.criteria

    @goes_to_home_office.inplace.expression
    @classmethod
    def _goes_to_home_office_in_sql(cls):
        return sa.or_(cls.review_type != ReviewType.SUSR, sa.exists().where(
            ReviewCriterion.review_id == cls.id, ReviewCriterion.criterion == SafeguardingCriterion.DHR))

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
    #: the partnership agency the member represents; none for an independent member
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id", ondelete="SET NULL"))
    #: e.g. "Head of safeguarding", "Specialist domestic abuse service manager"
    panel_role: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="", server_default="")
    is_da_specialist: Mapped[bool] = mapped_column(default=False, nullable=False, server_default=sa.false())
    #: community or "by and for" expertise: an organisation led by and serving the communities it speaks for
    has_community_expertise: Mapped[bool] = mapped_column(default=False, nullable=False, server_default=sa.false())
    other_expertise: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="", server_default="")
    #: independent of the agencies involved in the case (what the chair must be)
    is_independent: Mapped[bool] = mapped_column(default=False, nullable=False, server_default=sa.false())

    review = relationship("Review", back_populates="panel")
    user = relationship("User")
    agency = relationship("Agency")

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
    #: the names of the bodies beyond the partnership it is addressed to, as read and searched ("Home Office;
    #: NHS England"): written by tracker.bodies.services.address, with `addressed`, and never on its own
    external_body: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    component: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")

    review = relationship("Review", back_populates="recommendations")
    agencies = relationship("Agency", secondary=recommendation_agency, order_by="Agency.name")
    themes = relationship("Theme", secondary=recommendation_theme, order_by="Theme.name")
    actions = relationship("Action", back_populates="recommendation", order_by="Action.id")
    #: the bodies beyond the partnership it is addressed to, each with its own loop of answer and assessment
    addressed = relationship("BodyRecommendation", back_populates="recommendation", cascade="all, delete-orphan",
                             order_by="BodyRecommendation.id")

    __table_args__ = (sa.UniqueConstraint("review_id", "number"),)

    def __str__(self):
        return f"{self.number}: {self.text}"

    @property
    def audit_label(self):
        return f"Recommendation {self.number}"


class FamilyContact(AuditedChild, TimestampMixin, db.Model):
    """A member of the victim's family, a friend or a colleague the review reached or tried to reach: how, when,
    what they were offered and took up, and their wishes. Personal data: seen only by whoever can open the review,
    and removed when the review is archived."""

    __tablename__ = "family_contact"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    #: relationship to the victim: "mother", "sister", "friend", "colleague"
    relationship_to_victim: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    #: a name or a description by which the panel knows them ("the victim's eldest daughter")
    contact: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    contact_method: Mapped[ContactMethod] = mapped_column(enum_column(ContactMethod), nullable=False)
    first_contacted_on: Mapped[date | None] = mapped_column(sa.Date)
    last_contacted_on: Mapped[date | None] = mapped_column(sa.Date)
    meet_panel: Mapped[Offer] = mapped_column(enum_column(Offer), nullable=False, default=Offer.NOT_OFFERED)
    contribute: Mapped[Offer] = mapped_column(enum_column(Offer), nullable=False, default=Offer.NOT_OFFERED)
    read_terms: Mapped[Offer] = mapped_column(enum_column(Offer), nullable=False, default=Offer.NOT_OFFERED)
    read_report: Mapped[Offer] = mapped_column(enum_column(Offer), nullable=False, default=Offer.NOT_OFFERED)
    advocacy: Mapped[Advocacy] = mapped_column(enum_column(Advocacy), nullable=False, default=Advocacy.NOT_OFFERED)
    #: who offers or provides the advocacy, e.g. "a specialist advocate from a national charity"
    advocate: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    #: the day they saw the report before publication
    saw_report_on: Mapped[date | None] = mapped_column(sa.Date)
    pseudonym_wishes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    publication_wishes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    #: what could identify them: removed when the review is archived (the relationship, dates and offers stay, as
    #: the record that the family was involved)
    PERSONAL_FIELDS = ("contact", "advocate", "pseudonym_wishes", "publication_wishes")
    OFFERS = ("meet_panel", "contribute", "read_terms", "read_report")

    review = relationship("Review", back_populates="family_contacts")

    @property
    def audit_label(self):
        return f"Family contact of review {self.review_id}: {self.relationship_to_victim}"[:300]


class TermsOfReference(AuditedChild, db.Model):
    """The review's terms of reference: text, an uploaded file (kept like evidence), or both."""

    __tablename__ = "terms_of_reference"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           unique=True)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence_file.id", ondelete="SET NULL"))

    review = relationship("Review", back_populates="terms")
    file = relationship("EvidenceFile")

    @property
    def audit_label(self):
        return f"Terms of reference of review {self.review_id}"


class AgencyRequest(AuditedChild, TimestampMixin, db.Model):
    """A review's request to one agency of the partnership for a scoping return, a chronology or an Individual
    Management Review: chasing these is where reviews most often run late. A withdrawn request is kept, as asked."""

    __tablename__ = "agency_request"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), nullable=False, index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind), nullable=False)
    sent_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    received_on: Mapped[date | None] = mapped_column(sa.Date)
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    #: the person who answers for the agency; when empty, the agency's leads are asked and reminded
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")

    review = relationship("Review", backref=backref("agency_requests", cascade="all, delete-orphan",
                                                    passive_deletes=True))
    agency = relationship("Agency")
    contact = relationship("User")
    chases = relationship("AgencyRequestChase", back_populates="request", cascade="all, delete-orphan",
                          order_by="(AgencyRequestChase.chased_on, AgencyRequestChase.id)")

    @property
    def is_open(self):
        return self.received_on is None and self.withdrawn_on is None

    @property
    def last_chased_on(self):
        return max((chase.chased_on for chase in self.chases), default=None)

    @property
    def audit_label(self):
        return f"{self.kind.english_label} requested of agency {self.agency_id} for review {self.review_id}"


class AgencyRequestChase(AuditedChild, db.Model):
    """One chase of a request: by a person (a call, an email of their own) or by the overdue reminder."""

    __tablename__ = "agency_request_chase"
    __audit_parent__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("agency_request.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    chased_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: the overdue reminder that chased, "overdue:<due date>:<week>"; empty for a chase a person recorded. Unique per
    #: request, so that no run, however often repeated, chases twice for the same week
    occasion: Mapped[str | None] = mapped_column(sa.String(60))
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")

    request = relationship("AgencyRequest", back_populates="chases")

    __table_args__ = (sa.UniqueConstraint("request_id", "occasion"),)

    @property
    def audit_label(self):
        return f"Chase of request {self.request_id}"


class QualitySubmission(AuditedChild, TimestampMixin, db.Model):
    """One submission of the review's report to the Home Office's quality assurance panel, its feedback and its
    outcome; a resubmission is the next one. The review's submitted_on, qa_feedback_on and approved_on follow them
    (tracker.reviews.quality)."""

    __tablename__ = "quality_submission"
    __audit_parent__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    submitted_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    feedback_on: Mapped[date | None] = mapped_column(sa.Date)
    #: a summary of what the panel said, in the partnership's words
    feedback: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    outcome: Mapped[QualityOutcome | None] = mapped_column(enum_column(QualityOutcome))
    #: when the panel decided, where that was later than its feedback
    outcome_on: Mapped[date | None] = mapped_column(sa.Date)

    review = relationship("Review", backref=backref(
        "quality_submissions", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(QualitySubmission.submitted_on, QualitySubmission.id)"))

    @property
    def audit_label(self):
        return f"Submission of review {self.review_id} to the Home Office on {self.submitted_on.isoformat()}"
