from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput

from tracker.actions.evidence import ALLOWED_DESCRIPTION
from tracker.enums import (
    UPDATE_STATUSES,
    ActionSource,
    ActionStatus,
    ClosureOutcome,
    DeadlineApproval,
    LeadAssessment,
    Rag,
)
from tracker.forms import Form, MoneyField, UKDateField, optional_record_id, options, record_id

#: CCR components an action can be linked to (the benchmark frameworks' components, 2020 and 2013 wording)
COMPONENTS = [
    ("survivor_voice", "Survivor voice"),
    ("intersectionality", "Intersectionality"),
    ("shared_objective", "Shared objective"),
    ("structure", "Structure and governance"),
    ("strategy", "Strategy and leadership"),
    ("specialist_services", "Specialist services"),
    ("representation", "Representation"),
    ("resources", "Resources"),
    ("coordination", "Coordination"),
    ("training", "Training"),
    ("data", "Data"),
    ("policies", "Policies and processes"),
    ("diversity", "Diversity"),
]
COMPONENT_LABELS = dict(COMPONENTS)
#: hand-offs an action can be waiting on, for the action list's filter
WAITING = [("approval", "A deadline move to approve"), ("owner", "An owner")]


class ActionForm(Form):
    title = StringField(
        "Action", validators=[DataRequired("Enter the action: what will be done"), Length(max=300)],
        description="Start with a verb that names a deliverable, for example 'Publish a protocol for…', "
                    "'Train all front-line housing staff in…'.")
    outcome = TextAreaField("Outcome sought", description="What will be different for victims, survivors or "
                            "services when this is done.")
    measure = TextAreaField("Measure of success", description="How anyone will see it is done: an output, a "
                            "number or a dated deliverable.")
    lead_agency_id = SelectField("Lead agency", choices=[], coerce=optional_record_id, validate_choice=False)
    owner_id = SelectField("Owner", choices=[], coerce=optional_record_id, validate_choice=False,
                           description="A named person in the lead agency.")
    supporting_agency_ids = SelectMultipleField("Supporting agencies", choices=[], coerce=record_id,
                                                validate_choice=False, option_widget=CheckboxInput(),
                                                description="Optional. Agencies that help the lead agency deliver it.")
    deadline = UKDateField("Deadline", description="For example, 31 3 2027.")
    milestones = TextAreaField("Key milestones", description="Optional. One per line, with its date.")
    estimated_cost = MoneyField("Estimated cost (£)", description="Leave empty if there is no cost.")
    funding_source = StringField("Where the money comes from", validators=[Length(max=300)])
    staff_time = StringField("Staff time", validators=[Length(max=300)],
                             description="For example, '2 days of the training lead's time'.")
    within_existing_resources = BooleanField("Delivered within existing resources")
    review_arrangement = StringField("How progress is reviewed", validators=[Length(max=300)],
                                     description="For example, 'Quarterly at the delivery group'.")
    component = SelectField("CCR component", choices=options(COMPONENTS, blank="None"))
    theme = StringField("Theme", validators=[Length(max=100)],
                        description="For example, information sharing, risk assessment, training, housing.")
    strategic_objective = StringField("Strategic plan objective", validators=[Length(max=300)])
    version = HiddenField()

    def set_people(self, agencies, members):
        self.lead_agency_id.choices = options([(a.id, a.name) for a in agencies], blank="Choose an agency")
        self.supporting_agency_ids.choices = options([(a.id, a.name) for a in agencies])
        people = []
        for agency in agencies:
            for person in members.get(agency.id, []):
                people.append((person.id, f"{person.name} ({agency.name})"))
        self.owner_id.choices = options(dict(people).items(), blank="Choose a person")

    def plan_values(self):
        return {name: getattr(self, name).data for name in (
            "title", "outcome", "measure", "lead_agency_id", "owner_id", "supporting_agency_ids", "milestones",
            "estimated_cost", "funding_source", "staff_time", "within_existing_resources", "review_arrangement",
            "component", "theme", "strategic_objective")}


