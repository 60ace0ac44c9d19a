from flask import current_app
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from tracker.accounts.passwords import weakness
from tracker.forms import Form


class SignInForm(Form):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class SignInCodeForm(Form):
    code = StringField("Code", validators=[DataRequired("Enter the code from your app, or a recovery code"),
                                           Length(max=40, message="Enter the 6-digit code, or a recovery code")],
                       render_kw={"spellcheck": "false", "autocapitalize": "none"})


class SetUpCodeForm(Form):
    code = StringField("Code from the app", validators=[
        DataRequired("Enter the 6-digit code the app shows"),
        Regexp(r"^\s*(\d\s*){6}$", message="Enter the 6 digits the app shows, like 123456"),
    ], render_kw={"inputmode": "numeric", "spellcheck": "false"})


class ForgotPasswordForm(Form):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Email("Enter an email address like name@example.org")],
    )


def _strong_enough(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(f"Password must be {minimum} characters or more")
    if len(field.data) > 256:
        raise ValidationError("Password must be 256 characters or fewer")
    if len(set(field.data)) < 4:
        raise ValidationError("Password must not repeat the same few characters")
    if problem := weakness(field.data, form.person):
        raise ValidationError(problem)


class SetPasswordForm(Form):
    """`person` is whose password it is, so that one made from their name or address can be refused."""

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    password = PasswordField("New password", validators=[DataRequired("Enter a new password"), _strong_enough])
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the new password again"), EqualTo("password", "Passwords do not match")],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])


class PersonFields:
    """A person's name and address; declared before any role fields so pages and error summaries agree."""

    name = StringField("Full name", validators=[DataRequired("Enter the person's full name"), Length(max=200)])
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address"),
            Email("Enter an email address like name@example.org"),
            Length(max=320),
        ],
    )


class ProfileForm(PersonFields, Form):
    pass
