from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, enum_column, utcnow
from tracker.enums import AuditEvent
from tracker.extensions import db


class Audited:
    """Mix into a model to have every create, update and delete of it written to the audit log."""

    #: columns not worth recording (bookkeeping that changes on every write)
    __audit_exclude__ = frozenset({"created_at", "updated_at", "version"})
    #: columns whose change is recorded but whose values are never written down
    __audit_redact__ = frozenset()
    #: why this one record changed, when it differs from the note of everything flushed with it (an imported
    #: row names its row); not a column: it lives only until the flush that records it
    audit_note = None

    @property
    def audit_partnership_id(self):
        return getattr(self, "partnership_id", None)

    @property
    def audit_label(self):
        return str(self)


class AuditedChild(Audited):
    """An audited record that belongs to its partnership through a parent (an update through its action)."""

    #: the many-to-one relationship to the parent, which knows the partnership
    __audit_parent__ = None

    def audit_parent(self):
        parent = getattr(self, self.__audit_parent__)
        if parent is None:  # set by id alone, a pending record's relationship is still empty
            relationship = sa.inspect(type(self)).relationships[self.__audit_parent__]
            key = next(iter(relationship.local_columns)).key
            parent = sa.inspect(self).session.get(relationship.mapper.class_, getattr(self, key))
        return parent

    @property
    def audit_partnership_id(self):
        return self.audit_parent().audit_partnership_id


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partnership.id", ondelete="SET NULL"), index=True
    )
    event: Mapped[AuditEvent] = mapped_column(enum_column(AuditEvent), nullable=False)
    entity_type: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    entity_id: Mapped[int] = mapped_column(nullable=False)
    entity_label: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    #: {field: [before, after]}, values as JSON-friendly strings
    changes: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    #: why the change was made, where the service that made it knew (e.g. a deadline move's reason)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="", server_default="")

    user = relationship("User", lazy="joined")

    __table_args__ = (sa.Index("ix_audit_entry_entity", "entity_type", "entity_id"),)
