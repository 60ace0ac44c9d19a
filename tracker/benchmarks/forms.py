from flask_babel import lazy_gettext
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.benchmarks.services import REVIEWER_LENGTH, VALID_SCORES, score_meaning
from tracker.forms import Form, UKDateField, optional_record_id, options


def _score_choices(blank):
    return options([(f"{s:g}", lazy_gettext("%(score)s (%(word)s)", score=format(s, "g"),
                                            word=score_meaning(s, lazy_gettext))) for s in VALID_SCORES], blank=blank)


class OverviewForm(Form):
    """Who reviewed the partnership, when, and against which framework: typed by hand or beside a spreadsheet."""

    framework_id = SelectField(lazy_gettext("Framework"), choices=[], coerce=optional_record_id,
                               validate_choice=False)
    started_on = UKDateField(lazy_gettext("Review started"), description=lazy_gettext("For example, 2 7 2012."))
    ended_on = UKDateField(lazy_gettext("Review ended"))
    reviewer = StringField(lazy_gettext("Reviewer"), validators=[Length(max=REVIEWER_LENGTH)],
                           description=lazy_gettext("The organisation that carried out the benchmark."))


class BenchmarkForm(OverviewForm):
    overall_score = SelectField(lazy_gettext("Overall score"), choices=_score_choices(lazy_gettext("Not scored yet")),
                                validate_choice=False)
    overall_commentary = TextAreaField(lazy_gettext("Overall commentary"), description=lazy_gettext(
        "The reviewer's general comments. Leave a blank line between paragraphs."))
    key_issues = TextAreaField(lazy_gettext("Overall key issues"),
                               description=lazy_gettext("One per line, as the reviewer wrote them."))


class ComponentForm(Form):
    score = SelectField(lazy_gettext("Score"), choices=_score_choices(lazy_gettext("Not scored yet")),
                        validate_choice=False)
    commentary = TextAreaField(lazy_gettext("Commentary"), description=lazy_gettext(
        "The reviewer's narrative on this component. Leave a blank line between paragraphs."))
    key_issues = TextAreaField(lazy_gettext("Key issues"), description=lazy_gettext(
        "One per line. Each becomes a finding you can turn into actions, or mark as needing none."))


class ImportBenchmarkForm(Form):
    file = FileField(lazy_gettext("Benchmark file (JSON)"), description=lazy_gettext(
        "In the shape of the Milton Keynes 2012 example: framework, review dates, reviewer, overall score and key "
        "issues, and each component's score and key issues."))


class ImportSpreadsheetForm(OverviewForm):
    file = FileField(lazy_gettext("Benchmark spreadsheet"), description=lazy_gettext(
        "A CSV file (UTF-8) or an Excel workbook (.xlsx), up to 2 MB, with the columns Component, Score, Key issues "
        "and Commentary."))


class NoActionForm(Form):
    reason = TextAreaField(lazy_gettext("Why no action is needed"),
                           description=lazy_gettext("For example, ‘A strength: the structure is clear and works’."))


class RebenchmarkForm(Form):
    rebenchmark_months = IntegerField(
        lazy_gettext("Months between benchmarks"),
        validators=[InputRequired(lazy_gettext("Enter a number of months"))],
        render_kw={"inputmode": "numeric", "style": "max-width:6em"},
        description=lazy_gettext("Counted from the start of the latest benchmark. For example, 24 for every two "
                                 "years."))
