"""Forms shared across features."""
from flask_wtf import FlaskForm
from wtforms import SelectChoice


class ConfirmForm(FlaskForm):
    """A confirmation page's form: only the CSRF token, so destructive acts need a deliberate POST."""


def options(pairs, blank=None):
    """WTForms choices from (value, label) pairs, with an optional first 'choose…' option."""
    choices = [SelectChoice("", blank)] if blank else []
    return choices + [SelectChoice(value, label) for value, label in pairs]
