"""Every enumeration of the domain, defined once and used by models, forms and templates alike."""
import enum

from flask_babel import gettext, lazy_gettext

from tracker.i18n import N_


class LabelledEnum(enum.StrEnum):
    """A string enumeration whose members carry the label people read, in the reader's language."""

    def __new__(cls, value, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.english_label = label
        return member

    @property
    def label(self):
        return gettext(self.english_label)

    @classmethod
    def choices(cls):
        """(value, label) pairs whose labels are translated when shown: forms build their choices at import."""
        return [(m.value, lazy_gettext(m.english_label)) for m in cls]


class Role(LabelledEnum):
    COORDINATOR = "coordinator", N_("Coordinator")
    AGENCY_LEAD = "agency_lead", N_("Agency lead")
    STRATEGIC_MEMBER = "strategic_member", N_("Strategic group member")
    PANEL_MEMBER = "panel_member", N_("Review panel member")
    VIEWER = "viewer", N_("Viewer")


class Nation(LabelledEnum):
    """Where a partnership is: it decides the kind of review a death leads to."""

    ENGLAND = "england", N_("England")
    WALES = "wales", N_("Wales")


class Sector(LabelledEnum):
    POLICE = "police", N_("Police")
    HEALTH = "health", N_("Health")
    CHILDRENS_SERVICES = "childrens_services", N_("Children's services")
    ADULT_SOCIAL_CARE = "adult_social_care", N_("Adult social care")
    HOUSING = "housing", N_("Housing")
    PROBATION = "probation", N_("Probation")
    EDUCATION = "education", N_("Education")
    SPECIALIST_DA_SERVICE = "specialist_da_service", N_("Specialist domestic abuse service")
    LOCAL_AUTHORITY = "local_authority", N_("Local authority / Community Safety Partnership")
    OTHER = "other", N_("Other")


class TokenPurpose(LabelledEnum):
    PASSWORD_RESET = "password_reset", N_("Password reset")
    INVITATION = "invitation", N_("Invitation")


class AuditEvent(LabelledEnum):
    CREATE = "create", N_("Created")
    UPDATE = "update", N_("Changed")
    DELETE = "delete", N_("Deleted")
    VIEW = "view", N_("Viewed")
    ARCHIVE = "archive", N_("Archived and anonymised")


class OutboxStatus(LabelledEnum):
    QUEUED = "queued", N_("Queued")
    #: handed to the relay (or about to be): a worker that dies now leaves it to be sent again when its claim lapses
    SENDING = "sending", N_("Being sent")
    SENT = "sent", N_("Sent")
    FAILED = "failed", N_("Failed")
    #: a late reminder that nothing in was still true when it could go: not sent
    SUPERSEDED = "superseded", N_("Not sent: superseded")


class ActionStatus(LabelledEnum):
    NOT_STARTED = "not_started", N_("Not started")
    IN_PROGRESS = "in_progress", N_("In progress")
    BLOCKED = "blocked", N_("Blocked")
    COMPLETED = "completed", N_("Completed, awaiting sign-off")
    CLOSED = "closed", N_("Closed")


#: statuses a progress update may set; closing is a sign-off, not an update
UPDATE_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED, ActionStatus.COMPLETED)
OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED)


class Rag(LabelledEnum):
    RED = "red", N_("Red")
    AMBER = "amber", N_("Amber")
    GREEN = "green", N_("Green")
    CLOSED = "closed", N_("Closed")


class LeadAssessment(LabelledEnum):
    """The lead's own view, shown beside the derived RAG so that optimism is visible."""

    ON_TRACK = "green", N_("On track (green)")
    AT_RISK = "amber", N_("At risk (amber)")
    OFF_TRACK = "red", N_("Off track (red)")


class ActionSource(LabelledEnum):
    STRATEGY = "strategy", N_("Partnership strategy action plan")
    DHR = "dhr", N_("Domestic Homicide Review")
    BENCHMARK = "benchmark", N_("CCR benchmark")


class ClosureOutcome(LabelledEnum):
    AS_PLANNED = "as_planned", N_("Implemented as planned")
    ALTERNATIVE = "alternative", N_("Implemented by an alternative action")
    ALREADY_IN_PLACE = "already_in_place", N_("Already in place")
    NOT_IMPLEMENTED = "not_implemented", N_("Not implemented")
    SUPERSEDED = "superseded", N_("Superseded")
    NO_LONGER_APPLICABLE = "no_longer_applicable", N_("No longer applicable")


