from babel.dates import get_month_names
from flask_babel import lazy_gettext
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
from tracker.enums import ResponseAssessment, ReviewStatus, ReviewType, SafeguardingCriterion, Scope
from tracker.forms import Form, UKDateField, optional_record_id, options, record_id
from tracker.i18n import current_language

#: the hint of the type of review where a partnership chooses between the English ones
ENGLISH_TYPES_HINT = lazy_gettext("Reviews started under the 2024 guidance are Domestic Abuse Related Death Reviews; "
                                  "the workflow is the same.")
#: and where a Welsh partnership has the one
WELSH_TYPE_HINT = lazy_gettext("In Wales, a death or serious harm that meets the criteria for a Domestic Homicide "
                               "Review is reviewed through a Single Unified Safeguarding Review, which also covers "
                               "the other review criteria the case meets.")


def month_names():
    """{1: "January", …} in the reader's language, as the dates elsewhere name them (CLDR's)."""
    return dict(get_month_names("wide", context="stand-alone", locale=current_language()))


class ReviewForm(Form):
    review_type = RadioField(lazy_gettext("Type of review"), choices=options(ReviewType.choices()),
                             default=ReviewType.DHR.value, description=ENGLISH_TYPES_HINT)
    reference = StringField(lazy_gettext("Reference"), validators=[Length(max=60)],
                            description=lazy_gettext("For example, DHR 2024-03."))
    pseudonyms = StringField(
        lazy_gettext("Pseudonym of the victim"), validators=[Length(max=300)],
        description=lazy_gettext("The name the report uses. Never enter a real name here or anywhere in the "
                                 "tracker. Separate several pseudonyms with commas."))
    death_month = SelectField(lazy_gettext("Month of death"), choices=[], coerce=optional_record_id,
                              validate_choice=False)
    death_year = IntegerField(lazy_gettext("Year of death"), validators=[Optional()],
                              render_kw={"inputmode": "numeric", "style": "max-width:6em"})
    # a Single Unified Safeguarding Review's own details (Wales)
    criteria = SelectMultipleField(
        lazy_gettext("Review criteria the case meets"), choices=options(SafeguardingCriterion.choices()),
        option_widget=CheckboxInput(), validate_choice=False,
        description=lazy_gettext("Choose every one the case review group found met: one review covers them all. "
                                 "A review that meets the Domestic Homicide Review criteria also goes to the Home "
                                 "Office for quality assurance."))
    regional_safeguarding_board = StringField(
        lazy_gettext("Regional safeguarding board"), validators=[Length(max=200)],
        description=lazy_gettext("The board that commissions the review, for example Cwm Taf Morgannwg "
                                 "Safeguarding Board."))
    case_review_group_on = UKDateField(lazy_gettext("Date of the case review group's decision"))
    case_review_group_outcome = TextAreaField(
        lazy_gettext("The case review group's decision"),
        description=lazy_gettext("What the group recommended to the board, and why, as its minutes record it."))
    independent_chair = StringField(lazy_gettext("Independent chair"), validators=[Length(max=200)],
                                    description=lazy_gettext("The chair's name, as it will appear in the report."))
    reviewers = StringField(
        lazy_gettext("Reviewers"), validators=[Length(max=500)],
        description=lazy_gettext("The reviewers who work with the chair, from the list the Welsh Government keeps. "
                                 "Separate several names with commas."))
    welsh_government_notified_on = UKDateField(lazy_gettext("Date the Welsh Government was notified"))
    status = SelectField(lazy_gettext("Stage"), choices=options(ReviewStatus.choices()))
    decision_on = UKDateField(lazy_gettext("Date of the decision to review"))
    agreed_target_on = UKDateField(lazy_gettext("Agreed target date for submission"),
                                   description=lazy_gettext("Only when a timeframe other than six months from the "
                                                            "decision was agreed."))
    commissioned_on = UKDateField(lazy_gettext("Date commissioned"))
    submitted_on = UKDateField(lazy_gettext("Date submitted to the Home Office"))
    qa_feedback_on = UKDateField(lazy_gettext("Date quality assurance feedback received"))
    approved_on = UKDateField(lazy_gettext("Date approved"))
    published_on = UKDateField(lazy_gettext("Date published"))
    publication_url = URLField(lazy_gettext("Link to the published report"), validators=[
        Optional(), URL(message=lazy_gettext("Enter a full web address, starting with https://")), Length(max=1000)])
    planned_publication_on = UKDateField(lazy_gettext("Planned publication date"),
                                         description=lazy_gettext("Before publication: when the partnership means "
                                                                  "to publish."))
    embargo_note = TextAreaField(lazy_gettext("Embargo"),
                                 description=lazy_gettext("Optional. Anything that holds publication back, for "
                                                          "example until an inquest or a trial has ended."))

    def offer(self, types, stages):
        """Only the types of review the partnership's nation commissions, and the stages this review can reach."""
        self.review_type.choices = options([(t.value, t.label) for t in types])
        if types == [ReviewType.SUSR]:
            self.review_type.description = WELSH_TYPE_HINT
            self.reference.description = lazy_gettext("For example, SUSR 2025-02.")
        self.status.choices = options([(s.value, s.label) for s in stages])
        self.death_month.choices = options(month_names().items(), blank=lazy_gettext("Not known"))

    def review_values(self):
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class PublishForm(Form):
    published_on = UKDateField(lazy_gettext("Date published"))
    publication_url = URLField(lazy_gettext("Link to the published report"), validators=[
        Optional(), URL(message=lazy_gettext("Enter a full web address, starting with https://")), Length(max=1000)],
        description=lazy_gettext("Optional. Where the public can read the report."))


