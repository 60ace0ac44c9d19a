"""Spreadsheets in and out: exports that can never carry a formula into Excel, imports read strictly."""
import csv
import io
import os
import zipfile
from datetime import date, datetime

from tracker.errors import ValidationFailed

#: a cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, which shows it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value):
    """The inverse of neutralise, for files this tracker exported and someone imports again."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def csv_lines(header, rows):
    """CSV text, one line at a time, so that a large export streams instead of filling memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # so that Excel reads the file as UTF-8
    for row in _chain(header, rows):
        writer.writerow([neutralise(_cell_text(v)) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header, rows):
    yield header
    yield from rows


def csv_bytes(header, rows):
    return "".join(csv_lines(header, rows)).encode("utf-8")


def xlsx_bytes(header, rows, title="Sheet1"):
    return workbook_bytes([(title, header, rows)])


def workbook_bytes(tables):
    """An XLSX workbook, one sheet per (title, header, rows), every text cell formula-safe."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, header, rows in tables:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([neutralise(h) for h in header])
        for row in rows:
            sheet.append([neutralise(v) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def read_table(filename, data, max_bytes, max_rows=5000):
    """Read a CSV or XLSX upload into (header, [(row number, {column: text})]); refuse anything else clearly."""
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise ValidationFailed({"file": "The file must be a CSV file or an Excel workbook (.xlsx)"})
    if not data:
        raise ValidationFailed({"file": "The selected file is empty"})
    if len(data) > max_bytes:
        raise ValidationFailed({"file": f"The file must be smaller than {max_bytes // (1024 * 1024)} MB"})
    rows = _read_csv(data) if extension == ".csv" else _read_xlsx(data)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ValidationFailed({"file": "The file has no rows"})
    header = [cell.strip() for cell in rows[0]]
    body = rows[1:]
    if len(body) > max_rows:
        raise ValidationFailed({"file": f"The file has more than {max_rows} rows: split it into smaller files"})
    records = []
    for number, row in enumerate(body, start=2):
        cells = [restore(cell.strip()) for cell in row] + [""] * (len(header) - len(row))
        records.append((number, dict(zip(header, cells, strict=False))))
    return header, records


def _read_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "The CSV file must be saved as UTF-8 (in Excel, choose ‘CSV UTF-8’ when "
                                        "saving)"}) from None
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise ValidationFailed({"file": f"The CSV file could not be read: {error}"}) from None


def _read_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed({"file": "The file is not a valid Excel workbook (.xlsx)"}) from None
    try:
        sheet = workbook.worksheets[0]
        return [[_xlsx_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _xlsx_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _cell_text(value)
