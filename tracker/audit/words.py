"""The audit log in the words people use: what kind of record, which detail, and each stored value as what it means
(a person's name for an id, a label for a code, "31 January 2027" for an ISO date).

The log stores raw values (column names, ids, enumeration codes, ISO dates) so that it never depends on today's
wording. This module turns them into sentences when the log is read. It reads what the models and forms already
say: each column's type (an enumeration's labels, a date, a foreign key's table) and the labels of the forms that
edit the record. A few labels are written here where no form says it well, and anything unknown gets a tidy
humanised name, so a new model or column never shows a raw name."""
import datetime as dt
import decimal
import functools
import inspect
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import force_locale, gettext, ngettext

from tracker.audit.models import Audited
from tracker.audit.services import ANONYMISED, REDACTED
from tracker.enums import AuditEvent, GroupServed
from tracker.extensions import db
from tracker.i18n import DEFAULT_LANGUAGE, N_, current_language, local_datetime, long_date, month_year

LONDON = ZoneInfo("Europe/London")
#: who a change without a person was made by: a scheduled job, a command, or someone whose account is deleted
SYSTEM = N_("the system")
EMPTY = N_("(empty)")

#: each audited model as people name it; any other gets its class name humanised ("ReminderLog": "Reminder log")
KIND_LABELS = {
    "AccountLink": N_("Role offered by email"),
    "Action": N_("Action"),
    "Agency": N_("Agency"),
    "AgencyAlias": N_("Other name of an agency"),
    "AgencyRequest": N_("Request to an agency"),
    "AgencyRequestChase": N_("Chase of a request to an agency"),
    "Benchmark": N_("Benchmark"),
    "BodyContact": N_("Contact of a body"),
    "BodyRecommendation": N_("Recommendation to a body"),
    "ComponentScore": N_("Benchmark score"),
    "FamilyContact": N_("Family contact of a review"),
    "ExternalBody": N_("Body beyond the partnerships"),
    "Finding": N_("Benchmark finding"),
    "Meeting": N_("Strategic group meeting"),
    "Membership": N_("Role"),
    "PanelMember": N_("Review panel member"),
    "Partnership": N_("Partnership"),
    "ProgressUpdate": N_("Progress update"),
    "Recommendation": N_("Recommendation"),
    "QualitySubmission": N_("Submission to the Home Office"),
    "ReminderPolicy": N_("Reminder schedule"),
    "ResponseProgress": N_("Progress reported by a body"),
    "ResponseStep": N_("Action planned by a body"),
    "Review": N_("Review"),
    "ReviewPause": N_("Pause of a review"),
    "ReviewCriterion": N_("Review criterion"),
    "TermsOfReference": N_("Terms of reference of a review"),
    "Theme": N_("Theme"),
    "User": N_("Account"),
}