class ArchiveForm(Form):
    reason = TextAreaField(lazy_gettext("Reason for archiving"),
                           description=lazy_gettext("For example, the retention period agreed with the family has "
                                                    "ended. It is kept with the review and in the audit log."))


class PanelMemberForm(Form):
    user_id = SelectField(lazy_gettext("Person"), choices=[], coerce=optional_record_id, validate_choice=False)
    is_chair = BooleanField(lazy_gettext("Chairs the panel"))


class PauseForm(Form):
    started_on = UKDateField(lazy_gettext("Paused from"))
    reason = TextAreaField(lazy_gettext("Reason"),
                           description=lazy_gettext("For example, awaiting the outcome of a criminal trial."))


class EndPauseForm(Form):
    ended_on = UKDateField(lazy_gettext("Resumed on"))


class RecommendationForm(Form):
    number = StringField(lazy_gettext("Number"), validators=[Length(max=20)],
                         description=lazy_gettext("As written in the report, for example 4, 4.1 or N2."))
    text = TextAreaField(lazy_gettext("Recommendation"), description=lazy_gettext("As written in the report."))
    welsh_text = TextAreaField(lazy_gettext("Recommendation in Welsh"),
                               description=lazy_gettext("Optional. Where the report is published in Welsh too: the "
                                                        "recommendation as the Welsh version writes it."))
    scope = RadioField(lazy_gettext("Scope"), choices=options(Scope.choices()), validators=[Optional()])
    agency_ids = SelectMultipleField(lazy_gettext("Addressed to"), choices=[], coerce=record_id,
                                     validate_choice=False, option_widget=CheckboxInput())
    external_body = StringField(lazy_gettext("Body outside the partnership"), validators=[Length(max=300)],
                                description=lazy_gettext("For a regional or national recommendation, for example "
                                                         "the Home Office or NHS England."))
    theme_ids = SelectMultipleField(lazy_gettext("Themes"), choices=[], coerce=record_id, validate_choice=False,
                                    option_widget=CheckboxInput())
    component = SelectField(lazy_gettext("CCR component"), choices=options(COMPONENTS, blank=lazy_gettext("None")))

    def set_lists(self, agencies, themes):
        self.agency_ids.choices = options([(a.id, a.name) for a in agencies])
        self.theme_ids.choices = options([(t.id, t.name) for t in themes])

    def recommendation_values(self):
        return dict(number=self.number.data, text=self.text.data, welsh_text=self.welsh_text.data,
                    scope=self.scope.data, agency_ids=self.agency_ids.data, external_body=self.external_body.data,
                    theme_ids=self.theme_ids.data, component=self.component.data)


class ResponseForm(Form):
    sent_on = UKDateField(lazy_gettext("Sent to the body on"))
    response_due_on = UKDateField(lazy_gettext("Response due by"),
                                  description=lazy_gettext("Leave empty for 56 days after it was sent."))
    response_received_on = UKDateField(lazy_gettext("Response received on"))
    response_text = TextAreaField(lazy_gettext("What they said"))
    assessment = SelectField(lazy_gettext("Assessment"), choices=options(ResponseAssessment.choices(),
                                                                         blank=lazy_gettext("Not assessed yet")))


class ThemeForm(Form):
    name = StringField(lazy_gettext("New theme"), validators=[DataRequired(lazy_gettext("Enter the theme")),
                                                              Length(max=100)])
