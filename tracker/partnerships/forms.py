from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from tracker.accounts.forms import PersonFields
from tracker.enums import Role, Sector
from tracker.forms import Form, options


class PartnershipForm(Form):
    name = StringField(
        "Partnership name",
        validators=[DataRequired("Enter the partnership's name"), Length(max=200)],
        description="As the partnership is known locally, for example 'Milton Keynes Domestic Abuse Partnership'.",
    )
    area = StringField(
        "Area",
        validators=[Optional(), Length(max=200)],
        description="The local authority area the partnership covers.",
    )


class AgencyForm(Form):
    name = StringField("Agency name", validators=[DataRequired("Enter the agency's name"), Length(max=200)])
    sector = SelectField(
        "Sector",
        choices=options(Sector.choices(), blank="Choose a sector"),
        validators=[DataRequired("Choose the agency's sector")],
    )


class MembershipFields:
    """The role part of a membership, shared by the invitation and add-role forms."""

    role = RadioField(
        "Role",
        choices=options(Role.choices()),
        validators=[DataRequired("Choose a role")],
    )
    agency_id = SelectField(
        "Agency",
        choices=[],
        validate_choice=False,
        validators=[Optional()],
        description="Required for an agency lead: the agency whose actions they update. "
        "Optional for a strategic group member: the agency they represent.",
    )
    is_chair = BooleanField("Chairs the strategic group")

    def set_agencies(self, agencies):
        self.agency_id.choices = options([(str(a.id), a.name) for a in agencies], blank="No agency")


class MembershipForm(MembershipFields, Form):
    pass


class InvitePersonForm(PersonFields, MembershipFields, Form):
    pass


class LinkAnswerForm(Form):
    """The person's answer to a role offered to their account: the page's two buttons send it."""

    answer = StringField(validators=[AnyOf(("accept", "decline"), message="Choose to accept or to decline")])
