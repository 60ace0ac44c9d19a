from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput

from tracker.actions.forms import COMPONENTS
from tracker.enums import ResponseAssessment, ReviewStatus, ReviewType, Scope
from tracker.forms import Form, UKDateField, optional_record_id, options, record_id

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


class ReviewForm(Form):
    review_type = RadioField("Type of review", choices=options(ReviewType.choices()), default=ReviewType.DHR.value,
                             description="Reviews started under the 2024 guidance are Domestic Abuse Related Death "
                                         "Reviews; the workflow is the same.")
    reference = StringField("Reference", validators=[Length(max=60)], description="For example, DHR 2024-03.")
    pseudonyms = StringField(
        "Pseudonym of the victim", validators=[Length(max=300)],
        description="The name the report uses. Never enter a real name here or anywhere in the tracker. "
                    "Separate several pseudonyms with commas.")
    death_month = SelectField("Month of death", choices=options([(str(n), m) for n, m in enumerate(MONTHS, 1)],
                                                                blank="Not known"), coerce=optional_record_id,
                              validate_choice=False)
    death_year = IntegerField("Year of death", validators=[Optional()],
                              render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    independent_chair = StringField("Independent chair", validators=[Length(max=200)],
                                    description="The chair's name, as it will appear in the report.")
    status = SelectField("Stage", choices=options(ReviewStatus.choices()))
    decision_on = UKDateField("Date of the decision to review")
    agreed_target_on = UKDateField("Agreed target date for submission",
                                   description="Only when a timeframe other than six months from the decision was "
                                               "agreed.")
    commissioned_on = UKDateField("Date commissioned")
    submitted_on = UKDateField("Date submitted to the Home Office")
    qa_feedback_on = UKDateField("Date quality assurance feedback received")
    approved_on = UKDateField("Date approved")
    published_on = UKDateField("Date published")
    publication_url = URLField("Link to the published report", validators=[
        Optional(), URL(message="Enter a full web address, starting with https://"), Length(max=1000)])
    planned_publication_on = UKDateField("Planned publication date",
                                         description="Before publication: when the partnership means to publish.")
    embargo_note = TextAreaField("Embargo", description="Optional. Anything that holds publication back, for "
                                                        "example until an inquest or a trial has ended.")

    def review_values(self):
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class PublishForm(Form):
    published_on = UKDateField("Date published")
    publication_url = URLField("Link to the published report", validators=[
        Optional(), URL(message="Enter a full web address, starting with https://"), Length(max=1000)],
        description="Optional. Where the public can read the report.")


class ArchiveForm(Form):
    reason = TextAreaField("Reason for archiving", description="For example, the retention period agreed with the "
                                                               "family has ended. It is kept with the review and in "
                                                               "the audit log.")


class PanelMemberForm(Form):
    user_id = SelectField("Person", choices=[], coerce=optional_record_id, validate_choice=False)
    is_chair = BooleanField("Chairs the panel")


class PauseForm(Form):
    started_on = UKDateField("Paused from")
    reason = TextAreaField("Reason", description="For example, awaiting the outcome of a criminal trial.")


class EndPauseForm(Form):
    ended_on = UKDateField("Resumed on")


class RecommendationForm(Form):
    number = StringField("Number", validators=[Length(max=20)],
                         description="As written in the report, for example 4, 4.1 or N2.")
    text = TextAreaField("Recommendation", description="As written in the report.")
    scope = RadioField("Scope", choices=options(Scope.choices()), validators=[Optional()])
    agency_ids = SelectMultipleField("Addressed to", choices=[], coerce=record_id, validate_choice=False,
                                     option_widget=CheckboxInput())
    external_body = StringField("Body outside the partnership", validators=[Length(max=300)],
                                description="For a regional or national recommendation, for example the Home Office "
                                            "or NHS England.")
    theme_ids = SelectMultipleField("Themes", choices=[], coerce=record_id, validate_choice=False,
                                    option_widget=CheckboxInput())
    component = SelectField("CCR component", choices=options(COMPONENTS, blank="None"))

    def set_lists(self, agencies, themes):
        self.agency_ids.choices = options([(a.id, a.name) for a in agencies])
        self.theme_ids.choices = options([(t.id, t.name) for t in themes])

    def recommendation_values(self):
        return dict(number=self.number.data, text=self.text.data, scope=self.scope.data,
                    agency_ids=self.agency_ids.data, external_body=self.external_body.data,
                    theme_ids=self.theme_ids.data, component=self.component.data)


class ResponseForm(Form):
    sent_on = UKDateField("Sent to the body on")
    response_due_on = UKDateField("Response due by", description="Leave empty for 56 days after it was sent.")
    response_received_on = UKDateField("Response received on")
    response_text = TextAreaField("What they said")
    assessment = SelectField("Assessment", choices=options(ResponseAssessment.choices(), blank="Not assessed yet"))


class ThemeForm(Form):
    name = StringField("New theme", validators=[DataRequired("Enter the theme"), Length(max=100)])