#: labels where no form gives one that reads well in "… changed from … to …", by kind, then for every kind
FIELD_LABELS = {
    "Action": {
        "source": N_("Source"), "recommendation_id": N_("Recommendation"), "finding_id": N_("Benchmark finding"),
        "title": N_("Action"), "deadline_is_month": N_("Deadline given as a month"), "status": N_("Status"),
        "blocked_reason": N_("What is blocking it"), "completed_on": N_("Completed on"),
        "completed_is_month": N_("Completion given as a month"), "completion_note": N_("What was delivered"),
        "closed_by_id": N_("Person who signed it off"), "closed_on": N_("Sign-off date"),
        "closure_outcome": N_("Outcome"), "closure_reason": N_("Reason for the outcome"),
        "review_arrangement": N_("How progress is reviewed"),
        "assurance_check_on": N_("Assurance check date"), "assurance_confirmed_on": N_("Assurance confirmed on"),
        "estimated_cost": N_("Estimated cost"), "supporting_agencies": N_("Supporting agencies"),
    },
    "ProgressUpdate": {
        "action_id": N_("Action"), "author_id": N_("Written by"), "note": N_("Update"), "status": N_("Status"),
        "lead_assessment": N_("Lead's assessment"), "evidence_url": N_("Link to evidence"),
        "evidence_file_id": N_("Evidence file"),
    },
    "Review": {"archived_at": N_("Archived at"), "archived_by_id": N_("Archived by"),
               "archive_reason": N_("Reason for archiving")},
    "Recommendation": {"review_id": N_("Review"), "agencies": N_("Addressed to"), "themes": N_("Themes"),
                       "external_body": N_("Bodies beyond the partnership")},
    "BodyRecommendation": {"recommendation_id": N_("Recommendation"), "body_id": N_("Body"),
                           "sent_by_id": N_("Sent by"), "response_due_on": N_("Answer due"),
                           "responded_by_id": N_("Answered by"), "assessed_by_id": N_("Assessed by")},
    "BodyContact": {"body_id": N_("Body")},
    "ResponseStep": {"item_id": N_("Recommendation to a body"), "done_on": N_("Done on")},
    "ResponseProgress": {"item_id": N_("Recommendation to a body"), "recorded_on": N_("Date"),
                         "recorded_by_id": N_("Reported by"), "recorded_at": N_("Recorded at")},
    "ExternalBody": {"name_key": N_("Name as matched")},
    "PanelMember": {"review_id": N_("Review"), "user_id": N_("Person"),
                    "is_da_specialist": N_("Domestic abuse specialist"),
                    "has_community_expertise": N_("Community or ‘by and for’ expertise")},
    "FamilyContact": {"review_id": N_("Review")},
    "TermsOfReference": {"review_id": N_("Review"), "file_id": N_("File")},
    "ReviewPause": {"review_id": N_("Review")},
    "AgencyRequest": {"review_id": N_("Review"), "withdrawn_on": N_("Withdrawn on")},
    "AgencyRequestChase": {"request_id": N_("Request"), "occasion": N_("Reminder that chased it")},
    "QualitySubmission": {"review_id": N_("Review")},
    "ReviewCriterion": {"review_id": N_("Review"), "criterion": N_("Criterion")},
    "Theme": {"name": N_("Name")},
    "Benchmark": {"overall_score": N_("Overall score")},
    "ComponentScore": {"benchmark_id": N_("Benchmark"), "component_id": N_("Component")},
    "Finding": {"benchmark_id": N_("Benchmark"), "component_id": N_("Component"),
                "position": N_("Position in the list"), "text": N_("Key issue"),
                "is_no_action_needed": N_("No action needed"), "no_action_reason": N_("Why no action is needed")},
    "Partnership": {"rag_warning_days": N_("Days before a deadline that an action turns amber"),
                    "stale_after_days": N_("Days without an update before an action turns amber"),
                    "deadline_approval_days": N_("Days a deadline may move without approval")},
    "ReminderPolicy": {"overdue_every_days": N_("Days between reminders while overdue"),
                       "escalate_to_lead_after": N_("Days overdue before the agency lead is told"),
                       "escalate_to_strategic_after": N_("Days overdue before the strategic group member is told")},
    "AccountLink": {"user_id": N_("Account"), "invited_by_id": N_("Offered by"), "token_hash": N_("Link"),
                    "sent_at": N_("Sent at"), "expires_at": N_("Expires at")},
    "Membership": {"user_id": N_("Person")},
    "AgencyAlias": {"agency_id": N_("Agency"), "alias": N_("Other name")},
    "Meeting": {"meets_on": N_("Meeting date"), "pack_days_before": N_("Days before the meeting that the pack is sent"),
                "pack_sent_at": N_("Pack sent at")},
    "User": {"password_hash": N_("Password"), "session_token": N_("Sign-in sessions"),
             "calendar_token_hash": N_("Calendar feed address"), "totp_secret": N_("Two-factor sign-in key"),
             "totp_enabled_at": N_("Two-factor sign-in set up at"), "is_active": N_("Account active"),
             "is_administrator": N_("Administrator"), "language": N_("Language"),
             "national_role": N_("National role")},
    None: {"partnership_id": N_("Partnership"), "user_id": N_("Person"), "agency_id": N_("Agency"), "name": N_("Name")},
}

