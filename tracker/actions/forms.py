from flask_babel import lazy_gettext
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
    GroupServed,
    LeadAssessment,
    Rag,
)
from tracker.forms import Form, MoneyField, UKDateField, optional_record_id, options, record_id
from tracker.i18n import N_

#: CCR components an action can be linked to (the benchmark frameworks' components, 2020 and 2013 wording), by
#: their English names: an import reads a component in either language
COMPONENT_NAMES = {
    "survivor_voice": N_("Survivor voice"),
    "intersectionality": N_("Intersectionality"),
    "shared_objective": N_("Shared objective"),
    "structure": N_("Structure and governance"),
    "strategy": N_("Strategy and leadership"),
    "specialist_services": N_("Specialist services"),
    "representation": N_("Representation"),
    "resources": N_("Resources"),
    "coordination": N_("Coordination"),
    "training": N_("Training"),
    "data": N_("Data"),
    "policies": N_("Policies and processes"),
    "diversity": N_("Diversity"),
    "survivors_voices": N_("Survivors' voices"),
}
#: the components as people read them, in the reader's language
COMPONENTS = [(key, lazy_gettext(name)) for key, name in COMPONENT_NAMES.items()]
COMPONENT_LABELS = dict(COMPONENTS)
#: hand-offs an action can be waiting on, for the action list's filter
WAITING = [("approval", lazy_gettext("A deadline move to approve")), ("owner", lazy_gettext("An owner"))]
FOR_EXAMPLE_DATE = lazy_gettext("For example, 31 3 2027.")
NEEDED_WHEN_BLOCKED = lazy_gettext("Needed when the status is blocked.")


def _update_statuses():
    return options([(s.value, lazy_gettext(s.english_label)) for s in UPDATE_STATUSES])


class ActionForm(Form):
    title = StringField(
        lazy_gettext("Action"), validators=[DataRequired(lazy_gettext("Enter the action: what will be done")),
                                            Length(max=300)],
        description=lazy_gettext("Start with a verb that names a deliverable, for example 'Publish a protocol for…', "
                                 "'Train all front-line housing staff in…'."))
    outcome = TextAreaField(lazy_gettext("Outcome sought"), description=lazy_gettext(
        "What will be different for victims, survivors or services when this is done."))
    measure = TextAreaField(lazy_gettext("Measure of success"), description=lazy_gettext(
        "How anyone will see it is done: an output, a number or a dated deliverable."))
    lead_agency_id = SelectField(lazy_gettext("Lead agency"), choices=[], coerce=optional_record_id,
                                 validate_choice=False)
    owner_id = SelectField(lazy_gettext("Owner"), choices=[], coerce=optional_record_id, validate_choice=False,
                           description=lazy_gettext("A named person in the lead agency."))
    supporting_agency_ids = SelectMultipleField(
        lazy_gettext("Supporting agencies"), choices=[], coerce=record_id, validate_choice=False,
        option_widget=CheckboxInput(),
        description=lazy_gettext("Optional. Agencies that help the lead agency deliver it."))
    deadline = UKDateField(lazy_gettext("Deadline"), description=FOR_EXAMPLE_DATE)
    estimated_cost = MoneyField(lazy_gettext("Estimated cost (£)"),
                                description=lazy_gettext("Leave empty if there is no cost."))
    funding_source = StringField(lazy_gettext("Where the money comes from"), validators=[Length(max=300)])
    staff_time = StringField(lazy_gettext("Staff time"), validators=[Length(max=300)],
                             description=lazy_gettext("For example, '2 days of the training lead's time'."))
    within_existing_resources = BooleanField(lazy_gettext("Delivered within existing resources"))
    review_arrangement = StringField(lazy_gettext("How progress is reviewed"), validators=[Length(max=300)],
                                     description=lazy_gettext("For example, 'Quarterly at the delivery group'."))
    component = SelectField(lazy_gettext("CCR component"), choices=options(COMPONENTS, blank=lazy_gettext("None")))
    theme = StringField(lazy_gettext("Theme"), validators=[Length(max=100)], description=lazy_gettext(
        "For example, information sharing, risk assessment, training, housing."))
    strategic_objective = StringField(lazy_gettext("Strategic plan objective"), validators=[Length(max=300)])
    survivor_involvement = TextAreaField(lazy_gettext("Survivor involvement"), description=lazy_gettext(
        "Optional. How survivors or their families informed this action, for example 'Shaped by the survivors' "
        "forum in March'."))
    groups = SelectMultipleField(lazy_gettext("Groups the action serves"), choices=options(GroupServed.choices()),
                                 option_widget=CheckboxInput(), description=lazy_gettext(
                                     "Optional. The protected characteristics and other groups of survivors it is "
                                     "designed for."))
    also_recommendation_ids = SelectMultipleField(
        lazy_gettext("Other recommendations it answers"), choices=[], coerce=record_id, validate_choice=False,
        option_widget=CheckboxInput(),
        description=lazy_gettext("Optional. Recommendations of the partnership's reviews this action also answers: "
                                 "it counts as one of their actions."))
    also_finding_ids = SelectMultipleField(
        lazy_gettext("Other key issues it answers"), choices=[], coerce=record_id, validate_choice=False,
        option_widget=CheckboxInput(),
        description=lazy_gettext("Optional. Benchmark key issues this action also answers: it counts as one of "
                                 "their actions."))
    version = HiddenField()

    def set_answers(self, recommendations, findings):
        """The recommendations and key issues the editor may link the action to."""
        self.also_recommendation_ids.choices = options(recommendations)
        self.also_finding_ids.choices = options(findings)

    def set_people(self, agencies, members):
        self.lead_agency_id.choices = options([(a.id, a.name) for a in agencies],
                                              blank=lazy_gettext("Choose an agency"))
        self.supporting_agency_ids.choices = options([(a.id, a.name) for a in agencies])
        people = []
        for agency in agencies:
            for person in members.get(agency.id, []):
                people.append((person.id, f"{person.name} ({agency.name})"))
        self.owner_id.choices = options(dict(people).items(), blank=lazy_gettext("Choose a person"))

    def plan_values(self):
        return {name: getattr(self, name).data for name in (
            "title", "outcome", "measure", "lead_agency_id", "owner_id", "supporting_agency_ids", "estimated_cost",
            "funding_source", "staff_time", "within_existing_resources", "review_arrangement", "component", "theme",
            "strategic_objective", "survivor_involvement", "groups", "also_recommendation_ids",
            "also_finding_ids")}


