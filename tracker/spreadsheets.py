"""Spreadsheets in and out: exports that can never carry a formula into Excel, imports read strictly. A refusal
says why in the reader's language."""
import csv
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.parsers import expat

from flask_babel import gettext

from tracker.errors import ValidationFailed
from tracker.forms import CONTROL_CHARACTERS, one_kind_of_line_break
from tracker.i18n import N_
from tracker.uploads import readable_size

#: a cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: the first characters of a cell that neutralise looks into: those, and the apostrophe it adds
_FIRST_OF_FORMULA = frozenset("".join(FORMULA_STARTS) + "'")

# Bounds that make a hostile upload cheap to refuse; a genuine action plan is far inside every one of them.
#: entries in an XLSX or DOCX zip (a workbook has a dozen or so, plus a few per sheet)
MAX_ZIP_ENTRIES = 1_000
#: bytes of all the entries together once decompressed, as declared and as counted while decompressing (a zip can
#: lie about sizes); the text read from a file is at most this, so it bounds the memory a reader needs with it
MAX_UNPACKED_BYTES = 10 * 1024 * 1024
#: XML elements in all the parts of one file: each costs the parsers an object, some all at once
MAX_XML_ELEMENTS = 1_000_000
#: of those, in a Word document, which python-docx holds all at once as a tree (a table cell is four or more)
MAX_WORD_ELEMENTS = 250_000
#: of those, the ones outside sheet rows and shared strings (styles, names, charts…), which openpyxl turns into
#: Python objects all at once
MAX_XML_STRUCTURE = 50_000
#: lxml refuses deeper documents anyway
MAX_XML_DEPTH = 256
#: Excel's own limit (column XFD)
EXCEL_MAX_COLUMNS = 16_384
#: rows read, blank ones included, for every row a file may hold: a stray cell far down a sheet or a million empty
#: <row> elements is refused after this much work, not read to the end
ROWS_SCANNED_PER_ROW_ALLOWED = 10
#: distinct texts in a workbook's shared-string table, which openpyxl holds all at once, for every row allowed
SHARED_STRINGS_PER_ROW_ALLOWED = 10
UNPACK_CHUNK_BYTES = 64 * 1024

ENTITIES_REFUSED = N_("The file uses XML features that are not allowed (entities)")
#: why a workbook or a document is refused, by what it is not
NOT_VALID = {"xlsx": N_("The file is not a valid Excel workbook (.xlsx)"),
             "docx": N_("The file is not a valid Word document (.docx)")}
TOO_MANY_PARTS = {"xlsx": N_("The file has too many parts to be a valid Excel workbook (.xlsx)"),
                  "docx": N_("The file has too many parts to be a valid Word document (.docx)")}
DAMAGED = {"xlsx": N_("The file is not a valid Excel workbook (.xlsx): part of it is damaged"),
           "docx": N_("The file is not a valid Word document (.docx): part of it is damaged")}
SHEET_TOO_WIDE = N_("The sheet ‘%(sheet)s’ has more than %(most)s columns: there is something in column %(column)s. "
                    "Remove the columns after column %(last)s and try again")
TABLE_TOO_WIDE = N_("Table %(number)s has more than %(most)s columns: there is something in column %(column)s. "
                    "Remove the columns after column %(last)s and try again")

_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_ROW, _SHARED_STRING, _VALUE, _INLINE_STRING = (_SHEET_NS + tag for tag in ("row", "si", "v", "is"))
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?\d+")


def label_key(text):
    """A label as people mean it, not as they typed it: case, spaces, punctuation and '&' for 'and' do not count,
    so that "Lead Agency", "lead agency:" and "LEAD  AGENCY" are one header, "MK Act" and "mk-act" one name."""
    text = str(text or "").lower().replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).replace("_", " ").split())


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, which shows it as text. So does
    text already written with apostrophes before such a character ("'=x"), or restore() could not tell it apart."""
    # most cells start otherwise: only those that start with an apostrophe or a formula character are looked into
    if isinstance(value, str) and value[:1] in _FIRST_OF_FORMULA and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value):
    """The inverse of neutralise, for files this tracker exported and someone imports again."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


#: how much CSV text is gathered before it is sent on: a few hundred lines, not one at a time
_CSV_CHUNK = 64 * 1024