#: the forms that edit each kind: their labels name its columns where this module does not
FORMS = {
    "Action": ("tracker.actions.forms:ActionForm",),
    "Review": ("tracker.reviews.forms:ReviewForm", "tracker.reviews.forms:NotReviewedForm"),
    "FamilyContact": ("tracker.reviews.forms:FamilyContactForm",),
    "TermsOfReference": ("tracker.reviews.forms:TermsForm",),
    "Recommendation": ("tracker.reviews.forms:RecommendationForm",),
    "ExternalBody": ("tracker.bodies.forms:BodyForm",),
    "BodyRecommendation": ("tracker.bodies.forms:SendForm", "tracker.bodies.forms:RecordedResponseForm",
                           "tracker.bodies.forms:AssessmentForm"),
    "ResponseStep": ("tracker.bodies.forms:StepForm",),
    "ResponseProgress": ("tracker.bodies.forms:ProgressForm",),
    "PanelMember": ("tracker.reviews.forms:PanelMemberForm",),
    "ReviewPause": ("tracker.reviews.forms:PauseForm", "tracker.reviews.forms:EndPauseForm"),
    "AgencyRequest": ("tracker.reviews.requests_forms:SendRequestForm", "tracker.reviews.requests_forms:ReceivedForm"),
    "AgencyRequestChase": ("tracker.reviews.requests_forms:ChaseForm",),
    "QualitySubmission": ("tracker.reviews.quality_forms:SubmissionForm", "tracker.reviews.quality_forms:FeedbackForm"),
    "Benchmark": ("tracker.benchmarks.forms:BenchmarkForm",),
    "ComponentScore": ("tracker.benchmarks.forms:ComponentForm",),
    "Finding": (),
    "Partnership": ("tracker.partnerships.forms:PartnershipForm", "tracker.actions.forms:DeadlineRuleForm",
                    "tracker.benchmarks.forms:RebenchmarkForm"),
    "Agency": ("tracker.partnerships.forms:AgencyForm",),
    "Membership": ("tracker.partnerships.forms:MembershipForm",),
    "AccountLink": ("tracker.partnerships.forms:InvitePersonForm",),
    "User": ("tracker.accounts.forms:ProfileForm", "tracker.reminders.forms:PreferencesForm"),
    "ReminderPolicy": ("tracker.reminders.forms:PolicyForm",),
}

#: details not worth a line: what the log already shows (the partnership) or bookkeeping derived from others
HIDDEN = {None: {"id", "partnership_id"}, "AgencyAlias": {"key"}, "ProgressUpdate": {"action_id"}}

#: the tables a foreign key can name, each with the column that names a row and how it reads
NAMED_TABLES = {
    "user": ("tracker.accounts.models:User", "name", None),
    "agency": ("tracker.partnerships.models:Agency", "name", None),
    "partnership": ("tracker.partnerships.models:Partnership", "name", None),
    "review": ("tracker.reviews.models:Review", "reference", None),
    "recommendation": ("tracker.reviews.models:Recommendation", "number",
                       lambda number: gettext("Recommendation %(number)s", number=number)),
    "action": ("tracker.actions.models:Action", "title", None),
    "evidence_file": ("tracker.actions.models:EvidenceFile", "filename", None),
    "benchmark": ("tracker.benchmarks.models:Benchmark", "started_on", lambda value: gettext(
        "Benchmark of %(month)s", month=month_year(dt.date.fromisoformat(str(value)[:10])))),
    "finding": ("tracker.benchmarks.models:Finding", "text", lambda text: _shortened(text, 80)),
    "framework": ("tracker.benchmarks.models:Framework", "name", None),
    "component": ("tracker.benchmarks.models:Component", "title", None),
    "theme": ("tracker.reviews.models:Theme", "name", None),
    "external_body": ("tracker.bodies.models:ExternalBody", "name", None),
    "body_recommendation": ("tracker.bodies.models:BodyRecommendation", "id", lambda value: gettext(
        "Recommendation to a body (%(id)s)", id=value)),
}
#: a row an entry names that no longer exists, by its table
DELETED = {
    "user": N_("a deleted user"), "agency": N_("a deleted agency"), "partnership": N_("a deleted partnership"),
    "review": N_("a deleted review"), "recommendation": N_("a deleted recommendation"),
    "action": N_("a deleted action"), "evidence_file": N_("a deleted evidence file"),
    "benchmark": N_("a deleted benchmark"), "finding": N_("a deleted finding"),
    "framework": N_("a deleted framework"), "component": N_("a deleted component"), "theme": N_("a deleted theme"),
    "external_body": N_("a deleted body"), "body_recommendation": N_("a deleted recommendation to a body"),
}