class ReviewType(LabelledEnum):
    DHR = "dhr", N_("Domestic Homicide Review")
    DARDR = "dardr", N_("Domestic Abuse Related Death Review")
    #: Wales: one review for every set of review criteria a death or serious harm meets
    SUSR = "susr", N_("Single Unified Safeguarding Review")


#: the kinds of review a partnership commissions, by its nation
REVIEW_TYPES = {Nation.ENGLAND: (ReviewType.DHR, ReviewType.DARDR), Nation.WALES: (ReviewType.SUSR,)}


class SafeguardingCriterion(LabelledEnum):
    """The review criteria a Single Unified Safeguarding Review meets: one or several, each a review it stands for."""

    DHR = "dhr", N_("Domestic Homicide Review")
    ADULT_PRACTICE = "adult_practice", N_("Adult Practice Review")
    CHILD_PRACTICE = "child_practice", N_("Child Practice Review")
    MENTAL_HEALTH_HOMICIDE = "mental_health_homicide", N_("Mental Health Homicide Review")
    OFFENSIVE_WEAPONS_HOMICIDE = "offensive_weapons_homicide", N_("Offensive Weapons Homicide Review")


class ReviewStatus(LabelledEnum):
    NOTIFIED = "notified", N_("Notified, decision to review")
    #: the partnership decided not to commission a review (the Home Office is told, and may disagree): it has no
    #: target date and is neither in progress nor late; it sits before the stages a commissioned review goes through
    NOT_REVIEWED = "not_reviewed", N_("Decided not to review")
    COMMISSIONED = "commissioned", N_("Commissioned")
    IN_PROGRESS = "in_progress", N_("In progress")
    SUBMITTED = "submitted", N_("Submitted for Home Office quality assurance")
    QA_FEEDBACK = "qa_feedback", N_("Quality assurance feedback received")
    APPROVED = "approved", N_("Approved")
    PUBLISHED = "published", N_("Published")


#: the stages of the Home Office's quality assurance, which only a review that meets the DHR criteria goes through
HOME_OFFICE_STATUSES = (ReviewStatus.SUBMITTED, ReviewStatus.QA_FEEDBACK)


class HomeOfficeView(LabelledEnum):
    """The Home Office's answer to a partnership's decision not to review."""

    AGREES = "agrees", N_("Agrees with the decision")
    DISAGREES = "disagrees", N_("Disagrees with the decision")


class ContactMethod(LabelledEnum):
    """How the review reached a member of the victim's family, a friend or a colleague."""

    LETTER = "letter", N_("Letter")
    PHONE = "phone", N_("Phone")
    EMAIL = "email", N_("Email")
    IN_PERSON = "in_person", N_("In person")
    THROUGH_ADVOCATE = "through_advocate", N_("Through an advocate")
    THROUGH_POLICE = "through_police", N_("Through the police family liaison officer")
    OTHER = "other", N_("Another way")


class Offer(LabelledEnum):
    """Where an offer made to the family stands."""

    NOT_OFFERED = "not_offered", N_("Not offered")
    AWAITING = "awaiting", N_("Offered, no answer yet")
    TAKEN_UP = "taken_up", N_("Offered and taken up")
    DECLINED = "declined", N_("Offered and declined")


class Advocacy(LabelledEnum):
    NOT_OFFERED = "not_offered", N_("Not offered")
    OFFERED = "offered", N_("Offered, not taken up yet")
    PROVIDED = "provided", N_("Provided")
    DECLINED = "declined", N_("Offered and declined")


class Scope(LabelledEnum):
    LOCAL = "local", N_("Local")
    REGIONAL = "regional", N_("Regional")
    NATIONAL = "national", N_("National")


class ResponseAssessment(LabelledEnum):
    """Where a body's answer to a recommendation stands, on a fixed scale modelled on the NTSB's: open while the
    answer or its delivery is awaited, closed once it is delivered, replaced or refused for good."""

    OPEN_AWAITED = "open_awaited", N_("Open: response awaited")
    OPEN_ACCEPTABLE = "open_acceptable", N_("Open: acceptable response")
    OPEN_UNACCEPTABLE = "open_unacceptable", N_("Open: unacceptable response")
    CLOSED_IMPLEMENTED = "closed_implemented", N_("Closed: implemented")
    CLOSED_ALTERNATIVE = "closed_alternative", N_("Closed: acceptable alternative")
    CLOSED_NOT_IMPLEMENTED = "closed_not_implemented", N_("Closed: not implemented")
    CLOSED_SUPERSEDED = "closed_superseded", N_("Closed: superseded")

    @property
    def is_closed(self):
        return self.value.startswith("closed")


