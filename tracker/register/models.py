from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit.models import Audited
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class ApiToken(Audited, db.Model):
    """A key another system uses to read the API as its holder reads: a body's case system the recommendations
    sent to that body, a national observer's every one. Only its hash is kept; it is shown once, when made."""

    __tablename__ = "api_token"
    __audit_redact__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    #: what it is for, as its holder names it ("Department case system")
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    __audit_exclude__ = Audited.__audit_exclude__ | {"last_used_at"}

    @property
    def audit_partnership_id(self):
        return None

    @property
    def audit_label(self):
        return f"API key {self.name}"