#: record names stored with ids, or with the kind's name again: (pattern, words, {group: table of the id}); a
#: label that does not match its pattern is shown as stored
LABEL_PATTERNS = {
    "PanelMember": (re.compile(r"Panel of review (?P<review>\d+): user (?P<user>\d+)"),
                    N_("%(user)s on the panel of %(review)s"), {"review": "review", "user": "user"}),
    "ReviewPause": (re.compile(r"Pause of review (?P<review>\d+)"), N_("Pause of %(review)s"), {"review": "review"}),
    "ComponentScore": (re.compile(r"Benchmark score, component (?P<component>\d+)"), N_("Score for %(component)s"),
                       {"component": "component"}),
    "Finding": (re.compile(r"Finding: (?P<text>.+)", re.S), "%(text)s", {}),
    # a role whose person was not loaded when it was written is labelled with their id
    "Membership": (re.compile(r"(?P<user>\d+): (?P<role>.+)", re.S), "%(user)s: %(role)s", {"user": "user"}),
    "TermsOfReference": (re.compile(r"Terms of reference of review (?P<review>\d+)"),
                         N_("Terms of reference of %(review)s"), {"review": "review"}),
    "FamilyContact": (re.compile(r"Family contact of review (?P<review>\d+): (?P<relationship>.+)", re.S),
                      N_("Family contact of %(review)s: %(relationship)s"), {"review": "review"}),
    "AgencyRequest": (re.compile(r"(?P<kind>.+) requested of agency (?P<agency>\d+) for review (?P<review>\d+)"),
                      N_("%(kind)s requested of %(agency)s for %(review)s"), {"agency": "agency", "review": "review"}),
    "QualitySubmission": (re.compile(r"Submission of review (?P<review>\d+) to the Home Office on (?P<day>[\d-]+)"),
                          N_("Submission of %(review)s to the Home Office on %(day)s"), {"review": "review"}),
    "Milestone": (re.compile(r"Milestone: (?P<text>.+)", re.S), N_("Milestone: %(text)s"), {}),
}

#: notes the tracker writes itself, in English when it writes them, read in the reader's language
NOTE_PATTERNS = (
    (re.compile(r"One action per agency named by recommendation (?P<number>.+)", re.S),
     N_("One action per agency named by recommendation %(number)s")),
)


#: a stored label that ends with a role or a criterion, written in English when the change was made: "Rhian
#: Pritchard: Agency lead (South Wales Police)", "CTM SUSR 2025-01: Adult Practice Review"
NAMED_LABEL = re.compile(r"(?P<who>.+): (?P<what>[^:()]+?)(?P<agency> \(.*\))?", re.S)


def _named_in_catalogue(label):
    """The label with its role or criterion in the reader's language (other words come back as they were)."""
    match = NAMED_LABEL.fullmatch(label)
    if not match:
        return label
    return f"{match['who']}: {gettext(match['what'])}{match['agency'] or ''}"


def humanised(name):
    """A code name as words: "ReminderPolicy" becomes "Reminder policy", "closed_by_id" "Closed by"."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    name = re.sub(r"_id$", "", name).replace("_", " ").strip()
    return name[:1].upper() + name[1:].lower()


def kind_label(entity_type):
    return gettext(KIND_LABELS[entity_type]) if entity_type in KIND_LABELS else humanised(entity_type)


def audited_kinds():
    """(kind, label) for every kind of record the log can hold, by label."""
    kinds = {mapper.class_.__name__ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, Audited)}
    return sorted(((kind, kind_label(kind)) for kind in kinds), key=lambda pair: pair[1])


def _read(label):
    """A label in the reader's language: one written here is looked up in the catalogue, a form's (lazy) label
    reads itself."""
    return gettext(label) if isinstance(label, str) else str(label)


def _shortened(text, length):
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def _imported_module(name):
    return __import__(name, fromlist=["_"])


def _imported(path):
    module, name = path.split(":")
    return getattr(__import__(module, fromlist=[name]), name)


def _model(entity_type):
    return next((mapper.class_ for mapper in db.Model.registry.mappers if mapper.class_.__name__ == entity_type),
                None)


@dataclass(frozen=True)
class FieldSpec:
    #: the label as written: a catalogue string, or a form's lazy label (`label` reads it in the reader's language)
    written: object
    #: how a value reads: "text", "date", "moment", "yes/no", "enum", "ref", "money", "month", "component", "smart",
    #: "groups", or "guess" (by the value's look) for a detail no column describes
    kind: str = "text"
    #: the enumeration for "enum", the table for "ref"
    target: object = None
    #: the verb of a change: "moved" or "changed"
    verb: str = "changed"

    @property
    def label(self):
        return _read(self.written)

    def leads(self):
        """How a note can start by saying what the sentence says ("Deadline moved"): notes are kept as written,
        in English when the tracker wrote them, so both that and the reader's language."""
        with force_locale(DEFAULT_LANGUAGE):
            english = f"{_read(self.written)} {self.verb}"
        return {english, f"{self.label} {self.verb}"}


