"""Forms shared across features."""
from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A confirmation page's form: only the CSRF token, so destructive acts need a deliberate POST."""
