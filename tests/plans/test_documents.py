"""The exported workbook and Word plan, read back with the libraries people's tools use: formatted, formula-safe,
with drop-downs that Excel shows, and whatever text was pasted into the tracker."""
import io
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from tracker.plans.documents import Table, plan_docx, workbook

HEADER = ["Recommendation", "Action", "Lead agency", "Deadline", "Cost"]
AGENCIES = [f"Agency number {n} with a long name for a drop-down" for n in range(12)] + ["=Evil agency"]


def read(data):
    return load_workbook(io.BytesIO(data))


@pytest.fixture
def book():
    rows = [
        ["1. Train staff", "Deliver training\nto all teams", AGENCIES[0], date(2026, 12, 1), Decimal("1234.5")],
        ["=1+1", "@SUM(A1)", AGENCIES[1], None, None],
        ["Bell\x07 and\x00 nul", "x" * 500, "=Evil agency", date(2027, 1, 31), Decimal("0")],
    ]
    return read(workbook([
        Table("Action plan", HEADER, rows, lists={"Lead agency": AGENCIES}),
        Table("Action plan", ["Reference"], [["DHR 2024-01"]]),
        Table("A partnership: name [with] refused/characters*? and far too long", ["Lead agency"], [],
              lists={"Lead agency": AGENCIES}),
    ]))


def test_every_sheet_is_formatted_for_reading(book):
    sheet = book["Action plan"]
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDE"]
    assert all(10 <= w <= 60 for w in widths)
    assert widths[1] == 60 and widths[3] == 12  # capped for long text, a date's width for dates
    assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for row in sheet.iter_rows() for c in row)
    assert sheet["B2"].value == "Deliver training\nto all teams"


def test_dates_and_money_are_real_cells(book):
    sheet = book["Action plan"]
    assert sheet["D2"].is_date and sheet["D2"].value.date() == date(2026, 12, 1)
    assert sheet["D2"].number_format == "dd/mm/yyyy"
    assert sheet["E2"].data_type == "n" and sheet["E2"].value == 1234.5
    assert sheet["E2"].number_format == "#,##0.00"
    assert sheet["D3"].value is None


def test_no_text_becomes_a_formula_or_breaks_the_file(book):
    sheet = book["Action plan"]
    assert sheet["A3"].value == "'=1+1" and sheet["A3"].data_type != "f"
    assert sheet["B3"].value == "'@SUM(A1)" and sheet["B3"].data_type != "f"
    assert sheet["A4"].value == "Bell and nul"
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_characters_outside_xml_are_dropped_before_neutralising():
    data = workbook([Table("Sheet", ["Text"], [["\x01=1+1"], ["a\ufffeb\uffff\ud800c"]])])
    sheet = read(data)["Sheet"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["'=1+1", "abc"]


def test_drop_downs_are_fed_from_the_hidden_lists_sheet(book):
    lists = book["Lists"]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"]] == ["Lead agency", *AGENCIES[:-1], "'=Evil agency"]
    assert lists.max_column == 1  # both sheets share the one list
    validation, = book["Action plan"].data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == "Lists!$A$2:$A$14"
    assert str(validation.sqref) == "C2:C1004"
    assert validation.allow_blank and validation.showErrorMessage and validation.error
    assert not validation.showDropDown  # openpyxl's inverted flag: False shows the arrow
    assert book["Action plan"]["C4"].value in [c.value for c in lists["A"][1:]]
    assert not book["Action plan (2)"].data_validations.dataValidation


def test_sheet_names_are_ones_excel_accepts(book):
    names = book.sheetnames
    assert names == ["Action plan", "Action plan (2)", "A partnership- name -with- refu", "Lists"]
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)


def test_reserved_names_are_not_taken_by_tables():
    names = read(workbook([Table("Lists", ["A"], [], lists={"A": ["x"]}), Table("history", ["A"], []),
                           Table("'" + "y" * 40, ["A"], [])])).sheetnames
    assert names == ["Lists (2)", "history (2)", "y" * 31, "Lists"]


def test_a_list_for_a_column_not_in_the_table_is_refused():
    with pytest.raises(ValueError, match="Lead agncy"):
        Table("Plan", HEADER, [], lists={"Lead agncy": AGENCIES})


def test_an_empty_plan_is_still_a_workbook_with_its_header():
    book = read(workbook([Table("Action plan", HEADER, [], lists={"Lead agency": AGENCIES})]))
    sheet = book["Action plan"]
    assert sheet.max_row == 1 and [c.value for c in sheet[1]] == HEADER
    assert sheet.auto_filter.ref == "A1:E1"
    assert str(sheet.data_validations.dataValidation[0].sqref) == "C2:C1001"


DOCX_HEADER = ["Recommendation", "Scope", "Action", "Lead agency", "Deadline"]
GROUPS = [
    [["1. Train staff in coercive control", "Local", "Deliver training\r\nto all teams", "Police", "01/12/2026"],
     ["1. Train staff in coercive control", "Local", "Audit the training", "Health", "31/03/2027"],
     ["1. Train staff in coercive control", "Local", "Report to the board", "Council", "30/06/2027"]],
    [["2. Review the MARAC \x0bprotocol\ufffe", "Regional", "Publish the protocol", "MARAC", "01/02/2027"]],
    [],
]


def read_docx(data):
    return Document(io.BytesIO(data))


def test_the_word_plan_is_an_a4_landscape_table():
    document = read_docx(plan_docx("DHR 2024-01 Adult A", "Action plan, exported 30 November 2026",
                                   DOCX_HEADER, GROUPS))
    section = document.sections[0]
    assert section.orientation == 1  # WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert [p.text for p in document.paragraphs] == ["DHR 2024-01 Adult A", "Action plan, exported 30 November 2026"]
    table, = document.tables
    assert table.style.name == "Table Grid"
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert [c.text for c in header.cells] == DOCX_HEADER
    assert all(r.bold for c in header.cells for r in c.paragraphs[0].runs)
    assert all(r.font.size.pt == 9 for row in table.rows for c in row.cells for p in c.paragraphs for r in p.runs)


def test_each_recommendation_appears_once_beside_its_actions():
    document = read_docx(plan_docx("Plan", "Sub", DOCX_HEADER, GROUPS))
    table, = document.tables
    assert len(table.rows) == 5
    merges = [[tc.vMerge for tc in row._tr.tc_lst] for row in table.rows[1:]]
    assert merges == [["restart", "restart", None, None, None]] + [["continue", "continue", None, None, None]] * 2 + [
        [None] * 5]
    assert table.cell(3, 0).text == "1. Train staff in coercive control"
    assert document.element.body.xml.count("Train staff in coercive control") == 1
    assert [table.cell(row, 2).text for row in range(1, 5)] == [
        "Deliver training\nto all teams", "Audit the training", "Report to the board", "Publish the protocol"]
    assert table.cell(4, 0).text == "2. Review the MARAC protocol"  # characters outside XML dropped


def test_an_empty_plan_is_still_a_document_with_its_header():
    document = read_docx(plan_docx("Plan", "Sub", DOCX_HEADER, []))
    table, = document.tables
    assert len(table.rows) == 1 and [c.text for c in table.rows[0].cells] == DOCX_HEADER
