"""Imports every feature's models so that the metadata (and so Alembic) sees the whole schema."""
from tracker.accounts.models import AccountToken, LoginFailure, User  # noqa: F401
from tracker.actions.models import Action, DeadlineChange, EvidenceFile, ProgressUpdate  # noqa: F401
from tracker.audit.models import AuditEntry  # noqa: F401
from tracker.benchmarks.models import Benchmark, Component, ComponentScore, Finding, Framework, ReferenceScore  # noqa
from tracker.bodies.models import BodyContact, BodyRecommendation, ExternalBody  # noqa: F401
from tracker.email import OutboxAttachment, OutboxMessage  # noqa: F401
from tracker.notifications.models import Notification  # noqa: F401
from tracker.partnerships.models import AccountLink, Agency, Membership, Partnership  # noqa: F401
from tracker.plans.models import AgencyAlias, ColumnMapping, PendingImport  # noqa: F401
from tracker.register.models import ApiToken  # noqa: F401
from tracker.reminders.models import ReminderDelivery, ReminderLog, ReminderPolicy  # noqa: F401
from tracker.reports.models import Meeting, RagSnapshot  # noqa: F401
from tracker.reviews.models import PanelMember, Recommendation, Review, ReviewPause, Theme  # noqa: F401
