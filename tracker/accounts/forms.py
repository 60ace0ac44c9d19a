from flask import current_app
from flask_babel import gettext, lazy_gettext
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from tracker.accounts.passwords import weakness
from tracker.enums import NationalRole
from tracker.forms import Form, options


class SignInForm(Form):
    email = EmailField(lazy_gettext("Email address"),
                       validators=[DataRequired(lazy_gettext("Enter your email address"))])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(lazy_gettext("Enter your password"))])


class SignInCodeForm(Form):
    code = StringField(lazy_gettext("Code"), validators=[
        DataRequired(lazy_gettext("Enter the code from your app, or a recovery code")),
        Length(max=40, message=lazy_gettext("Enter the 6-digit code, or a recovery code")),
    ], render_kw={"spellcheck": "false", "autocapitalize": "none"})


class SetUpCodeForm(Form):
    code = StringField(lazy_gettext("Code from the app"), validators=[
        DataRequired(lazy_gettext("Enter the 6-digit code the app shows")),
        Regexp(r"^\s*(\d\s*){6}$", message=lazy_gettext("Enter the 6 digits the app shows, like 123456")),
    ], render_kw={"inputmode": "numeric", "spellcheck": "false"})


class ForgotPasswordForm(Form):
    email = EmailField(
        lazy_gettext("Email address"),
        validators=[DataRequired(lazy_gettext("Enter your email address")),
                    Email(lazy_gettext("Enter an email address like name@example.org"))],
    )


def _strong_enough(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(gettext("Password must be %(minimum)d characters or more", minimum=minimum))
    if len(field.data) > 256:
        raise ValidationError(gettext("Password must be 256 characters or fewer"))
    if len(set(field.data)) < 4:
        raise ValidationError(gettext("Password must not repeat the same few characters"))
    if problem := weakness(field.data, form.person):
        raise ValidationError(problem)


class SetPasswordForm(Form):
    """`person` is whose password it is, so that one made from their name or address can be refused."""

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    password = PasswordField(lazy_gettext("New password"),
                             validators=[DataRequired(lazy_gettext("Enter a new password")), _strong_enough])
    confirm = PasswordField(
        lazy_gettext("Confirm new password"),
        validators=[DataRequired(lazy_gettext("Enter the new password again")),
                    EqualTo("password", lazy_gettext("Passwords do not match"))],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(lazy_gettext("Current password"),
                                     validators=[DataRequired(lazy_gettext("Enter your current password"))])


class PersonFields:
    """A person's name and address; declared before any role fields so pages and error summaries agree."""

    name = StringField(lazy_gettext("Full name"),
                       validators=[DataRequired(lazy_gettext("Enter the person's full name")), Length(max=200)])
    email = EmailField(
        lazy_gettext("Email address"),
        validators=[
            DataRequired(lazy_gettext("Enter an email address")),
            Email(lazy_gettext("Enter an email address like name@example.org")),
            Length(max=320),
        ],
    )


class ProfileForm(PersonFields, Form):
    pass


class NationalRoleForm(Form):
    national_role = RadioField(lazy_gettext("Role across every partnership"), validate_choice=False,
                               choices=options(NationalRole.choices(), blank=lazy_gettext("None")))