def _cell_text(value):
    if type(value) is str:  # most cells: text as it is
        return value
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def csv_lines(header, rows):
    """CSV text, some lines at a time, so that a large export streams instead of filling memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # so that Excel reads the file as UTF-8
    for row in _chain(header, rows):
        writer.writerow([neutralise(_cell_text(v)) for v in row])
        if buffer.tell() >= _CSV_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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


@dataclass(frozen=True)
class Sheet:
    """One sheet of an upload (or one table of a Word document): (row number as the file shows it, cell values)
    for every row that is not blank."""
    name: str
    rows: list[tuple[int, list]]


def read_sheets(filename, data, max_bytes, max_rows=5000, max_cols=60):
    """Every non-empty sheet of a CSV file, Excel workbook or Word document's tables. Cells are text (numbers as
    written), or a date (a datetime when it has a time). Anything unreadable, too big or hostile raises
    ValidationFailed({"file": ...}) in words a coordinator can act on, after bounded work and memory."""
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in _READERS:
        raise _refusal(gettext("The file must be a CSV file or an Excel workbook (.xlsx), or a Word document (.docx) "
                               "with the plan in a table"))
    if not data:
        raise _refusal(gettext("The selected file is empty"))
    if len(data) > max_bytes:
        raise _refusal(gettext("The file must be smaller than %(size)s", size=readable_size(max_bytes)))
    name = os.path.splitext(os.path.basename(filename))[0]
    sheets = _READERS[extension](name, data, _RowCounter(max_rows, max_cols))
    return [sheet for sheet in sheets if sheet.rows]


def read_table(filename, data, max_bytes, max_rows=5000):
    """The first sheet as (header, [(row number, {column: text})]), the header being its first non-blank row;
    dates are ISO text."""
    sheets = read_sheets(filename, data, max_bytes, max_rows)
    if not sheets:
        raise _refusal(gettext("The file has no rows"))
    (_, header), *body = sheets[0].rows
    header = [_cell_text(cell) for cell in header]
    records = []
    for number, cells in body:
        texts = [_cell_text(cell) for cell in cells] + [""] * (len(header) - len(cells))
        records.append((number, dict(zip(header, texts, strict=False))))
    return header, records


def _refusal(message):
    return ValidationFailed({"file": message})


def _too_wide(message, column, max_cols, **where):
    """message (SHEET_TOO_WIDE, TABLE_TOO_WIDE) of the sheet or table `where` names."""
    return _refusal(gettext(message, most=max_cols, column=_column_name(column), last=_column_name(max_cols),
                            **where))


def _column_name(number):
    name = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _column_number(name):
    number = 0
    for letter in name.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _value(value):
    """A cell as the tracker keeps it: text (a number as it was typed), or a date."""
    if value is None:
        return ""
    if isinstance(value, str):
        # restored text can itself start with a tab or a carriage return
        return one_kind_of_line_break(restore(value.strip()).strip())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date() if value.time() == time.min else value
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: rows a published template may have above its header (a title, the review's name, a date)
TITLE_ROWS = 10


class _RowCounter:
    """Counts rows while they are read, so that a file with too many is refused before it has been read whole."""

    def __init__(self, max_rows, max_cols):
        self.max_rows = max_rows
        self.max_cols = max_cols
        self.scan_limit = ROWS_SCANNED_PER_ROW_ALLOWED * max_rows
        self.scanned = 0

    def sheet(self, name, numbered_rows):
        rows = []
        for number, cells in numbered_rows:
            self.scanned += 1
            if self.scanned > self.scan_limit:
                raise _too_many_rows_scanned(self.scan_limit)
            while cells and cells[-1] == "":
                cells.pop()
            _refuse_control_characters(name, number, cells)
            if cells:
                rows.append((number, cells))
                if len(rows) > self.max_rows + TITLE_ROWS + 1:  # titles, the header and max_rows rows of data
                    raise _refusal(gettext("The file has more than %(most)s rows: split it into smaller files",
                                           most=self.max_rows))
        return Sheet(name, rows)


def _refuse_control_characters(sheet, number, cells):
    """A cell holding a control character other than a tab or a line break is refused where it is: such a character
    is never meant, and a title carrying one could break the lines of a calendar feed or an export."""
    for column, cell in enumerate(cells, start=1):
        if isinstance(cell, str) and CONTROL_CHARACTERS.search(cell):
            raise _refusal(gettext("The cell in row %(row)s, column %(column)s of ‘%(sheet)s’ holds an invisible "
                                   "control character: retype that cell, or delete it, and try again", row=number,
                                   column=_column_name(column), sheet=sheet))


def _too_many_rows_scanned(limit):
    return _refusal(gettext("The file has more than %(most)s rows, counting empty ones: delete the empty rows below "
                            "your data, or copy the data into a new file, and try again", most=format(limit, ",")))


def _read_csv(name, data, counter):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refusal(gettext("The CSV file must be saved as UTF-8 (in Excel, choose ‘CSV UTF-8’ when saving)")) \
            from None
    if "\x00" in text:
        raise _refusal(gettext("The CSV file could not be read: it holds binary data, so it is probably another kind "
                               "of file with a .csv name"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [counter.sheet(name, _csv_rows(reader, name, counter.max_cols))]
    except csv.Error as error:
        raise _refusal(gettext("The CSV file could not be read (line %(line)s): %(error)s", line=reader.line_num,
                               error=error)) from None


def _csv_rows(reader, name, max_cols):
    for number, record in enumerate(reader, start=1):
        cells = [_value(field) for field in record]
        while cells and cells[-1] == "":
            cells.pop()
        if len(cells) > max_cols:
            raise _too_wide(SHEET_TOO_WIDE, len(cells), max_cols, sheet=name)
        yield number, cells


def _read_workbook(name, data, counter):
    wide_cells = _check_package(data, "xlsx", counter, MAX_XML_STRUCTURE)
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it leaves out, which do not matter to the values read
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return [_read_worksheet(sheet, wide_cells, counter) for sheet in workbook.worksheets
                        if sheet.sheet_state == "visible"]
            finally:
                workbook.close()
    except ValidationFailed:
        raise
    except Exception:  # openpyxl has no exception of its own for a malformed workbook: any may come
        raise _refusal(gettext(NOT_VALID["xlsx"])) from None


def _read_worksheet(sheet, wide_cells, counter):
    column = wide_cells.get(sheet._worksheet_path)  # openpyxl names the part only privately; tests pin it
    if column:
        raise _too_wide(SHEET_TOO_WIDE, column, counter.max_cols, sheet=sheet.title)
    # Otherwise openpyxl trusts the <dimension> the file declares and pads every row to that width.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_col=counter.max_cols, values_only=True)
    return counter.sheet(sheet.title, ((number, _worksheet_values(row)) for number, row in enumerate(rows, start=1)))


def _worksheet_values(row):
    return [] if row.count(None) == len(row) else [_value(value) for value in row]


def _read_document(name, data, counter):
    _check_package(data, "docx", counter, element_limit=MAX_WORD_ELEMENTS)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        return [counter.sheet(f"Table {number}", _table_rows(table, number, counter.max_cols))
                for number, table in enumerate(document.tables, start=1)]
    except ValidationFailed:
        raise
    except Exception:  # as for openpyxl: any exception may come from a malformed document
        raise _refusal(gettext(NOT_VALID["docx"])) from None


def _table_rows(table, table_number, max_cols):
    """Each row's cells by column of the table's grid. As Excel shows merged cells, a cell merged across columns
    gives its text once (the columns it covers are blank) and one merged down from the row above is blank."""
    for number, row in enumerate(table.rows, start=1):
        cells, column = [], row.grid_cols_before
        for tc in row._tr.tc_lst:
            text = "" if tc.vMerge == "continue" else _value("\n".join(p.text for p in tc.p_lst))
            if text:
                if column >= max_cols:
                    raise _too_wide(TABLE_TOO_WIDE, column + 1, max_cols, number=table_number)
                cells += [""] * (column - len(cells))
                cells.append(text)
            column += tc.grid_span
        yield number, cells


_READERS = {".csv": _read_csv, ".xlsx": _read_workbook, ".xlsm": _read_workbook, ".docx": _read_document}


def _check_package(data, kind, counter, structure_limit=None, element_limit=MAX_XML_ELEMENTS):
    """Refuse a hostile zip before openpyxl or python-docx opens it: too many entries, too much once decompressed
    (by the sizes it declares, then counted while decompressing, since they can lie), XML that declares entities,
    or more elements, rows, cells or shared strings than any genuine file. `kind` is "xlsx" or "docx". Returns
    {part name: column of its first value past the columns read}."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except Exception:  # zipfile raises several kinds for a file that is not a zip
        raise _refusal(gettext(NOT_VALID[kind])) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _refusal(gettext(TOO_MANY_PARTS[kind]))
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise _too_large_unpacked()
    scan = _XmlScan(counter, structure_limit, element_limit)
    unpacked = 0
    try:
        for entry in entries:
            with archive.open(entry) as stream:
                chunk = stream.read(UNPACK_CHUNK_BYTES)
                parser = scan.start(entry.filename) if _looks_like_xml(chunk) else None
                while chunk:
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED_BYTES:
                        raise _too_large_unpacked()
                    if parser:
                        parser.Parse(chunk, False)
                    chunk = stream.read(UNPACK_CHUNK_BYTES)
                if parser:
                    parser.Parse(b"", True)
    except ValidationFailed:
        raise
    except expat.ExpatError as error:
        if error.code == expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
            raise _refusal(gettext(ENTITIES_REFUSED)) from None
        raise _refusal(gettext(DAMAGED[kind])) from None
    except Exception:  # a bad CRC, a truncated entry, an unsupported compression or encryption
        raise _refusal(gettext(DAMAGED[kind])) from None
    return scan.wide_cells