@functools.cache
def field_spec(entity_type, name):
    """What one detail of one kind of record is called and how its values read, from the model's column."""
    column = _column(_model(entity_type), name)
    kind, target = _reading(name, column)
    # a deadline (or a date something is due by) moves; anything else changes
    verb = "moved" if kind == "date" and ("deadline" in name or "due" in name) else "changed"
    return FieldSpec(_label(entity_type, name), kind, target, verb)


def _reading(name, column):
    if name == "estimated_cost":
        return "money", None
    if name == "death_month":
        return "month", None
    if name == "component" and column is not None and isinstance(column.type, sa.String):
        return "component", None
    if name == "smart_gaps":
        return "smart", None
    if name == "groups_served":
        return "groups", None
    if column is None:  # a value recorded by hand, or of a model the log does not know: read by its look
        return "guess", None
    target = _referenced_table(column)
    if target:
        return "ref", target
    return _type_kind(column.type), getattr(column.type, "enum_class", None)


def _column(model, name):
    if model is None:
        return None
    attribute = sa.inspect(model).column_attrs.get(name)
    return attribute.columns[0] if attribute is not None else None


def _referenced_table(column):
    """The table a foreign key column names rows of (its primary key, when a composite key names another too)."""
    keys = sorted(column.foreign_keys, key=lambda key: key.column.name != "id")
    return keys[0].column.table.name if keys else None


def _type_kind(column_type):
    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        return "enum"
    if isinstance(column_type, sa.Boolean):
        return "yes/no"
    stored = column_type.impl if isinstance(column_type, sa.TypeDecorator) else column_type
    try:
        python_type = stored.python_type
    except NotImplementedError:
        python_type = None
    if python_type is dt.datetime:
        return "moment"
    if python_type is dt.date:
        return "date"
    return "text"


def _label(entity_type, name):
    own = FIELD_LABELS.get(entity_type, {})
    if name in own:
        return own[name]
    if entity_type == "Action":  # the action's own history names its details
        history_labels = getattr(_imported_module("tracker.actions.services"), "FIELD_LABELS", {})
        if name in history_labels:
            return history_labels[name]
    for path in FORMS.get(entity_type, ()):
        label = _form_label(_imported(path), name)
        if label:
            return label
    return FIELD_LABELS[None].get(name) or humanised(name)


def _form_label(form_class, name):
    unbound = inspect.getattr_static(form_class, name, None)
    args = getattr(unbound, "args", None)
    if unbound is None or not hasattr(unbound, "field_class"):
        return None
    return (args[0] if args else unbound.kwargs.get("label")) or None


@functools.cache
def is_hidden(entity_type, name):
    if entity_type == "Action" and name in getattr(_imported_module("tracker.actions.services"), "HIDDEN_FIELDS", ()):
        return True
    return name in HIDDEN[None] or name in HIDDEN.get(entity_type, ())


@dataclass
class LogLine:
    """One line of the log as people read it: one change, or one person's views of one record on one day."""
    at: dt.datetime
    who: str
    partnership: str
    kind: str
    record: str
    event: AuditEvent
    #: the first sentence: what happened, by whom, and why after a colon
    headline: str
    #: further sentences: the other details changed, or the values a created or deleted record held
    details: list = field(default_factory=list)
    #: how many views this line stands for
    times: int = 1

    @property
    def when(self):
        return local_datetime(self.at)