class UpdateForm(Form):
    note = TextAreaField("What has happened since the last update",
                         validators=[DataRequired("Enter what has happened since the last update")])
    status = RadioField("Status", choices=options([(s.value, s.label) for s in UPDATE_STATUSES]),
                        validators=[DataRequired("Choose a status")])
    blocked_reason = TextAreaField("What is blocking it", description="Needed when the status is blocked.")
    completion_note = TextAreaField("What was delivered", description="Needed to mark it completed when no "
                                    "evidence is attached.")
    lead_assessment = RadioField("Your assessment", choices=options(LeadAssessment.choices()),
                                 validators=[Optional()],
                                 description="Your own view, shown beside the RAG the tracker works out.")
    evidence_url = URLField("Link to evidence", validators=[Optional(), URL(message="Enter a full web address, "
                            "starting with https://"), Length(max=1000)])
    evidence_file = FileField("Evidence file", description=f"{ALLOWED_DESCRIPTION}; up to 10 MB.")
    version = HiddenField()


class DeadlineForm(Form):
    deadline = UKDateField("New deadline", validators=[DataRequired("Enter the new deadline")],
                           description="For example, 31 3 2027.")
    reason = TextAreaField("Why the deadline is moving", description="This is recorded with the original date.")
    version = HiddenField()


class SignOffManyForm(Form):
    action_ids = SelectMultipleField("Actions to sign off", choices=[], coerce=record_id, validate_choice=False,
                                     option_widget=CheckboxInput())
    reference = StringField("Meeting or minute reference", validators=[Length(max=300)],
                            description="For example, 'Strategic group, 12 March 2027, minute 6'. The same for every "
                                        "action chosen; each is closed as implemented as planned.")
    closed_on = UKDateField("Date signed off")


class DeadlineRuleForm(Form):
    deadline_approval = RadioField("Which deadline moves need approval", choices=options(DeadlineApproval.choices()),
                                   validators=[DataRequired("Choose which moves need approval")],
                                   description="Moves asked for by agency leads and owners. Coordinators (and a "
                                               "review's panel chair) approve them, and move deadlines themselves "
                                               "at once.")
    deadline_approval_days = IntegerField("Number of days", validators=[
        DataRequired("Enter a number of days"), NumberRange(1, 365, "Enter a number of days from 1 to 365")],
        render_kw={"inputmode": "numeric", "style": "max-width:6em"},
        description="For the rule on moves of more than a number of days.")


class MoveDecisionForm(Form):
    decision = RadioField("Your decision", choices=options([("approve", "Approve the new deadline"),
                                                           ("refuse", "Refuse: the current deadline stands")]),
                          validators=[DataRequired("Choose whether to approve the move")])
    reason = TextAreaField("Reason", description="Needed to refuse; the people delivering the action are told it.")


class SignOffForm(Form):
    outcome = RadioField("Outcome", choices=options(ClosureOutcome.choices()),
                         validators=[DataRequired("Choose the outcome")])
    reason = TextAreaField("Reason", description="Needed when the action was not implemented.")
    reference = StringField("Meeting or minute reference", validators=[Length(max=300)],
                            description="For example, 'Strategic group, 12 March 2027, minute 6'.")
    closed_on = UKDateField("Date signed off")
    assurance_check_on = UKDateField("Assurance check date", validators=[Optional()],
                                     description="Optional. When to confirm the change has stuck, "
                                                 "typically 6 to 12 months later.")
    version = HiddenField()


class ReasonForm(Form):
    reason = TextAreaField("Reason", validators=[DataRequired("Enter the reason")])
    version = HiddenField()


class AssuranceForm(Form):
    note = TextAreaField("How the change was confirmed", validators=[Optional()])
    version = HiddenField()


class ReassignForm(Form):
    from_user_id = SelectField("Current owner", choices=[], coerce=optional_record_id, validate_choice=False)
    to_user_id = SelectField("New owner", choices=[], coerce=optional_record_id, validate_choice=False)


class FilterForm(Form):
    class Meta:
        csrf = False

    agency = SelectField("Lead agency", choices=[], coerce=optional_record_id, validate_choice=False)
    owner = SelectField("Owner", choices=[], coerce=optional_record_id, validate_choice=False)
    status = SelectField("Status", choices=options(ActionStatus.choices(), blank="Any status"))
    rag = SelectField("RAG", choices=options(Rag.choices(), blank="Any"))
    overdue = BooleanField("Overdue only")
    source = SelectField("Source", choices=options(ActionSource.choices(), blank="Any source"))
    component = SelectField("CCR component", choices=options(COMPONENTS, blank="Any component"))
    waiting = SelectField("Waiting for", choices=options(WAITING, blank="Anything"))
    sort = SelectField("Sort by", choices=options([("deadline", "Deadline, soonest first"),
                                                   ("-deadline", "Deadline, latest first"),
                                                   ("title", "Action, A to Z")]))