class UpdateForm(Form):
    note = TextAreaField(lazy_gettext("What has happened since the last update"),
                         validators=[DataRequired(lazy_gettext("Enter what has happened since the last update"))])
    status = RadioField(lazy_gettext("Status"), choices=_update_statuses(),
                        validators=[DataRequired(lazy_gettext("Choose a status"))])
    blocked_reason = TextAreaField(lazy_gettext("What is blocking it"), description=NEEDED_WHEN_BLOCKED)
    completion_note = TextAreaField(lazy_gettext("What was delivered"), description=lazy_gettext(
        "Needed to mark it completed when no evidence is attached."))
    lead_assessment = RadioField(lazy_gettext("Your assessment"), choices=options(LeadAssessment.choices()),
                                 validators=[Optional()],
                                 description=lazy_gettext("Your own view, shown beside the RAG the tracker works out."))
    evidence_url = URLField(lazy_gettext("Link to evidence"), validators=[Optional(), URL(message=lazy_gettext(
        "Enter a full web address, starting with https://")), Length(max=1000)])
    evidence_file = FileField(lazy_gettext("Evidence file"), description=lazy_gettext(
        "%(types)s; up to 10 MB.", types=lazy_gettext(ALLOWED_DESCRIPTION)))
    version = HiddenField()


class DeadlineForm(Form):
    deadline = UKDateField(lazy_gettext("New deadline"),
                           validators=[DataRequired(lazy_gettext("Enter the new deadline"))],
                           description=FOR_EXAMPLE_DATE)
    reason = TextAreaField(lazy_gettext("Why the deadline is moving"),
                           description=lazy_gettext("This is recorded with the original date."))
    version = HiddenField()


