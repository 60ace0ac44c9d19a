"""The action plan as files people work in: an Excel workbook to edit and filter, a Word table to paste into a
review's overview report. Pure functions from rows to bytes, so that any view or command can use them."""
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext

from tracker.spreadsheets import neutralise

#: characters outside XML 1.0 make openpyxl and python-docx refuse to save; openpyxl's ILLEGAL_CHARACTERS_RE
#: misses U+FFFE, U+FFFF and lone surrogates, which fail just the same
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Excel refuses these in sheet names; "History" is reserved by Excel, "Lists" holds the drop-down values
NOT_IN_SHEET_NAME = re.compile(r"[\\/*?:\[\]]")
LISTS_SHEET = "Lists"
#: column widths in characters: narrow enough for a date, never so wide that one column fills the screen
MIN_WIDTH, MAX_WIDTH = 10, 60
WIDTH_SAMPLE = 200
#: blank rows below the data that keep the drop-downs, for actions people add in Excel
VALIDATION_MARGIN = 1000


def xml_text(value):
    """Text that can always be saved, whatever was pasted into the tracker."""
    return NOT_XML.sub("", "" if value is None else str(value))


@dataclass
class Table:
    """One sheet of a workbook; `lists` maps a column header to the values its drop-down offers."""

    title: str
    header: list[str]
    rows: list[list]
    lists: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.lists) - set(self.header)
        if unknown:  # a drop-down silently missing is worse than an error at export time
            raise ValueError(f"Drop-down lists for columns not in the header: {sorted(unknown)}")


def workbook(tables):
    """An XLSX workbook, one formatted sheet per table, drop-downs fed from a hidden "Lists" sheet because an
    inline list cannot exceed 255 characters, and agency names together do."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    taken = {"history"} | ({LISTS_SHEET.lower()} if any(t.lists for t in tables) else set())
    sheets = [book.create_sheet(_sheet_title(table.title, taken)) for table in tables]
    ranges = {}  # list values -> range on the Lists sheet, so that sheets with the same list share one column
    for sheet, table in zip(sheets, tables, strict=True):
        _write_table(sheet, table)
        for column, name in enumerate(table.header, start=1):
            values = tuple(table.lists.get(name, ()))
            if values:
                if values not in ranges:
                    ranges[values] = _write_list(book, name, values, len(ranges) + 1)
                _add_drop_down(sheet, column, len(table.rows), ranges[values])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _sheet_title(title, taken):
    """Excel's rules for sheet names (31 characters, some refused, unique ignoring case), applied so that any
    partnership, review or agency name can title a sheet."""
    base = NOT_IN_SHEET_NAME.sub("-", xml_text(title)).strip(" '") or "Sheet"
    candidate, number = base[:31].rstrip(" '"), 1  # nor may it start or end with an apostrophe
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[:31 - len(suffix)].rstrip(" '") + suffix
    taken.add(candidate.lower())
    return candidate


def _write_table(sheet, table):
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    alignment, bold = Alignment(wrap_text=True, vertical="top"), Font(bold=True)
    for column, name in enumerate(table.header, start=1):
        cell = sheet.cell(row=1, column=column, value=_cell_value(name))
        cell.font, cell.alignment = bold, alignment
    for row_number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=_cell_value(value))
            cell.alignment = alignment
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy hh:mm" if isinstance(value, datetime) else "dd/mm/yyyy"
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
    last = get_column_letter(len(table.header))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    for column, sample in enumerate(zip(table.header, *table.rows[:WIDTH_SAMPLE]), start=1):
        widest = max(_display_width(v) for v in sample)
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))


def _cell_value(value):
    """Text made formula-safe after cleaning, so that a control character cannot hide a leading '='."""
    return neutralise(xml_text(value)) if isinstance(value, str) else value


def _display_width(value):
    if value is None:
        return 0
    if isinstance(value, date):
        return 16 if isinstance(value, datetime) else 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    return max(len(line) for line in str(value).splitlines() or [""])


def _write_list(book, name, values, column):
    """One column of the hidden Lists sheet; returns the absolute range a validation formula refers to."""
    from openpyxl.utils import get_column_letter

    if LISTS_SHEET not in book.sheetnames:
        book.create_sheet(LISTS_SHEET).sheet_state = "hidden"
    sheet = book[LISTS_SHEET]
    for row, value in enumerate([name, *values], start=1):
        sheet.cell(row=row, column=column, value=_cell_value(value))
    letter = get_column_letter(column)
    return f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"


def _add_drop_down(sheet, column, row_count, source):
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    # openpyxl's showDropDown is Excel's inverted flag: False is what shows the arrow
    validation = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False,
                                showErrorMessage=True, errorTitle=gettext("Not in the list"),
                                error=gettext("Choose a value from the drop-down list."))
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}{row_count + 1 + VALIDATION_MARGIN}")
    sheet.add_data_validation(validation)


def plan_docx(title, subtitle, header, groups, merge_columns=2):
    """The plan as a Word table in the Home Office layout: A4 landscape, a header row repeated on every page, rows
    that never break across pages, and each group's first `merge_columns` cells (the recommendation and its scope,
    taken from the group's first row) merged so that they appear once beside their actions."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Mm

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(1.5)
    document.add_heading(xml_text(title), level=1)
    document.add_paragraph(xml_text(subtitle))
    groups = [group for group in groups if group]
    table = document.add_table(rows=1 + sum(len(group) for group in groups), cols=len(header))
    table.style = "Table Grid"
    for row in table.rows:
        _row_property(row, "w:cantSplit")
    _row_property(table.rows[0], "w:tblHeader")  # after cantSplit, as the schema orders them
    for column, name in enumerate(header):
        _fill(table.cell(0, column), name, bold=True)
    first = 1
    for group in groups:
        for offset, values in enumerate(group):
            for column, value in enumerate(values):
                if offset == 0 or column >= merge_columns:
                    _fill(table.cell(first + offset, column), value)
        if len(group) > 1:
            for column in range(min(merge_columns, len(header))):
                table.cell(first, column).merge(table.cell(first + len(group) - 1, column))
        first += len(group)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _row_property(row, tag):
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement(tag))


def _fill(cell, value, bold=False):
    """Small type, and a line break for each newline, which python-docx would otherwise double for CR LF."""
    from docx.shared import Pt

    run = cell.paragraphs[0].add_run("\n".join(xml_text(value).splitlines()))
    run.font.size = Pt(9)
    if bold:
        run.font.bold = True