class Describer:
    """Words for a batch of log rows, with the names every id in them refers to read in one query."""

    def __init__(self, rows):
        self.names = _names(_references(rows))

    def lines(self, rows):
        return [self.line(row) for row in rows]

    def line(self, row):
        """`row` has the entry's columns, `who` (the person's name or None), and for views `times` and
        `first_at`."""
        who = row.who or gettext(SYSTEM)
        kind = row.entity_type
        record = self.record(kind, row.entity_label)
        headline, details = self._sentences(row, who, record)
        return LogLine(at=row.at, who=who, partnership=self.name("partnership", row.partnership_id) or "",
                       kind=kind_label(kind), record=record, event=row.event, headline=headline, details=details,
                       times=row.times)

    def record(self, kind, label):
        pattern = LABEL_PATTERNS.get(kind)
        match = pattern[0].fullmatch(label or "") if pattern else None
        if match:
            return gettext(pattern[1], **{group: self.name(pattern[2][group], int(value)) if group in pattern[2]
                                          else _written(value) for group, value in match.groupdict().items()})
        return _named_in_catalogue(label or "")

    def name(self, table, value):
        if value is None:
            return None
        try:
            key = (table, int(value))
        except (TypeError, ValueError):
            return str(value)
        if key in self.names:
            return self.names[key]
        if table not in NAMED_TABLES:  # a table this module cannot name rows of: its kind and number
            return f"{humanised(table)} {key[1]}"
        return gettext(DELETED[table])

    def value(self, kind, name, value):
        """One stored value in words."""
        if _is_empty(value):
            return gettext(EMPTY)
        if value == REDACTED:
            return gettext("(not shown)")
        if value == ANONYMISED:
            return gettext(ANONYMISED)
        spec = field_spec(kind, name)
        try:
            return _FORMATS[spec.kind](self, spec, value)
        except (ValueError, TypeError, KeyError, LookupError, decimal.InvalidOperation):
            return str(value)  # a value stored before its column changed meaning: shown as it was

    def change(self, kind, name, before, after):
        """"Deadline moved from 11 November 2026 to 31 January 2027", "Owner set to Tom Reid"."""
        spec = field_spec(kind, name)
        label = spec.label
        if REDACTED in (before, after):
            if before is None:
                return gettext("%(field)s set (not shown)", field=label)
            if after is None:
                return gettext("%(field)s removed (not shown)", field=label)
            return gettext("%(field)s changed (not shown)", field=label)
        was, now = self.value(kind, name, before), self.value(kind, name, after)
        if _is_empty(before):
            return gettext("%(field)s set to %(value)s", field=label, value=now)
        if _is_empty(after):
            return gettext("%(field)s cleared (was %(value)s)", field=label, value=was)
        if spec.verb == "moved":
            return gettext("%(field)s moved from %(before)s to %(after)s", field=label, before=was, after=now)
        return gettext("%(field)s changed from %(before)s to %(after)s", field=label, before=was, after=now)

    def _sentences(self, row, who, record):
        kind, event, note = row.entity_type, row.event, (row.note or "").strip()
        fields = [(name, values) for name, values in (row.changes or {}).items() if not is_hidden(kind, name)]
        if event is AuditEvent.VIEW:
            return _views(row, who), []
        if event in (AuditEvent.CREATE, AuditEvent.DELETE):
            # what the record held, bar what says nothing (empty, "no") or only repeats its name
            values = [(field_spec(kind, name).label, self.value(kind, name, _held(event, values)))
                      for name, values in fields if _held(event, values) not in (None, "", False)]
            return (_with_note(_by(event.label, who), note),
                    [f"{label}: {value}" for label, value in values if value != record])
        changes = [self.change(kind, name, before, after) for name, (before, after) in fields]
        if event is AuditEvent.UPDATE and changes:
            first = field_spec(kind, fields[0][0])
            return (_with_note(gettext("%(change)s by %(who)s", change=changes[0], who=who), _without(note, first)),
                    changes[1:])
        return _with_note(_by(event.label, who), note), changes


def _is_empty(value):
    return value is None or value == ""


def _by(event, who):
    """"Created by Sam Panel"."""
    return gettext("%(event)s by %(who)s", event=event, who=who)


def _held(event, values):
    return values[1] if event is AuditEvent.CREATE else values[0]


def _views(row, who):
    """One person's views of one record on one day, with the first and last time."""
    last, first = row.at.astimezone(LONDON), row.first_at.astimezone(LONDON)
    day, at, since = long_date(last.date()), f"{last:%H:%M}", f"{first:%H:%M}"
    if since == at:
        return ngettext("Viewed once on %(day)s by %(who)s, at %(time)s",
                        "Viewed %(num)d times on %(day)s by %(who)s, at %(time)s", row.times, day=day, who=who,
                        time=at)
    return ngettext("Viewed once on %(day)s by %(who)s, between %(first)s and %(last)s",
                    "Viewed %(num)d times on %(day)s by %(who)s, between %(first)s and %(last)s", row.times, day=day,
                    who=who, first=since, last=at)


