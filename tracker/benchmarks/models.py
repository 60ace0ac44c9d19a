from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited, AuditedChild
from tracker.db import TimestampMixin
from tracker.extensions import db
from tracker.i18n import month_year

#: scores run from 1 (poor) to 4 (excellent) in half points
SCORE = sa.Numeric(2, 1)


class Framework(db.Model):
    """A benchmarking framework (2013 or 2020), loaded from data, not written in code."""

    __tablename__ = "framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    year: Mapped[int] = mapped_column(nullable=False)

    components = relationship("Component", back_populates="framework", order_by="Component.number")

    def __str__(self):
        return self.name


class Component(db.Model):
    __tablename__ = "component"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("framework.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    number: Mapped[int] = mapped_column(nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    questions: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)

    framework = relationship("Framework", back_populates="components")

    __table_args__ = (sa.UniqueConstraint("framework_id", "key"), sa.UniqueConstraint("framework_id", "number"))

    def __str__(self):
        return self.title


class ReferenceScore(db.Model):
    """One component score of one of the anonymised reference partnerships (or its overall score)."""

    __tablename__ = "reference_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("framework.id"), nullable=False, index=True)
    partnership_label: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: empty for the overall score
    component_id: Mapped[int | None] = mapped_column(sa.ForeignKey("component.id"))
    score: Mapped[Decimal] = mapped_column(SCORE, nullable=False)

    __table_args__ = (sa.UniqueConstraint("framework_id", "partnership_label", "component_id"),)


class Benchmark(Audited, TimestampMixin, db.Model):
    __tablename__ = "benchmark"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), nullable=False, index=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("framework.id"), nullable=False)
    started_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    reviewer: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    overall_score: Mapped[Decimal | None] = mapped_column(SCORE)
    overall_commentary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    partnership = relationship("Partnership")
    framework = relationship("Framework")
    scores = relationship("ComponentScore", back_populates="benchmark", cascade="all, delete-orphan")
    findings = relationship("Finding", back_populates="benchmark", cascade="all, delete-orphan",
                            order_by="Finding.position")

    def __str__(self):
        return f"Benchmark of {self.started_on:%B %Y}"

    @property
    def title(self):
        """What pages call the benchmark, in the reader's language (str() stays English: the audit log keeps it)."""
        return gettext("Benchmark of %(month)s", month=month_year(self.started_on))


class ComponentScore(AuditedChild, db.Model):
    __tablename__ = "component_score"
    __audit_parent__ = "benchmark"

    id: Mapped[int] = mapped_column(primary_key=True)
    benchmark_id: Mapped[int] = mapped_column(sa.ForeignKey("benchmark.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    component_id: Mapped[int] = mapped_column(sa.ForeignKey("component.id"), nullable=False)
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    commentary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    benchmark = relationship("Benchmark", back_populates="scores")
    component = relationship("Component")

    __table_args__ = (sa.UniqueConstraint("benchmark_id", "component_id"),)

    @property
    def audit_label(self):
        return f"Benchmark score, component {self.component_id}"


class Finding(AuditedChild, db.Model):
    """A key issue the reviewer raised: a weakness to act on, or a strength needing no action."""

    __tablename__ = "finding"
    __audit_parent__ = "benchmark"

    id: Mapped[int] = mapped_column(primary_key=True)
    benchmark_id: Mapped[int] = mapped_column(sa.ForeignKey("benchmark.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    #: empty for the overall key issues
    component_id: Mapped[int | None] = mapped_column(sa.ForeignKey("component.id"))
    position: Mapped[int] = mapped_column(nullable=False, default=0)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    is_no_action_needed: Mapped[bool] = mapped_column(default=False, nullable=False)
    no_action_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    benchmark = relationship("Benchmark", back_populates="findings")
    component = relationship("Component")
    actions = relationship("Action", back_populates="finding", order_by="Action.id")

    def __str__(self):
        return self.text

    @property
    def audit_label(self):
        return f"Finding: {self.text}"[:300]
