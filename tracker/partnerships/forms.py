from flask_babel import gettext, lazy_gettext
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from tracker.accounts.forms import PersonFields
from tracker.enums import Nation, Role, Sector
from tracker.forms import Form, options


class PartnershipForm(Form):
    name = StringField(
        lazy_gettext("Partnership name"),
        validators=[DataRequired(lazy_gettext("Enter the partnership's name")), Length(max=200)],
        description=lazy_gettext(
            "As the partnership is known locally, for example 'Milton Keynes Domestic Abuse Partnership'."),
    )
    area = StringField(
        lazy_gettext("Area"),
        validators=[Optional(), Length(max=200)],
        description=lazy_gettext("The local authority area the partnership covers."),
    )
    nation = RadioField(
        lazy_gettext("Nation"),
        choices=options(Nation.choices()),
        default=Nation.ENGLAND.value,
        description=lazy_gettext("It decides how a death is reviewed: in England, a Domestic Homicide Review; in "
                                 "Wales, a Single Unified Safeguarding Review."),
    )


class AgencyForm(Form):
    name = StringField(lazy_gettext("Agency name"),
                       validators=[DataRequired(lazy_gettext("Enter the agency's name")), Length(max=200)])
    sector = SelectField(
        lazy_gettext("Sector"),
        choices=options(Sector.choices(), blank=lazy_gettext("Choose a sector")),
        validators=[DataRequired(lazy_gettext("Choose the agency's sector"))],
    )


class MembershipFields:
    """The role part of a membership, shared by the invitation and add-role forms."""

    role = RadioField(
        lazy_gettext("Role"),
        choices=options(Role.choices()),
        validators=[DataRequired(lazy_gettext("Choose a role"))],
    )
    agency_id = SelectField(
        lazy_gettext("Agency"),
        choices=[],
        validate_choice=False,
        validators=[Optional()],
        description=lazy_gettext("Required for an agency lead: the agency whose actions they update. Optional for a "
                                 "strategic group member: the agency they represent."),
    )
    is_chair = BooleanField(lazy_gettext("Chairs the strategic group"))

    def set_agencies(self, agencies):
        self.agency_id.choices = options([(str(a.id), a.name) for a in agencies], blank=gettext("No agency"))


class MembershipForm(MembershipFields, Form):
    pass


class InvitePersonForm(PersonFields, MembershipFields, Form):
    pass


class LinkAnswerForm(Form):
    """The person's answer to a role offered to their account: the page's two buttons send it."""

    answer = StringField(validators=[AnyOf(("accept", "decline"),
                                           message=lazy_gettext("Choose to accept or to decline"))])
