from babel.dates import get_month_names
from flask_babel import lazy_gettext
from flask_wtf.file import FileField
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

from tracker.actions.evidence import ALLOWED_DESCRIPTION
from tracker.actions.forms import COMPONENTS
from tracker.enums import (
    Advocacy,
    ContactMethod,
    HomeOfficeView,
    Offer,
    ReviewStatus,
    ReviewType,
    SafeguardingCriterion,
    Scope,
)
from tracker.forms import Form, MoneyField, UKDateField, optional_record_id, options, record_id
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
    extension_reason = TextAreaField(lazy_gettext("Why this timeframe was agreed"),
                                     description=lazy_gettext("Needed with an agreed target date, for example "
                                                              "awaiting the criminal trial."))
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
    estimated_cost = MoneyField(lazy_gettext("Estimated cost (£)"),
                                description=lazy_gettext("Optional. The chair's fee, the panel's time and any other "
                                                         "cost of the review."))
    actual_cost = MoneyField(lazy_gettext("Actual cost (£)"), description=lazy_gettext("Optional. Once known."))
    funded_by = StringField(lazy_gettext("Who pays"), validators=[Length(max=300)],
                            description=lazy_gettext("Optional. For example, the Community Safety Partnership, "
                                                     "shared with the police and the integrated care board."))

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
    pseudonym_in_report = BooleanField(
        lazy_gettext("The published report names the victim by the pseudonym"),
        description=lazy_gettext("Only then does the partnership's open data show the pseudonym."))


class ArchiveForm(Form):
    reason = TextAreaField(lazy_gettext("Reason for archiving"),
                           description=lazy_gettext("For example, the retention period agreed with the family has "
                                                    "ended. It is kept with the review and in the audit log."))


#: the kinds of expertise a panel member brings that the form offers as boxes (the rest is free text)
EXPERTISE = (("is_da_specialist", lazy_gettext("Domestic abuse specialist")),
             ("has_community_expertise", lazy_gettext("Community or ‘by and for’ expertise")))


class PanelDetailsForm(Form):
    """A panel member's agency, role, expertise and independence."""

    is_chair = BooleanField(lazy_gettext("Chairs the panel"))
    agency_id = SelectField(lazy_gettext("Agency"), choices=[], coerce=optional_record_id, validate_choice=False,
                            description=lazy_gettext("Optional. The partnership agency they represent."))
    panel_role = StringField(lazy_gettext("Role on the panel"), validators=[Length(max=200)],
                             description=lazy_gettext("For example, head of safeguarding, or specialist domestic "
                                                      "abuse service manager."))
    expertise = SelectMultipleField(lazy_gettext("Expertise"), choices=options(EXPERTISE),
                                    option_widget=CheckboxInput(),
                                    description=lazy_gettext("Choose all that apply. Every panel should include a "
                                                             "domestic abuse specialist."))
    other_expertise = StringField(lazy_gettext("Other expertise"), validators=[Length(max=300)],
                                  description=lazy_gettext("Optional. For example, mental health or substance use."))
    is_independent = BooleanField(lazy_gettext("Independent of the agencies involved in the case"),
                                  description=lazy_gettext("The chair must be."))

    def offer(self, agencies, member=None):
        self.agency_id.choices = options([(a.id, a.name) for a in agencies], blank=lazy_gettext("None"))
        if member is not None and not self.is_submitted():
            self.expertise.data = [name for name, _label in EXPERTISE if getattr(member, name)]

    def details(self):
        chosen = set(self.expertise.data or ())
        return dict(agency_id=self.agency_id.data, panel_role=self.panel_role.data,
                    other_expertise=self.other_expertise.data, is_independent=self.is_independent.data,
                    **{name: name in chosen for name, _label in EXPERTISE})


class PanelMemberForm(PanelDetailsForm):
    user_id = SelectField(lazy_gettext("Person"), choices=[], coerce=optional_record_id, validate_choice=False)