class ResponseStance(LabelledEnum):
    """What a body says to a recommendation addressed to it."""

    ACCEPTED = "accepted", N_("Accepted")
    ACCEPTED_IN_PART = "accepted_in_part", N_("Accepted in part")
    REJECTED = "rejected", N_("Rejected")


class BodyKind(LabelledEnum):
    """The bodies beyond a partnership that regional and national recommendations are addressed to."""

    GOVERNMENT_DEPARTMENT = "government_department", N_("Government department")
    NATIONAL_AGENCY = "national_agency", N_("National agency or public body")
    REGIONAL_BODY = "regional_body", N_("Regional body")
    OTHER = "other", N_("Other organisation")


class NationalRole(LabelledEnum):
    """A role across every partnership, held for the instance (a commissioner's office, for example)."""

    OBSERVER = "observer", N_("National observer")
    #: reads what an observer reads, and assesses bodies' responses as a partnership may
    REVIEWER = "reviewer", N_("National reviewer")


class DeliveryState(LabelledEnum):
    """Where a recommendation or finding stands, from the actions that answer it."""

    NO_ACTION = "no_action", N_("No action yet")
    IN_PROGRESS = "in_progress", N_("In progress")
    COMPLETED = "completed", N_("All actions completed")
    CLOSED = "closed", N_("All actions closed")


#: the themes a new partnership starts with; coordinators edit the list
DEFAULT_THEMES = (
    "Information sharing", "Risk assessment", "Routine or selective enquiry", "Training", "MARAC", "Housing",
    "Mental health", "Substance use", "Coercive control", "GP and primary care", "Children",
    "Specialist services", "Coordination", "Policies", "Other",
)


class DigestFrequency(LabelledEnum):
    DAILY = "daily", N_("Daily")
    WEEKLY = "weekly", N_("Weekly, on Mondays")


class ReminderOutcome(LabelledEnum):
    SENT = "sent", N_("Queued for sending")
    SUPERSEDED = "superseded", N_("Not sent: a later reminder replaced it")


class DeadlineApproval(LabelledEnum):
    """Which deadline moves by the people delivering an action wait for the coordinator's (or panel chair's) yes."""

    NONE = "none", N_("No move needs approval")
    ANY = "any", N_("Every move needs approval")
    LONGER = "longer", N_("A move of more than the number of days below needs approval")
    REPEATED = "repeated", N_("A second or later move needs approval")


class MoveStatus(LabelledEnum):
    REQUESTED = "requested", N_("Awaiting approval")
    APPROVED = "approved", N_("Approved")
    REFUSED = "refused", N_("Refused")


class HandoffFrequency(LabelledEnum):
    IMMEDIATE = "immediate", N_("As each happens")
    DAILY = "daily", N_("In one email each morning")


class RequestKind(LabelledEnum):
    """What a review panel asks an agency for: the agencies that had contact return a scoping form, a chronology,
    and where the contact was significant an Individual Management Review."""

    SCOPING = "scoping", N_("Scoping return")
    CHRONOLOGY = "chronology", N_("Chronology")
    IMR = "imr", N_("Individual Management Review")


class QualityOutcome(LabelledEnum):
    """What the Home Office's quality assurance panel decided on one submission of a report."""

    APPROVED = "approved", N_("Approved")
    RESUBMIT = "resubmit", N_("Resubmission requested")
    NOT_APPROVED = "not_approved", N_("Not approved")


class GroupServed(LabelledEnum):
    """Whom an action serves: the Equality Act's protected characteristics, then the other groups of survivors the
    2020 ISOE summary names as too often unheard (children as victims, migrants and those with no recourse to
    public funds, minoritised communities served by 'by and for' services)."""

    AGE = "age", N_("Age (including older people)")
    DISABILITY = "disability", N_("Disability")
    GENDER_REASSIGNMENT = "gender_reassignment", N_("Gender reassignment")
    MARRIAGE = "marriage", N_("Marriage and civil partnership")
    PREGNANCY = "pregnancy", N_("Pregnancy and maternity")
    RACE = "race", N_("Race")
    RELIGION = "religion", N_("Religion or belief")
    SEX = "sex", N_("Sex")
    SEXUAL_ORIENTATION = "sexual_orientation", N_("Sexual orientation")
    CHILDREN = "children", N_("Children as victims in their own right")
    NO_RECOURSE = "no_recourse", N_("People with no recourse to public funds")
    MIGRANTS = "migrants", N_("Migrants")
    MINORITISED = "minoritised", N_("Minoritised communities and 'by and for' services")