def _written(value):
    """A part of a stored label in the reader's language: a date as people write it, words the catalogue knows (a
    role, a kind of request) in translation, anything else as it was written."""
    if _ISO_DATE.fullmatch(value):
        return long_date(dt.date.fromisoformat(value))
    return gettext(value)


def _with_note(sentence, note):
    for pattern, written in NOTE_PATTERNS:
        match = pattern.fullmatch(note)
        if match:
            note = gettext(written, **match.groupdict())
    return f"{sentence}: {note}" if note else sentence


def _without(note, spec):
    """A note that starts by saying what the sentence already says ("Deadline moved: …") keeps only its reason."""
    for lead in spec.leads():
        if note.lower().startswith(lead.lower() + ":"):
            return note[len(lead) + 1:].strip()
    return note


def _date(describer, spec, value):
    return long_date(dt.date.fromisoformat(str(value)[:10]))


def _moment(describer, spec, value):
    moment = dt.datetime.fromisoformat(str(value))
    return local_datetime(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


def _yes_no(describer, spec, value):
    if isinstance(value, str):
        value = value.lower() in ("true", "1", "yes")
    return gettext("yes") if value else gettext("no")


def _enum(describer, spec, value):
    return spec.target(value).label


def _money(describer, spec, value):
    return f"£{decimal.Decimal(str(value)):,.2f}"


def _month(describer, spec, value):
    return format_date(dt.date(2000, int(value), 1), "LLLL", locale=current_language())


def _component(describer, spec, value):
    from tracker.actions.forms import COMPONENT_LABELS

    return str(COMPONENT_LABELS.get(value, value))


def _smart(describer, spec, value):
    return ", ".join(value) if value else gettext("none")


def _groups(describer, spec, value):
    """The groups an action serves, stored as their codes ("age,race"), each by its label."""
    codes = [code for code in str(value).split(",") if code]
    known = {group.value: group for group in GroupServed}
    return "; ".join(known[code].label if code in known else code for code in codes) or gettext("none")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def _guess(describer, spec, value):
    if isinstance(value, bool):
        return _yes_no(describer, spec, value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return _date(describer, spec, value)
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        return _moment(describer, spec, value)
    return str(value)


_FORMATS = {
    "guess": _guess,
    "text": lambda describer, spec, value: str(value),
    "date": _date, "moment": _moment, "yes/no": _yes_no, "enum": _enum, "money": _money, "month": _month,
    "component": _component, "smart": _smart, "groups": _groups,
    "ref": lambda describer, spec, value: describer.name(spec.target, value),
}


def _references(rows):
    """{table: ids} of every record the rows name: in changed values, in stored labels, and their partnerships."""
    wanted = {}
    for row in rows:
        if row.partnership_id is not None:
            wanted.setdefault("partnership", set()).add(row.partnership_id)
        for name, values in (row.changes or {}).items():
            spec = field_spec(row.entity_type, name)
            if spec.kind == "ref" and spec.target in NAMED_TABLES:
                wanted.setdefault(spec.target, set()).update(_ids(values))
        pattern = LABEL_PATTERNS.get(row.entity_type)
        match = pattern[0].fullmatch(row.entity_label or "") if pattern else None
        if match:
            for group, table in pattern[2].items():
                wanted.setdefault(table, set()).add(int(match[group]))
    return wanted


def _ids(values):
    ids = set()
    for value in values:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def _names(wanted):
    """{(table, id): name} for every record wanted, in one query whatever the number of tables."""
    selects = []
    for table, ids in sorted(wanted.items()):
        if not ids:
            continue
        path, column, _ = NAMED_TABLES[table]
        model = _imported(path)
        selects.append(sa.select(sa.literal(table).label("kind"), model.id.label("id"),
                                 sa.cast(getattr(model, column), sa.Text).label("name"))
                       .where(model.id.in_(sorted(ids))))
    if not selects:
        return {}
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    names = {}
    for table, record_id, name in db.session.execute(query):
        reads = NAMED_TABLES[table][2]
        names[(table, record_id)] = reads(name) if reads else name
    return names