class SignOffManyForm(Form):
    action_ids = SelectMultipleField(lazy_gettext("Actions to sign off"), choices=[], coerce=record_id,
                                     validate_choice=False, option_widget=CheckboxInput())
    reference = StringField(lazy_gettext("Meeting or minute reference"), validators=[Length(max=300)],
                            description=lazy_gettext(
                                "For example, 'Strategic group, 12 March 2027, minute 6'. The same for every "
                                "action chosen; each is closed as implemented as planned."))
    closed_on = UKDateField(lazy_gettext("Date signed off"))


class DeadlineRuleForm(Form):
    deadline_approval = RadioField(
        lazy_gettext("Which deadline moves need approval"), choices=options(DeadlineApproval.choices()),
        validators=[DataRequired(lazy_gettext("Choose which moves need approval"))],
        description=lazy_gettext("Moves asked for by agency leads and owners. Coordinators (and a review's panel "
                                 "chair) approve them, and move deadlines themselves at once."))
    deadline_approval_days = IntegerField(lazy_gettext("Number of days"), validators=[
        DataRequired(lazy_gettext("Enter a number of days")),
        NumberRange(1, 365, lazy_gettext("Enter a number of days from 1 to 365"))],
        render_kw={"inputmode": "numeric", "style": "max-width:6em"},
        description=lazy_gettext("For the rule on moves of more than a number of days."))


class MoveDecisionForm(Form):
    decision = RadioField(lazy_gettext("Your decision"), choices=options([
        ("approve", lazy_gettext("Approve the new deadline")),
        ("refuse", lazy_gettext("Refuse: the current deadline stands"))]),
        validators=[DataRequired(lazy_gettext("Choose whether to approve the move"))])
    reason = TextAreaField(lazy_gettext("Reason"), description=lazy_gettext(
        "Needed to refuse; the people delivering the action are told it."))


class SignOffForm(Form):
    outcome = RadioField(lazy_gettext("Outcome"), choices=options(ClosureOutcome.choices()),
                         validators=[DataRequired(lazy_gettext("Choose the outcome"))])
    reason = TextAreaField(lazy_gettext("Reason"),
                           description=lazy_gettext("Needed when the action was not implemented."))
    reference = StringField(lazy_gettext("Meeting or minute reference"), validators=[Length(max=300)],
                            description=lazy_gettext("For example, 'Strategic group, 12 March 2027, minute 6'."))
    closed_on = UKDateField(lazy_gettext("Date signed off"))
    assurance_check_on = UKDateField(lazy_gettext("Assurance check date"), validators=[Optional()],
                                     description=lazy_gettext("Optional. When to confirm the change has stuck, "
                                                              "typically 6 to 12 months later."))
    version = HiddenField()


class ReasonForm(Form):
    reason = TextAreaField(lazy_gettext("Reason"), validators=[DataRequired(lazy_gettext("Enter the reason"))])
    version = HiddenField()


class AssuranceForm(Form):
    note = TextAreaField(lazy_gettext("How the change was confirmed"), validators=[Optional()])
    version = HiddenField()


class ReassignForm(Form):
    from_user_id = SelectField(lazy_gettext("Current owner"), choices=[], coerce=optional_record_id,
                               validate_choice=False)
    to_user_id = SelectField(lazy_gettext("New owner"), choices=[], coerce=optional_record_id, validate_choice=False)


class FilterForm(Form):
    class Meta:
        csrf = False

    agency = SelectField(lazy_gettext("Lead agency"), choices=[], coerce=optional_record_id, validate_choice=False)
    owner = SelectField(lazy_gettext("Owner"), choices=[], coerce=optional_record_id, validate_choice=False)
    status = SelectField(lazy_gettext("Status"), choices=options(ActionStatus.choices(),
                                                                 blank=lazy_gettext("Any status")))
    rag = SelectField(lazy_gettext("RAG"), choices=options(Rag.choices(), blank=lazy_gettext("Any")))
    overdue = BooleanField(lazy_gettext("Overdue only"))
    source = SelectField(lazy_gettext("Source"), choices=options(ActionSource.choices(),
                                                                 blank=lazy_gettext("Any source")))
    component = SelectField(lazy_gettext("CCR component"), choices=options(COMPONENTS,
                                                                          blank=lazy_gettext("Any component")))
    waiting = SelectField(lazy_gettext("Waiting for"), choices=options(WAITING, blank=lazy_gettext("Anything")))
    sort = SelectField(lazy_gettext("Sort by"), choices=options([
        ("deadline", lazy_gettext("Deadline, soonest first")),
        ("-deadline", lazy_gettext("Deadline, latest first")),
        ("title", lazy_gettext("Action, A to Z"))]))


