"""The command line for bulk moves, with the web path's rules; exports people can use."""
import io

import pytest
import sqlalchemy as sa
from docx import Document
from docx.enum.section import WD_ORIENT
from openpyxl import load_workbook

from tests.conftest import text
from tests.plans import files
from tracker.actions.models import Action
from tracker.enums import Nation, ReviewType
from tracker.extensions import db
from tracker.partnerships.models import Agency, Partnership
from tracker.reviews.models import Recommendation, Review


@pytest.fixture
def partnership(app, make):
    p = make.partnership(name="Milton Keynes Domestic Abuse Partnership")
    make.agency(p, name="Metropolitan Police Service")
    make.agency(p, name="MK Housing", sector="housing")
    return p


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["tracker", *args], catch_exceptions=False)


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_dry_run_prints_the_preview_and_saves_nothing(app, partnership, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(files.xlsx(files.HOME_OFFICE_ROWS))
    result = _run(app, "import-plan", "--partnership", partnership.name, "--review", "DHR 2016-01",
                  "--create-agencies", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert "DHR 2016-01 (new review): 3 new recommendation(s), 3 new action(s)" in result.output
    assert "Dry run: nothing was saved." in result.output
    assert (_count(app, Review), _count(app, Recommendation), _count(app, Agency)) == (0, 0, 2)


def test_unknown_agencies_are_refused_without_the_flag_and_created_with_it(app, partnership, tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(files.docx(files.HOME_OFFICE_ROWS))
    refused = _run(app, "import-plan", "--partnership", str(partnership.id), "--review", "DHR 2016-01", str(path))
    assert refused.exit_code != 0
    assert "Not an agency of the partnership: MPS" in refused.output and "Nothing was imported" in refused.output
    assert _count(app, Review) == 0
    done = _run(app, "import-plan", "--partnership", str(partnership.id), "--review", "DHR 2016-01",
                "--create-agencies", str(path))
    assert done.exit_code == 0, done.output
    assert "Imported 1 new review, 3 new recommendations, 3 new actions" in done.output
    with app.app_context():
        review = db.session.scalar(sa.select(Review))
        assert (review.reference, review.pseudonyms) == ("DHR 2016-01", "Not published")
        assert db.session.scalar(sa.select(Agency).where(Agency.name == "MPS")).sector.value == "other"


def test_rows_to_correct_refuse_the_whole_file_with_a_non_zero_exit(app, partnership, tmp_path):
    rows = [list(r) for r in files.HOME_OFFICE_ROWS]
    rows[1][5] = "soon"
    path = tmp_path / "plan.xlsx"
    path.write_bytes(files.xlsx(rows))
    result = _run(app, "import-plan", "--partnership", partnership.name, "--review", "DHR 1",
                  "--create-agencies", str(path))
    assert result.exit_code != 0
    assert "Row 5 of Action plan, column Target Date: ‘soon’ is not a date" in result.output
    assert (_count(app, Review), _count(app, Action)) == (0, 0)


@pytest.mark.parametrize(("nation", "review_type"), [(Nation.ENGLAND, ReviewType.DHR), (Nation.WALES, ReviewType.SUSR)])
def test_a_register_without_review_creates_each_review_its_sheets_name(app, partnership, tmp_path, nation,
                                                                        review_type):
    """…each of the kind of review the partnership's nation commissions."""
    with app.app_context():
        db.session.get(Partnership, partnership.id).nation = nation
        db.session.commit()
    header = ["Recommendation number", "Recommendation", "Scope", "Lead agency", "Action"]
    path = tmp_path / "register.xlsx"
    path.write_bytes(files.xlsx([["1", "First lesson", "Local", "MK Housing", "Act"]], header=header, title_rows=(),
                                sheet_title="DHR 2018-01",
                                extra_sheets=[("DHR 2019-04", header, [["1", "Second lesson", "Local",
                                                                        "MK Housing", "Act too"]])]))
    result = _run(app, "import-plan", "--partnership", partnership.name, str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 2 new reviews, 2 new recommendations, 2 new actions." in result.output
    with app.app_context():
        assert sorted(db.session.execute(sa.select(Review.reference, Review.review_type)).all()) == [
            ("DHR 2018-01", review_type), ("DHR 2019-04", review_type)]
    out = tmp_path / "out.csv"
    assert _run(app, "export-plan", "--partnership", partnership.name, "--format", "csv", str(out)).exit_code == 0
    exported = out.read_text(encoding="utf-8-sig")
    assert exported.startswith("Review,Recommendation number") and "DHR 2019-04,1,Second lesson" in exported


def test_an_unknown_partnership_is_a_usage_error(app, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(b"Recommendation,Action\n")
    result = _run(app, "import-plan", "--partnership", "Nowhere", "--review", "X", str(path))
    assert result.exit_code == 2 and "No partnership is called or numbered ‘Nowhere’" in result.output


@pytest.mark.parametrize("kind", ["csv", "xlsx", "docx"])
def test_export_plan_writes_each_format(app, partnership, imported, tmp_path, kind):
    out = tmp_path / f"out.{kind}"
    result = _run(app, "export-plan", "--partnership", partnership.name, "--review", "DHR 2016-01", "--format",
                  kind, str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if kind == "csv":
        assert "Agencies should share MARAC outcomes" in data.decode("utf-8-sig")
    elif kind == "xlsx":
        assert load_workbook(io.BytesIO(data)).worksheets[0]["B2"].value.startswith("Agencies should share")
    else:
        assert "Publish a protocol for sharing MARAC outcomes with GPs" in "\n".join(
            c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells)


@pytest.fixture
def imported(app, make, partnership, tmp_path, as_user):
    """The Home Office example imported by the command line, and its review's coordinator signed in."""
    source = tmp_path / "plan.xlsx"
    source.write_bytes(files.xlsx(files.HOME_OFFICE_ROWS))
    _run(app, "import-plan", "--partnership", partnership.name, "--review", "DHR 2016-01", "--create-agencies",
         str(source))
    with app.app_context():
        review_id = db.session.scalar(sa.select(Review.id))
    return review_id, as_user(make.member(partnership, "coordinator"))


def test_the_excel_export_is_ready_to_use(imported):
    review_id, coordinator = imported
    response = coordinator.get(f"/reviews/{review_id}/action-plan.xlsx")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Recommendation number", "Recommendation", "Recommendation (Welsh)", "Scope", "Addressed to"]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2" and sheet["B2"].alignment.wrap_text
    deadline = sheet.cell(row=2, column=header.index("Target date") + 1)
    assert deadline.is_date and deadline.number_format == "dd/mm/yyyy"
    month = sheet.cell(row=3, column=header.index("Target date") + 1)
    assert month.value == "October 2016", "a month stays a month"
    validations = {str(v.sqref).split(":")[0][0] for v in sheet.data_validations.dataValidation}
    letter = {h: chr(ord("A") + i) for i, h in enumerate(header)}
    assert {letter["Scope"], letter["Status"], letter["Lead agency"], letter["Themes"]} <= validations
    assert book["Lists"].sheet_state == "hidden"


def test_the_word_export_is_the_home_office_layout_in_landscape(imported):
    review_id, coordinator = imported
    document = Document(io.BytesIO(coordinator.get(f"/reviews/{review_id}/action-plan.docx").data))
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Recommendation", "Scope of recommendation",
                                                         "Action to take"]
    body = "\n".join(c.text for r in table.rows for c in r.cells)
    assert "Completed 31 October 2016" in body and "October 2016" in body


def test_the_xlsx_template_lists_the_partnerships_agencies(app, make, partnership, as_user):
    coordinator = as_user(make.member(partnership, "coordinator"))
    book = load_workbook(io.BytesIO(coordinator.get(f"/partnerships/{partnership.id}/action-plan-template.xlsx")
                                    .data))
    lists = [c.value for row in book["Lists"].iter_rows() for c in row if c.value]
    assert "Metropolitan Police Service" in lists and "MK Housing" in lists and "Local" in lists
    assert "Information sharing" in lists


def test_the_register_export_carries_each_review_the_reader_can_open(app, make, partnership, as_user):
    open_review = make.review(partnership, reference="DHR 2015-01", status="published")
    make.recommendation(open_review, number="1", text="Published lesson")
    hidden = make.review(partnership, reference="DHR 2025-09")
    make.recommendation(hidden, number="1", text="Confidential lesson")
    viewer = as_user(make.member(partnership, "viewer"))
    page = viewer.get(f"/partnerships/{partnership.id}/register.csv").get_data(as_text=True)
    assert "Published lesson" in page and "DHR 2015-01" in page
    assert "Confidential lesson" not in page and "DHR 2025-09" not in page
    assert text(viewer.get(f"/reviews/{hidden.id}/action-plan.csv")) != "" and \
        viewer.get(f"/reviews/{hidden.id}/action-plan.csv").status_code == 403
