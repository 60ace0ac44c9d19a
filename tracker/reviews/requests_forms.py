"""The forms of a review's requests to agencies."""
from flask_babel import lazy_gettext
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput

from tracker.enums import RequestKind
from tracker.forms import Form, UKDateField, optional_record_id, options, record_id

NO_CONTACT = lazy_gettext("The agency's leads")


def _contact_choices(people):
    return options([(person.id, person.name) for person in people], blank=NO_CONTACT)


class SendRequestForm(Form):
    kind = RadioField(lazy_gettext("What is asked for"), choices=options(RequestKind.choices()),
                      validators=[Optional()])
    agency_ids = SelectMultipleField(lazy_gettext("Agencies"), choices=[], coerce=record_id, validate_choice=False,
                                     option_widget=CheckboxInput(),
                                     description=lazy_gettext("Choose every agency that had contact: each gets a "
                                                              "request of its own."))
    sent_on = UKDateField(lazy_gettext("Sent on"))
    due_on = UKDateField(lazy_gettext("Due by"))
    contact_id = SelectField(lazy_gettext("Contact"), choices=[], coerce=optional_record_id, validate_choice=False,
                             description=lazy_gettext("Who answers for the agency and is reminded. Leave it to the "
                                                      "agency's leads when you ask several agencies."))
    note = TextAreaField(lazy_gettext("Note"), description=lazy_gettext("Optional. For example, the period the "
                                                                        "chronology should cover."))

    def set_lists(self, agencies, people):
        self.agency_ids.choices = options([(agency.id, agency.name) for agency in agencies])
        self.contact_id.choices = _contact_choices(people)

    def request_values(self):
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class ChangeRequestForm(Form):
    due_on = UKDateField(lazy_gettext("Due by"), description=lazy_gettext("A later date when the agency has been "
                                                                          "given more time."))
    contact_id = SelectField(lazy_gettext("Contact"), choices=[], coerce=optional_record_id, validate_choice=False,
                             description=lazy_gettext("Who answers for the agency and is reminded."))
    note = TextAreaField(lazy_gettext("Note"))

    def set_people(self, people):
        self.contact_id.choices = _contact_choices(people)


class ReceivedForm(Form):
    received_on = UKDateField(lazy_gettext("Received on"))


class ChaseForm(Form):
    chased_on = UKDateField(lazy_gettext("Chased on"))
    note = TextAreaField(lazy_gettext("How it was chased"),
                         description=lazy_gettext("Optional. For example, a call to the agency's safeguarding lead."))