class NotReviewedForm(Form):
    decision_on = UKDateField(lazy_gettext("Date of the decision"))
    not_reviewed_reason = TextAreaField(lazy_gettext("Why the partnership decided not to review"),
                                        description=lazy_gettext("As the Home Office was told."))
    home_office_response_on = UKDateField(lazy_gettext("Date of the Home Office's response"),
                                          description=lazy_gettext("Leave empty until it answers."))
    home_office_view = RadioField(lazy_gettext("The Home Office's view"), choices=options(HomeOfficeView.choices()),
                                  validators=[Optional()])
    home_office_response = TextAreaField(lazy_gettext("What the Home Office said"),
                                         description=lazy_gettext("Optional. For example, its reasons for asking "
                                                                  "the partnership to reconsider."))

    def values(self):
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class FamilyContactForm(Form):
    relationship_to_victim = StringField(lazy_gettext("Relationship to the victim"), validators=[Length(max=100)],
                                         description=lazy_gettext("For example, mother, sister, friend or "
                                                                  "colleague."))
    contact = StringField(lazy_gettext("Name or description"), validators=[Length(max=200)],
                          description=lazy_gettext("How the panel knows them, for example ‘the victim's eldest "
                                                   "daughter’. Removed when the review is archived."))
    contact_method = RadioField(lazy_gettext("How they were contacted"), choices=options(ContactMethod.choices()),
                                validators=[Optional()])
    first_contacted_on = UKDateField(lazy_gettext("First contact"))
    last_contacted_on = UKDateField(lazy_gettext("Latest contact"))
    meet_panel = RadioField(lazy_gettext("Offer to meet the panel or the chair"), choices=options(Offer.choices()),
                            default=Offer.NOT_OFFERED.value)
    contribute = RadioField(lazy_gettext("Offer to contribute to the review"), choices=options(Offer.choices()),
                            default=Offer.NOT_OFFERED.value)
    read_terms = RadioField(lazy_gettext("Offer to read and comment on the terms of reference"),
                            choices=options(Offer.choices()), default=Offer.NOT_OFFERED.value)
    read_report = RadioField(lazy_gettext("Offer to read the report before publication"),
                             choices=options(Offer.choices()), default=Offer.NOT_OFFERED.value)
    advocacy = RadioField(lazy_gettext("Advocacy"), choices=options(Advocacy.choices()),
                          default=Advocacy.NOT_OFFERED.value,
                          description=lazy_gettext("Specialist and expert advocacy should be offered from the "
                                                   "start."))
    advocate = StringField(lazy_gettext("Who offers or provides the advocacy"), validators=[Length(max=200)],
                           description=lazy_gettext("For example, a specialist advocate from a national charity."))
    saw_report_on = UKDateField(lazy_gettext("Date they saw the report before publication"),
                                description=lazy_gettext("Leave empty if they have not seen it."))
    pseudonym_wishes = TextAreaField(lazy_gettext("Their wishes on the pseudonym"),
                                     description=lazy_gettext("For example, they chose the pseudonym, or asked for "
                                                              "none to be used."))
    publication_wishes = TextAreaField(lazy_gettext("Their wishes on publication"),
                                       description=lazy_gettext("For example, to be told the date beforehand."))

    def values(self):
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class TermsForm(Form):
    text = TextAreaField(lazy_gettext("Terms of reference"),
                         description=lazy_gettext("The text the panel agreed, or a summary beside the file."))
    file = FileField(lazy_gettext("File"), description=lazy_gettext(
        "Optional. %(types)s; up to 10 MB. Only those who can open the review can download it.",
        types=lazy_gettext(ALLOWED_DESCRIPTION)))
    remove_file = BooleanField(lazy_gettext("Remove the current file"))


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
    body_ids = SelectMultipleField(lazy_gettext("Bodies beyond the partnership"), choices=[], coerce=record_id,
                                   validate_choice=False, option_widget=CheckboxInput())
    new_bodies = StringField(lazy_gettext("A body not in the list"), validators=[Length(max=300)],
                             description=lazy_gettext("Its name as it calls itself, for example NHS England; "
                                                      "separate several with semicolons. It is added to the list "
                                                      "every partnership chooses from."))
    theme_ids = SelectMultipleField(lazy_gettext("Themes"), choices=[], coerce=record_id, validate_choice=False,
                                    option_widget=CheckboxInput())
    component = SelectField(lazy_gettext("CCR component"), choices=options(COMPONENTS, blank=lazy_gettext("None")))

    def set_lists(self, agencies, themes, bodies):
        self.agency_ids.choices = options([(a.id, a.name) for a in agencies])
        self.theme_ids.choices = options([(t.id, t.name) for t in themes])
        self.body_ids.choices = options([(b.id, b.name) for b in bodies])

    def recommendation_values(self):
        return dict(number=self.number.data, text=self.text.data, welsh_text=self.welsh_text.data,
                    scope=self.scope.data, agency_ids=self.agency_ids.data, body_ids=self.body_ids.data,
                    new_bodies=self.new_bodies.data, theme_ids=self.theme_ids.data, component=self.component.data)


class ThemeForm(Form):
    name = StringField(lazy_gettext("New theme"), validators=[DataRequired(lazy_gettext("Enter the theme")),
                                                              Length(max=100)])
