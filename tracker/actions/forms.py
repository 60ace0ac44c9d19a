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
    deadline = UKDateField("Deadline", description="For example, 31/3/2027.")
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
                           description="For example, 31/3/2027.")
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
