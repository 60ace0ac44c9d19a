from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from tracker.benchmarks.services import REVIEWER_LENGTH, SCALE, VALID_SCORES
from tracker.forms import Form, UKDateField, optional_record_id, options


def _score_choices(blank):
    labels = [(f"{s:g}", f"{s:g}" + (f" ({SCALE[int(s)]})" if s == int(s) else "")) for s in VALID_SCORES]
    return options(labels, blank=blank)


class OverviewForm(Form):
    """Who reviewed the partnership, when, and against which framework: typed by hand or beside a spreadsheet."""

    framework_id = SelectField("Framework", choices=[], coerce=optional_record_id, validate_choice=False)
    started_on = UKDateField("Review started", description="For example, 2 7 2012.")
    ended_on = UKDateField("Review ended")
    reviewer = StringField("Reviewer", validators=[Length(max=REVIEWER_LENGTH)],
                           description="The organisation that carried out the benchmark.")


class BenchmarkForm(OverviewForm):
    overall_score = SelectField("Overall score", choices=_score_choices("Not scored yet"), validate_choice=False)
    overall_commentary = TextAreaField("Overall commentary")
    key_issues = TextAreaField("Overall key issues", description="One per line, as the reviewer wrote them.")


class ComponentForm(Form):
    score = SelectField("Score", choices=_score_choices("Not scored yet"), validate_choice=False)
    commentary = TextAreaField("Commentary")
    key_issues = TextAreaField("Key issues", description="One per line. Each becomes a finding you can turn into "
                                                         "actions, or mark as needing none.")


class ImportBenchmarkForm(Form):
    file = FileField("Benchmark file (JSON)",
                     description="In the shape of the Milton Keynes 2012 example: framework, review dates, reviewer, "
                                 "overall score and key issues, and each component's score and key issues.")


class ImportSpreadsheetForm(OverviewForm):
    file = FileField("Benchmark spreadsheet",
                     description="A CSV file (UTF-8) or an Excel workbook (.xlsx), up to 2 MB, with the columns "
                                 "Component, Score, Key issues and Commentary.")


class NoActionForm(Form):
    reason = TextAreaField("Why no action is needed",
                           description="For example, ‘A strength: the structure is clear and works’.")
