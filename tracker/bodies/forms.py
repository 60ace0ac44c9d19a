from flask_babel import lazy_gettext
from wtforms import EmailField, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput

from tracker.enums import BodyKind, ResponseAssessment, ResponseStance
from tracker.forms import Form, UKDateField, options, record_id

DATE_HINT = lazy_gettext("For example, 31 3 2027.")


class BodyForm(Form):
    name = StringField(lazy_gettext("Name"), validators=[Length(max=300)],
                       description=lazy_gettext("As the body calls itself, for example the Home Office or the "
                                                "Metropolitan Police Service."))
    kind = RadioField(lazy_gettext("Kind of body"), choices=options(BodyKind.choices()),
                      default=BodyKind.GOVERNMENT_DEPARTMENT.value)


class ContactForm(Form):
    email = EmailField(lazy_gettext("Email address"), validators=[Length(max=320)],
                       description=lazy_gettext("Someone who answers for the body. They are invited by email if "
                                                "they have no account yet; they see only the recommendations sent "
                                                "to this body."))
    name = StringField(lazy_gettext("Full name"), validators=[Length(max=200)],
                       description=lazy_gettext("Needed for someone who has no account yet."))


class SendForm(Form):
    sent_on = UKDateField(lazy_gettext("Sent on"), description=DATE_HINT)
    shared_text = TextAreaField(
        lazy_gettext("What the body may read before publication"),
        description=lazy_gettext("The review is not published yet: the body reads this, and nothing else of the "
                                 "review, until it is. Leave out anything that could identify the victim or "
                                 "their family."))


class SendSeveralForm(Form):
    sent_on = UKDateField(lazy_gettext("Sent on"), description=DATE_HINT)
    item_ids = SelectMultipleField(lazy_gettext("Recommendations to send"), choices=[], coerce=record_id,
                                   validate_choice=False, option_widget=CheckboxInput())


class ResponseForm(Form):
    version = HiddenField()
    stance = RadioField(lazy_gettext("The body's answer"), choices=options(ResponseStance.choices()),
                        validate_choice=False)
    response_text = TextAreaField(
        lazy_gettext("Reasons"),
        description=lazy_gettext("Why, and for a recommendation accepted in whole or in part, what will be done."))


class BodyAnswerForm(ResponseForm):
    also_ids = SelectMultipleField(lazy_gettext("Give the same answer to these recommendations too"), choices=[],
                                   coerce=record_id, validate_choice=False, option_widget=CheckboxInput())


class RecordedResponseForm(ResponseForm):
    response_received_on = UKDateField(lazy_gettext("Answer received on"), description=DATE_HINT)


class StepForm(Form):
    text = TextAreaField(lazy_gettext("Planned action"),
                         description=lazy_gettext("What the body will do, for example: issue revised guidance to "
                                                  "every force."))
    due_on = UKDateField(lazy_gettext("To be delivered by"), description=DATE_HINT)


class ProgressForm(Form):
    note = TextAreaField(lazy_gettext("Progress"),
                         description=lazy_gettext("What has been done since the last update, and what is next."))


class AssessmentForm(Form):
    version = HiddenField()
    assessment = RadioField(lazy_gettext("Where the recommendation stands"),
                            choices=options(ResponseAssessment.choices()), validate_choice=False)
    assessed_on = UKDateField(lazy_gettext("Assessed on"),
                              description=lazy_gettext("Leave empty for today. For example, 31 3 2027."))
    assessment_reason = TextAreaField(lazy_gettext("Reason"),
                                      description=lazy_gettext("What in the answer, or in its delivery, supports "
                                                               "this judgement. The body reads it, and once the "
                                                               "review is published so may the public, if the "
                                                               "partnership takes part in open data."))
    recheck_on = UKDateField(lazy_gettext("Look again on"),
                             description=lazy_gettext("For an open recommendation. Leave empty for six months from "
                                                      "the assessment."))
