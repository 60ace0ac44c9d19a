from flask_babel import lazy_gettext
from wtforms import StringField, ValidationError

from tracker.forms import Form
from tracker.search import services


class SearchForm(Form):
    """The search box: read from the address (GET), so a search can be bookmarked and shared; no CSRF token, as it
    changes nothing."""

    class Meta:
        csrf = False

    q = StringField(lazy_gettext("Search actions, recommendations, reviews, key issues and agencies"))

    def validate_q(self, field):
        try:
            self.query = services.parse_query(field.data)
        except services.QueryError as error:
            raise ValidationError(str(error)) from None