class BulkChangeForm(Form):
    """One change for many actions: what to change, then its value in the fields revealed for that choice."""

    kind = RadioField(lazy_gettext("What do you want to change?"), choices=[],
                      validators=[DataRequired(lazy_gettext("Choose what to change"))])
    owner_id = SelectField(lazy_gettext("New owner"), choices=[], coerce=optional_record_id, validate_choice=False,
                           description=lazy_gettext("They must be a member of each action's lead agency."))
    agency_id = SelectField(lazy_gettext("New lead agency"), choices=[], coerce=optional_record_id,
                            validate_choice=False)
    agency_owner_id = SelectField(lazy_gettext("New owner (optional)"), choices=[], coerce=optional_record_id,
                                  validate_choice=False,
                                  description=lazy_gettext("A member of the new lead agency. Leave it to keep each "
                                                           "action's owner where they belong to the new agency."))
    theme = SelectField(lazy_gettext("New theme"), choices=[], validate_choice=False)
    status = RadioField(lazy_gettext("New status"), choices=_update_statuses(), validators=[Optional()])
    status_note = TextAreaField(lazy_gettext("What has happened since the last update"),
                                description=lazy_gettext("Added to each action's timeline with the new status."))
    blocked_reason = TextAreaField(lazy_gettext("What is blocking them"), description=NEEDED_WHEN_BLOCKED)
    completion_note = TextAreaField(lazy_gettext("What was delivered"), description=lazy_gettext(
        "Needed to mark completed an action that has no evidence attached."))
    deadline = UKDateField(lazy_gettext("New deadline"), validators=[Optional()], description=FOR_EXAMPLE_DATE)
    reason = TextAreaField(lazy_gettext("Why the deadlines are moving"), description=lazy_gettext(
        "Recorded with each original date. Where the partnership's rule wants approval, each move is sent for "
        "approval instead."))
    note = TextAreaField(lazy_gettext("Progress note"),
                         description=lazy_gettext("Added to each action's timeline; their statuses stay."))

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
        self.agency_id.choices = options([(a.id, a.name) for a in agencies], blank=lazy_gettext("Choose an agency"))
        people = {}
        for agency in agencies:
            for person in members.get(agency.id, []):
                people.setdefault(person.id, f"{person.name} ({agency.name})")
        self.owner_id.choices = options(people.items(), blank=lazy_gettext("Choose a person"))
        self.agency_owner_id.choices = options(people.items(), blank=lazy_gettext("Keep each action's owner"))
        self.theme.choices = options([(name, name) for name in themes], blank=lazy_gettext("Choose a theme"))

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


class MilestoneForm(Form):
    title = StringField(lazy_gettext("Milestone"), validators=[DataRequired(lazy_gettext("Enter the milestone")),
                                                               Length(max=300)],
                        description=lazy_gettext("A step on the way, for example 'Draft the protocol'."))
    due_on = UKDateField(lazy_gettext("Due date"), validators=[Optional()], description=lazy_gettext(
        "Optional. For example, 31 1 2027. Once past, an open action with this step not done turns amber."))


class PerAgencyForm(Form):
    """One action for each agency an "all agencies should…" recommendation names: what is common to all of them."""

    agency_ids = SelectMultipleField(lazy_gettext("Agencies that each get an action"), choices=[], coerce=record_id,
                                     validate_choice=False, option_widget=CheckboxInput(),
                                     description=lazy_gettext("Each agency leads its own action and chooses its "
                                                              "owner."))
    title = StringField(lazy_gettext("Action"), validators=[DataRequired(lazy_gettext(
        "Enter the action: what will be done")), Length(max=300)])
    outcome = TextAreaField(lazy_gettext("Outcome sought"))
    measure = TextAreaField(lazy_gettext("Measure of success"))
    deadline = UKDateField(lazy_gettext("Deadline"), validators=[Optional()], description=FOR_EXAMPLE_DATE)
