"""Every enumeration of the domain, defined once and used by models, forms and templates alike."""
import enum


class LabelledEnum(enum.StrEnum):
    """A string enumeration whose members carry the label people read."""

    def __new__(cls, value, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]


class Role(LabelledEnum):
    COORDINATOR = "coordinator", "Coordinator"
    AGENCY_LEAD = "agency_lead", "Agency lead"
    STRATEGIC_MEMBER = "strategic_member", "Strategic group member"
    PANEL_MEMBER = "panel_member", "Review panel member"
    VIEWER = "viewer", "Viewer"


class Sector(LabelledEnum):
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    HOUSING = "housing", "Housing"
    PROBATION = "probation", "Probation"
    EDUCATION = "education", "Education"
    SPECIALIST_DA_SERVICE = "specialist_da_service", "Specialist domestic abuse service"
    LOCAL_AUTHORITY = "local_authority", "Local authority / Community Safety Partnership"
    OTHER = "other", "Other"


class TokenPurpose(LabelledEnum):
    PASSWORD_RESET = "password_reset", "Password reset"
    INVITATION = "invitation", "Invitation"


class AuditEvent(LabelledEnum):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    VIEW = "view", "Viewed"
    ARCHIVE = "archive", "Archived and anonymised"


class OutboxStatus(LabelledEnum):
    QUEUED = "queued", "Queued"
    #: handed to the relay (or about to be): a worker that dies now leaves it to be sent again when its claim lapses
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    #: a late reminder that nothing in was still true when it could go: not sent
    SUPERSEDED = "superseded", "Not sent: superseded"


class ActionStatus(LabelledEnum):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    COMPLETED = "completed", "Completed, awaiting sign-off"
    CLOSED = "closed", "Closed"


#: statuses a progress update may set; closing is a sign-off, not an update
UPDATE_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED, ActionStatus.COMPLETED)
OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED)


class Rag(LabelledEnum):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    CLOSED = "closed", "Closed"


class LeadAssessment(LabelledEnum):
    """The lead's own view, shown beside the derived RAG so that optimism is visible."""

    ON_TRACK = "green", "On track (green)"
    AT_RISK = "amber", "At risk (amber)"
    OFF_TRACK = "red", "Off track (red)"


class ActionSource(LabelledEnum):
    STRATEGY = "strategy", "Partnership strategy action plan"
    DHR = "dhr", "Domestic Homicide Review"
    BENCHMARK = "benchmark", "CCR benchmark"


class ClosureOutcome(LabelledEnum):
    AS_PLANNED = "as_planned", "Implemented as planned"
    ALTERNATIVE = "alternative", "Implemented by an alternative action"
    ALREADY_IN_PLACE = "already_in_place", "Already in place"
    NOT_IMPLEMENTED = "not_implemented", "Not implemented"
    SUPERSEDED = "superseded", "Superseded"
    NO_LONGER_APPLICABLE = "no_longer_applicable", "No longer applicable"


class ReviewType(LabelledEnum):
    DHR = "dhr", "Domestic Homicide Review"
    DARDR = "dardr", "Domestic Abuse Related Death Review"


class ReviewStatus(LabelledEnum):
    NOTIFIED = "notified", "Notified, decision to review"
    COMMISSIONED = "commissioned", "Commissioned"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted for Home Office quality assurance"
    QA_FEEDBACK = "qa_feedback", "Quality assurance feedback received"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class Scope(LabelledEnum):
    LOCAL = "local", "Local"
    REGIONAL = "regional", "Regional"
    NATIONAL = "national", "National"


class ResponseAssessment(LabelledEnum):
    FULLY_MET = "fully_met", "Fully met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"
    NO_RESPONSE = "no_response", "No response"


class DeliveryState(LabelledEnum):
    """Where a recommendation or finding stands, from the actions that answer it."""

    NO_ACTION = "no_action", "No action yet"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "All actions completed"
    CLOSED = "closed", "All actions closed"


#: the themes a new partnership starts with; coordinators edit the list
DEFAULT_THEMES = (
    "Information sharing", "Risk assessment", "Routine or selective enquiry", "Training", "MARAC", "Housing",
    "Mental health", "Substance use", "Coercive control", "GP and primary care", "Children",
    "Specialist services", "Coordination", "Policies", "Other",
)


class DigestFrequency(LabelledEnum):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly, on Mondays"


class ReminderOutcome(LabelledEnum):
    SENT = "sent", "Queued for sending"
    SUPERSEDED = "superseded", "Not sent: a later reminder replaced it"


class DeadlineApproval(LabelledEnum):
    """Which deadline moves by the people delivering an action wait for the coordinator's (or panel chair's) yes."""

    NONE = "none", "No move needs approval"
    ANY = "any", "Every move needs approval"
    LONGER = "longer", "A move of more than the number of days below needs approval"
    REPEATED = "repeated", "A second or later move needs approval"


class MoveStatus(LabelledEnum):
    REQUESTED = "requested", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class HandoffFrequency(LabelledEnum):
    IMMEDIATE = "immediate", "As each happens"
    DAILY = "daily", "In one email each morning"
