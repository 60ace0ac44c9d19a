"""Action plan files as partnerships publish them, built here so that tests need no fixtures on disk: the Home
Office template in Excel and Word, with its title rows, its own headers, merged-looking blank cells, free-text
completion cells, several addressees in one cell, and national bodies."""
import csv
import io
from datetime import date

from docx import Document
from openpyxl import Workbook

HOME_OFFICE_HEADER = ["Recommendation", "Scope of recommendation (i.e. local or regional)", "Action to take",
                      "Lead Agency", "Key milestones achieved in enacting recommendation", "Target Date",
                      "Date of Completion and Outcome"]

#: the shape of a published plan: numbers in the recommendation cell's row only, blank cells under a merged
#: recommendation, completion as free text, one row naming an addressee with no action yet, dates as people type
#: them and one as Excel stores it
HOME_OFFICE_ROWS = [
    ["1. Agencies should share MARAC outcomes with the victim's GP.", "Local",
     "Publish a protocol for sharing MARAC outcomes with GPs", "MPS", "Draft agreed by the LMC", "31/10/2016",
     "Completed: 31 October 2016"],
    ["", "", "Train GP practice safeguarding leads in the protocol", "Health / Children's Services",
     "Two sessions booked", "October 2016", "Ongoing"],
    ["2. Housing should ask every applicant about domestic abuse.", "Local", "", "MK Housing", "", "", ""],
    ["3. The Home Office should update its statutory guidance on DHRs.", "National",
     "Write to the Home Office with the panel's findings", "Home Office", "", date(2016, 10, 31),
     "31-Oct-16 – letter sent"],
]


def xlsx(rows, header=HOME_OFFICE_HEADER, title_rows=(("Domestic Homicide Review: action plan",), ()),
         sheet_title="Action plan", extra_sheets=()):
    """A workbook with title rows above the header, as the template has; dates may be real date cells."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for title in title_rows:
        sheet.append(list(title))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for name, sheet_header, sheet_rows in extra_sheets:
        other = book.create_sheet(name)
        other.append(sheet_header)
        for row in sheet_rows:
            other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx(rows, header=HOME_OFFICE_HEADER):
    """The plan as a Word table, the recommendation cell merged down beside its actions."""
    document = Document()
    document.add_heading("Action plan", level=1)
    table = document.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    start = None
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value.isoformat() if isinstance(value, date) else str(value)
        if row[0]:
            start = len(table.rows) - 1
        elif start is not None:
            top = table.cell(start, 0)
            text = top.text
            top.merge(table.cell(len(table.rows) - 1, 0)).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def csv_file(rows, header):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
