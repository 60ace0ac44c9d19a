"""The forms of the Home Office's quality assurance of a review."""
from flask_babel import lazy_gettext
from wtforms import RadioField, TextAreaField
from wtforms.validators import Optional

from tracker.enums import QualityOutcome
from tracker.forms import Form, UKDateField, options


class SubmissionForm(Form):
    submitted_on = UKDateField(lazy_gettext("Submitted on"))


class FeedbackForm(Form):
    feedback_on = UKDateField(lazy_gettext("Feedback received on"))
    feedback = TextAreaField(lazy_gettext("What the Home Office said"),
                             description=lazy_gettext("A summary of the quality assurance panel's letter, in your "
                                                      "own words."))
    outcome = RadioField(lazy_gettext("Outcome"), choices=options(QualityOutcome.choices()),
                         validators=[Optional()],
                         description=lazy_gettext("Leave it unchosen while the panel has not decided."))
    outcome_on = UKDateField(lazy_gettext("Outcome decided on"),
                             description=lazy_gettext("Only when the decision came after the feedback."))

    def feedback_values(self):
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