class BulkChangeForm(Form):
    """One change for many actions: what to change, then its value in the fields revealed for that choice."""

    kind = RadioField("What do you want to change?", choices=[], validators=[DataRequired("Choose what to change")])
    owner_id = SelectField("New owner", choices=[], coerce=optional_record_id, validate_choice=False,
                           description="They must be a member of each action's lead agency.")
    agency_id = SelectField("New lead agency", choices=[], coerce=optional_record_id, validate_choice=False)
    agency_owner_id = SelectField("New owner (optional)", choices=[], coerce=optional_record_id,
                                  validate_choice=False,
                                  description="A member of the new lead agency. Leave it to keep each action's "
                                              "owner where they belong to the new agency.")
    theme = SelectField("New theme", choices=[], validate_choice=False)
    status = RadioField("New status", choices=options([(s.value, s.label) for s in UPDATE_STATUSES]),
                        validators=[Optional()])
    status_note = TextAreaField("What has happened since the last update",
                                description="Added to each action's timeline with the new status.")
    blocked_reason = TextAreaField("What is blocking them", description="Needed when the status is blocked.")
    completion_note = TextAreaField("What was delivered", description="Needed to mark completed an action that "
                                    "has no evidence attached.")
    deadline = UKDateField("New deadline", validators=[Optional()], description="For example, 31 3 2027.")
    reason = TextAreaField("Why the deadlines are moving", description="Recorded with each original date. Where "
                           "the partnership's rule wants approval, each move is sent for approval instead.")
    note = TextAreaField("Progress note", description="Added to each action's timeline; their statuses stay.")

    #: {kind: {field of the change: field of this form}}: each kind's fields, revealed when it is chosen
    FIELDS = {
        "owner": {"owner_id": "owner_id"},
        "lead_agency": {"agency_id": "agency_id", "owner_id": "agency_owner_id"},
        "theme": {"theme": "theme"},
        "status": {"status": "status", "note": "status_note", "blocked_reason": "blocked_reason",
                   "completion_note": "completion_note"},
        "deadline": {"deadline": "deadline", "reason": "reason"},
        "note": {"note": "note"},
    }

    def set_options(self, kinds, agencies, members, themes):
        self.kind.choices = options(kinds)
        self.agency_id.choices = options([(a.id, a.name) for a in agencies], blank="Choose an agency")
        people = {}
        for agency in agencies:
            for person in members.get(agency.id, []):
                people.setdefault(person.id, f"{person.name} ({agency.name})")
        self.owner_id.choices = options(people.items(), blank="Choose a person")
        self.agency_owner_id.choices = options(people.items(), blank="Keep each action's owner")
        self.theme.choices = options([(name, name) for name in themes], blank="Choose a theme")

    def validate(self, extra_validators=None):
        """Only the chosen kind's fields count: what was typed under another choice is neither checked nor kept."""
        super().validate(extra_validators)
        mine = set(self.FIELDS.get(self.kind.data, {}).values()) | {"kind", "csrf_token"}
        for field in self:
            if field.name not in mine:
                field.errors = []
        return not any(field.errors for field in self)

    def clear_errors(self):
        for field in self:
            field.errors = []
        self.form_errors = []

    def values(self):
        """The chosen kind's values, by the change's field names."""
        return {name: getattr(self, form_name).data for name, form_name in self.FIELDS[self.kind.data].items()}

    def show(self, failure):
        """Put a refusal of the change (named by the change's fields) beside this form's fields."""
        names = self.FIELDS.get(self.kind.data, {})
        for name, message in failure.errors.items():
            target = getattr(self, names.get(name, name), None)
            if target is not None and hasattr(target, "errors") and name != "__form__":
                target.errors = [*target.errors, message]
            else:
                self.form_errors.append(message)
