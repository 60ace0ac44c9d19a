"""Forms shared across features."""
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, StringField
from wtforms.utils import unset_value
from wtforms.widgets import TextArea

#: characters nobody means to type (the C0 and C1 controls, bar tab and line breaks); spreadsheets, Word and calendar
#: feeds cannot carry them
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: the largest id a row can have: PostgreSQL refuses a larger integer in a query with an error, not an empty result
MAX_ID = 2_147_483_647
#: the last page a list offers; a later one is shown as this one, so the offset stays within what SQL accepts
MAX_PAGE = 10_000


class Form(FlaskForm):
    """Every form's base. Text leaves with one kind of line break, whatever the browser sent (CR LF), and a
    control character is refused beside its field, so that what is saved can go into any export and come back. A
    one-line field (a title, a name) takes no line break either: it goes into email subjects and calendar events.
    A message given lazily (lazy_gettext) leaves as text in the reader's language, so pages can join messages."""

    def validate(self, extra_validators=None):
        is_valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.errors, list) and any(isinstance(m, LazyString) for m in field.errors):
                field.errors = [str(m) if isinstance(m, LazyString) else m for m in field.errors]
            if not isinstance(field.data, str):
                continue
            field.data = one_kind_of_line_break(field.data)
            if CONTROL_CHARACTERS.search(field.data):
                field.errors = [*field.errors, gettext("Remove the invisible control character from this text")]
                is_valid = False
            elif "\n" in field.data and not isinstance(field.widget, TextArea):
                field.errors = [*field.errors, gettext("Keep this to one line: remove the line break")]
                is_valid = False
        return is_valid


def one_kind_of_line_break(text):
    """Every line break as \\n, whichever system wrote it (CR LF from browsers and Windows, CR alone from old Macs
    and Excel's _x000D_): text from a form, a file or a cell is saved alike."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ConfirmForm(Form):
    """A confirmation page's form: only the CSRF token, so destructive acts need a deliberate POST."""


def options(pairs, blank=None):
    """WTForms choices from (value, label) pairs, with an optional first 'choose…' option."""
    choices = [SelectChoice("", blank)] if blank else []
    return choices + [SelectChoice(value, label) for value, label in pairs]


def record_id(value):
    """A database id from a form or a query string: ValueError (which a select field shows as an invalid choice)
    unless it is a whole number that can name a row."""
    number = int(str(value).strip())
    if not 1 <= number <= MAX_ID:
        raise ValueError(gettext("Not a valid choice"))
    return number


def optional_record_id(value):
    """record_id, or None when nothing was chosen."""
    return None if value in (None, "") else record_id(value)


def record_ids(values):
    """The values that are record ids (ticked boxes of a list), ignoring any other."""
    ids = []
    for value in values:
        try:
            ids.append(record_id(value))
        except ValueError:
            continue
    return ids


def page_marks(args):
    """The `after` and `before` query parameters of a page reached from its neighbour: the id of the row it
    follows or precedes, or None (anything else is ignored, and the page found by its number)."""
    marks = []
    for name in ("after", "before"):
        try:
            marks.append(record_id(args.get(name, "")))
        except ValueError:
            marks.append(None)
    return marks


def page_number(args):
    """The `page` query parameter, clamped to 1..MAX_PAGE; anything that is not a whole number means page 1."""
    try:
        return min(max(int(args.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


class UKDateField(StringField):
    """A date as people write it, with a clear error otherwise. Pages ask for it in GOV.UK Frontend's three boxes
    (day, month, year: `<name>-day` …); a single value (31/3/2027, 31 March 2027 or 2027-03-31) is read too, so
    scripts and older links keep working."""

    FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d")
    PARTS = ("day", "month", "year")

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message or lazy_gettext("Enter a real date, for example 31 3 2027")
        self.typed_parts = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in self.PARTS):
            self.typed_parts = {part: formdata.get(f"{self.name}-{part}", "").strip() for part in self.PARTS}
            typed = "/".join(self.typed_parts.values()) if any(self.typed_parts.values()) else ""
            formdata = MultiDict({self.name: typed})
        super().process(formdata, data, extra_filters)

    @property
    def parts(self):
        """Day, month and year to show in the three boxes: as typed, or from the date held."""
        if self.typed_parts is not None:
            return self.typed_parts
        if isinstance(self.data, date):
            return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        if self.raw_data and self.raw_data[0]:
            return {"day": self.raw_data[0], "month": "", "year": ""}
        return {"day": "", "month": "", "year": ""}

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data.day}/{self.data.month}/{self.data.year}" if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        for pattern in self.FORMATS:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(self.message)


class MoneyField(StringField):
    """Pounds, as typed: '1500', '£1,500.50'; anything else is refused with a clear message."""

    def _value(self):
        if self.raw_data:  # what the person typed, even when it was refused
            return self.raw_data[0]
        return f"{self.data:.2f}" if isinstance(self.data, Decimal) else ""

    def process_formdata(self, valuelist):
        self.data = None
        self.data = parse_money(valuelist[0] if valuelist else "")


def parse_money(text):
    """Pounds as people type them ('1500', '£1,500.50'), None when empty; ValueError with the message to show."""
    text = str(text or "").strip().replace(",", "").lstrip("£").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(gettext("Enter the cost as a number of pounds, for example 1500 or 1500.50"))
    if abs(value) >= Decimal("1e10"):  # checked before quantizing, which fails on a number like 1e999
        raise ValueError(gettext("Enter a cost below £10,000,000,000"))
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(gettext("Enter the cost in pounds and pence, for example 1500.50"))
    return value