def _too_large_unpacked():
    return _refusal(gettext("The file is too large once unpacked (more than %(size)s MB): split it into smaller files",
                            size=MAX_UNPACKED_BYTES // (1024 * 1024)))


def _looks_like_xml(head):
    """XML in any encoding has a '<' within its first few bytes (after spaces and a byte-order mark)."""
    text = head.lstrip()
    return bool(head) and (not text or b"<" in text[:8])


class _XmlScan:
    """Streams through each XML part of a package with expat, keeping only counters, and refuses what would make
    openpyxl or python-docx slow, huge or unsafe. In sheets it also notes the first value beyond the columns read,
    which openpyxl would silently leave out."""

    def __init__(self, counter, structure_limit, element_limit):
        self.max_cols = counter.max_cols
        self.row_limit = counter.scan_limit
        self.shared_string_limit = SHARED_STRINGS_PER_ROW_ALLOWED * counter.max_rows
        self.structure_limit = structure_limit
        self.element_limit = element_limit
        self.elements = self.structure = self.shared_strings = 0
        self.wide_cells = {}

    def start(self, part):
        """A parser for the next part, whose state starts afresh (the element budget does not)."""
        self.part = part
        self.path = []
        self.data_level = 0  # depth of the row or shared string being read, 0 outside one
        self.rows = self.cells = self.column = 0
        self.wide_cell = self.in_value = False
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = self._refuse_entities
        parser.StartElementHandler = self._start_element
        parser.EndElementHandler = self._end_element
        parser.CharacterDataHandler = self._text
        return parser

    @staticmethod
    def _refuse_entities(*declaration):
        raise _refusal(gettext(ENTITIES_REFUSED))

    def _start_element(self, name, attributes):
        parent = self.path[-1] if self.path else None
        self.path.append(name)
        if not self.data_level and name in (_ROW, _SHARED_STRING):
            self.data_level = len(self.path)
            self.shared_strings += name == _SHARED_STRING
        self.elements += 1
        self.structure += not self.data_level
        if self.shared_strings > self.shared_string_limit:
            raise _refusal(gettext("The file has more than %(most)s different texts: split it into smaller files",
                                   most=format(self.shared_string_limit, ",")))
        if (self.elements > self.element_limit or len(self.path) > MAX_XML_DEPTH
                or (self.structure_limit and self.structure > self.structure_limit)):
            raise _refusal(gettext("The file is too complex to read (it holds too much formatting, or too many "
                                   "objects): copy the plan into a new file, or save it as CSV, and try again"))
        if name == _ROW:
            self._start_row()
        elif parent == _ROW:  # openpyxl reads every child of a row as a cell
            self._start_cell(attributes.get("r") or "")
        elif self.wide_cell and name in (_VALUE, _INLINE_STRING) and len(self.path) > 2 and self.path[-3] == _ROW:
            self.in_value = True

    def _start_row(self):
        self.rows += 1
        if self.rows > self.row_limit:
            raise _too_many_rows_scanned(self.row_limit)
        self.cells = self.column = 0

    def _start_cell(self, reference):
        self.cells += 1
        if self.cells > EXCEL_MAX_COLUMNS:
            raise _refusal(gettext("The file is not a valid Excel workbook (.xlsx): a row has more than %(most)s "
                                   "cells", most=format(EXCEL_MAX_COLUMNS, ",")))
        match = _CELL_REFERENCE.fullmatch(reference)
        self.column = _column_number(match.group(1)) if match else self.column + 1
        self.wide_cell = self.column > self.max_cols

    def _end_element(self, name):
        if len(self.path) == self.data_level:
            self.data_level = 0
        if name in (_VALUE, _INLINE_STRING):
            self.in_value = False
        self.path.pop()

    def _text(self, text):
        if self.in_value and text.strip():
            self.wide_cells.setdefault(self.part, self.column)
