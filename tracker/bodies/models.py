"""Bodies beyond the partnerships (government departments, national agencies, regional bodies), the people who
answer for them, and each recommendation as addressed to one of them: sent, answered, assessed.

A body is shared by the whole instance, so that every recommendation made to it, by any partnership, is in one
place; its contacts see those the partnerships have sent, and nothing else."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited, AuditedChild
from tracker.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from tracker.enums import BodyKind, ResponseAssessment, ResponseStance
from tracker.extensions import db


class ExternalBody(Audited, TimestampMixin, db.Model):
    __tablename__ = "external_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    #: the name folded for matching ("the Home Office" and "HOME OFFICE" are one body): lower-cased, its spaces
    #: and punctuation collapsed, a leading "the" dropped
    name_key: Mapped[str] = mapped_column(sa.String(300), nullable=False, unique=True)
    kind: Mapped[BodyKind] = mapped_column(enum_column(BodyKind), nullable=False, default=BodyKind.OTHER)

    contacts = relationship("BodyContact", back_populates="body", cascade="all, delete-orphan")

    @property
    def audit_partnership_id(self):
        return None

    def __str__(self):
        return self.name


class BodyContact(Audited, TimestampMixin, db.Model):
    """A person who answers for a body: the respondent role, for that body only."""

    __tablename__ = "body_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("external_body.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)

    body = relationship("ExternalBody", back_populates="contacts")
    user = relationship("User", back_populates="body_contacts")

    __table_args__ = (sa.UniqueConstraint("body_id", "user_id"),)

    @property
    def audit_partnership_id(self):
        return None

    @property
    def audit_label(self):
        return f"Contact of {self.body.name}" if self.body else "Body contact"


class BodyRecommendation(AuditedChild, TimestampMixin, db.Model):
    """A recommendation as addressed to one body: the loop of sending it, the body's answer and its delivery, and
    the partnership's judgement of both. The 56 days for an answer run from the day it was sent."""

    __tablename__ = "body_recommendation"
    __audit_parent__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation.id", ondelete="CASCADE"),
                                                   nullable=False, index=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("external_body.id"), nullable=False)
    #: what the partnership chose to show the body before the review is published (after, the body reads the
    #: recommendation as published)
    shared_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    sent_on: Mapped[date | None] = mapped_column(sa.Date)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    response_due_on: Mapped[date | None] = mapped_column(sa.Date)
    # the body's answer, given in the tracker by its contact or recorded by the partnership from a letter
    response_received_on: Mapped[date | None] = mapped_column(sa.Date)
    stance: Mapped[ResponseStance | None] = mapped_column(enum_column(ResponseStance))
    response_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # the partnership's (or a national reviewer's) judgement, and when it is to be looked at again
    assessment: Mapped[ResponseAssessment | None] = mapped_column(enum_column(ResponseAssessment))
    assessed_on: Mapped[date | None] = mapped_column(sa.Date)
    assessment_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recheck_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    recommendation = relationship("Recommendation", back_populates="addressed")
    body = relationship("ExternalBody")
    steps = relationship("ResponseStep", back_populates="item", order_by="(ResponseStep.due_on, ResponseStep.id)",
                         cascade="all, delete-orphan")
    progress = relationship("ResponseProgress", back_populates="item",
                            order_by="(ResponseProgress.recorded_on.desc(), ResponseProgress.id.desc())",
                            cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("recommendation_id", "body_id"),
                      sa.Index("ix_body_recommendation_body_id_sent_on", "body_id", "sent_on"))
    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_label(self):
        return f"Recommendation {self.recommendation.number} to {self.body.name}" if self.body else "Recommendation"


class ResponseStep(AuditedChild, db.Model):
    """An action the body plans in answer, with the date it means to deliver it by."""

    __tablename__ = "response_step"
    __audit_parent__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("body_recommendation.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_on: Mapped[date | None] = mapped_column(sa.Date)

    item = relationship("BodyRecommendation", back_populates="steps")


class ResponseProgress(AuditedChild, db.Model):
    """What the body reports later about delivering its answer."""

    __tablename__ = "response_progress"
    __audit_parent__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("body_recommendation.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    recorded_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    item = relationship("BodyRecommendation", back_populates="progress")
    recorded_by = relationship("User")
