"""Reading uploads: CSV, Excel and Word tables come back as numbered rows of text and dates; anything hostile or
broken is refused with a sentence for the coordinator, after bounded time and memory."""
import csv
import io
import struct
import tracemalloc
import zipfile
from datetime import date, datetime

import docx
import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from tracker.errors import ValidationFailed
from tracker.spreadsheets import (
    MAX_UNPACKED_BYTES,
    TITLE_ROWS,
    Sheet,
    csv_bytes,
    neutralise,
    read_sheets,
    read_table,
    restore,
)

MB = 1024 * 1024
SHEET_XML = "xl/worksheets/sheet1.xml"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
TOO_LARGE = "The file is too large once unpacked (more than 10 MB): split it into smaller files"
DAMAGED = "The file is not a valid Excel workbook (.xlsx): part of it is damaged"


def _read(filename, data, **bounds):
    return read_sheets(filename, data, 10 * MB, **bounds)


def _refusal(filename, data, **bounds):
    with pytest.raises(ValidationFailed) as refused:
        _read(filename, data, **bounds)
    return refused.value.errors["file"]


def _measured(filename, data):
    """(the sheets or the refusal, peak memory in MB) of reading the file."""
    tracemalloc.start()
    try:
        outcome = _read(filename, data)
    except ValidationFailed as refused:
        outcome = refused.errors["file"]
    finally:
        peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return outcome, peak


def _workbook(fill=None):
    book = Workbook()
    if fill:
        fill(book)
    else:
        book.active.append(["Recommendation", "Action"])
        book.active.append(["1.1", "Train staff"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def _entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _with_part(data, part, body):
    """The package with one part replaced, as an editor of the XML inside would leave it."""
    return _zip({**_entries(data), part: body})


def _with_sheet(xml):
    return _with_part(_workbook(), SHEET_XML, xml.encode())


def _document(build):
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Genuine files


def test_a_csv_file_is_numbered_as_excel_shows_it():
    data = ("\ufeffAction plan,,\n"
            "\n"
            "Number,Action,Due\n"
            '1.1,"  Train staff\n  in two groups  ",31/10/2026,,\n'
            ",,\n"
            f"1.2,{neutralise('=HYPERLINK()')},\n").encode()
    assert _read("MK plan.csv", data) == [Sheet("MK plan", [
        (1, ["Action plan"]),
        (3, ["Number", "Action", "Due"]),
        (4, ["1.1", "Train staff\n  in two groups", "31/10/2026"]),
        (6, ["1.2", "=HYPERLINK()"]),
    ])]


def test_a_csv_file_without_a_byte_order_mark_reads_the_same():
    assert _read("plan.csv", "Café,Noël\n".encode()) == [Sheet("plan", [(1, ["Café", "Noël"])])]


def _plan_sheet(book):
    sheet = book.active
    sheet.title = "Action plan"
    sheet.append(["Domestic homicide review: action plan"])
    sheet.append([])
    sheet.append(["Number", "Recommendation", "Due", "Reviewed at", "Actions", "Rate", "Done", "Owner"])
    sheet.append([1, " Train\nstaff ", datetime(2026, 10, 31), datetime(2026, 10, 31, 9, 30), 12.0, 2.5, True,
                  neutralise("-MK Act")])
    sheet.append([])
    sheet.append([2, "Share records", date(2027, 1, 15), None, 3, None, False, "Police"])
    sheet.append([None, "Second action for 2"])
    sheet.merge_cells("A6:A7")


def test_an_excel_sheet_keeps_row_numbers_dates_and_text():
    assert _read("plan.xlsx", _workbook(_plan_sheet)) == [Sheet("Action plan", [
        (1, ["Domestic homicide review: action plan"]),
        (3, ["Number", "Recommendation", "Due", "Reviewed at", "Actions", "Rate", "Done", "Owner"]),
        (4, ["1", "Train\nstaff", date(2026, 10, 31), datetime(2026, 10, 31, 9, 30), "12", "2.5", "TRUE", "-MK Act"]),
        (6, ["2", "Share records", date(2027, 1, 15), "", "3", "", "FALSE", "Police"]),
        (7, ["", "Second action for 2"]),  # under a merged block, as Excel shows it
    ])]


def test_a_macro_enabled_workbook_is_read_as_data():
    assert _read("plan.xlsm", _workbook()) == [Sheet("Sheet", [(1, ["Recommendation", "Action"]),
                                                               (2, ["1.1", "Train staff"])])]


def test_every_visible_sheet_is_read_and_hidden_chart_and_empty_ones_are_not():
    def sheets(book):
        book.active.title = "Police"
        book.active["B2"] = "Police actions"
        hidden = book.create_sheet("Lists")
        hidden.append(["Open", "Closed"])
        hidden.sheet_state = "hidden"
        secret = book.create_sheet("Secret")
        secret.append(["x"])
        secret.sheet_state = "veryHidden"
        book.create_sheet("Empty")
        book.create_sheet("Health").append(["Health actions"])
        chart = BarChart()
        chart.add_data(Reference(book["Police"], min_col=2, min_row=2, max_row=2))
        book.create_chartsheet("Chart").add_chart(chart)

    assert _read("plan.xlsx", _workbook(sheets)) == [Sheet("Police", [(2, ["", "Police actions"])]),
                                                     Sheet("Health", [(1, ["Health actions"])])]


def test_word_tables_are_sheets_and_merged_cells_read_as_excel_shows_them():
    def tables(document):
        document.add_paragraph("Action plan")
        plan = document.add_table(rows=4, cols=3)
        for row, texts in enumerate([["Number", "Action", "Lead"], ["1", "Train staff", "Police"],
                                     ["", "Audit training", "Health"], ["2", "Share records", "Council"]]):
            for column, text in enumerate(texts):
                plan.cell(row, column).text = text
        plan.cell(1, 0).merge(plan.cell(2, 0))  # one recommendation over two actions
        plan.cell(3, 1).merge(plan.cell(3, 2))  # one action across two columns
        plan.cell(1, 1).add_paragraph("by March")
        document.add_table(rows=2, cols=2)  # empty: left out, but the numbering stays true
        document.add_table(rows=1, cols=1).cell(0, 0).text = "Notes"

    assert _read("plan.docx", _document(tables)) == [
        Sheet("Table 1", [(1, ["Number", "Action", "Lead"]),
                          (2, ["1", "Train staff\nby March", "Police"]),
                          (3, ["", "Audit training", "Health"]),
                          (4, ["2", "Share records\nCouncil"])]),
        Sheet("Table 3", [(1, ["Notes"])]),
    ]


def test_read_table_gives_the_first_sheet_as_records_with_true_row_numbers():
    header, records = read_table("plan.xlsx", _workbook(_plan_sheet), 10 * MB)
    assert header == ["Domestic homicide review: action plan"]
    assert [number for number, _ in records] == [3, 4, 6, 7]
    assert records[1] == (4, {"Domestic homicide review: action plan": "1"})

    header, records = read_table("plan.csv", b"Number,Due,Done\n\n1,2026-10-31\n", 10 * MB)
    assert (header, records) == (["Number", "Due", "Done"], [(3, {"Number": "1", "Due": "2026-10-31", "Done": ""})])


def test_read_table_writes_dates_as_iso_text():
    def dated(book):
        book.active.append(["Due", "Reviewed at"])
        book.active.append([datetime(2026, 10, 31), datetime(2026, 10, 31, 9, 30)])

    assert read_table("plan.xlsx", _workbook(dated), 10 * MB)[1] == [
        (2, {"Due": "2026-10-31", "Reviewed at": "2026-10-31T09:30:00"})]


# Files refused for what they are


@pytest.mark.parametrize("filename, data, message", [
    ("plan.pdf", b"%PDF-1.4", "The file must be a CSV file or an Excel workbook (.xlsx), or a Word document (.docx)"),
    ("plan", b"a,b", "The file must be a CSV file or an Excel workbook (.xlsx)"),
    ("plan.csv", b"", "The selected file is empty"),
    ("plan.csv", b"a" * (10 * MB + 1), "The file must be smaller than 10 MB"),
    ("plan.csv", "Number,Action\n1,Café\n".encode("latin-1"), "The CSV file must be saved as UTF-8"),
    ("plan.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The CSV file must be saved as UTF-8"),
    ("plan.csv", b"Number,Action\n1,Train\x00staff\n", "it holds binary data"),
    ("plan.csv", b'a,"' + b"x" * 200_000 + b'"\n', "The CSV file could not be read (line 1): field larger than"),
    ("plan.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not a valid Excel workbook (.xlsx)"),
    ("plan.xlsx", b"PK\x03\x04 not really a workbook", "The file is not a valid Excel workbook (.xlsx)"),
    ("plan.docx", b"PK\x05\x06" + b"\x00" * 18, "The file is not a valid Word document (.docx)"),
])
def test_files_that_are_not_what_they_say_are_refused(filename, data, message):
    assert message in _refusal(filename, data)


def test_a_word_document_named_as_a_workbook_and_the_reverse_are_refused():
    document = _document(lambda d: d.add_table(rows=1, cols=1))
    assert _refusal("plan.xlsx", document) == "The file is not a valid Excel workbook (.xlsx)"
    assert _refusal("plan.docx", _workbook()) == "The file is not a valid Word document (.docx)"


def test_a_zip_without_its_workbook_part_is_refused():
    entries = _entries(_workbook())
    del entries["xl/workbook.xml"]
    assert _refusal("plan.xlsx", _zip(entries)) == "The file is not a valid Excel workbook (.xlsx)"


def test_a_truncated_or_corrupted_zip_is_refused():
    data = _workbook()
    assert "not a valid Excel workbook" in _refusal("plan.xlsx", data[:len(data) // 2])
    corrupted = bytearray(data)
    local = data.index(b"PK\x03\x04")
    name_length, extra_length = struct.unpack("<HH", data[local + 26:local + 30])
    corrupted[local + 30 + name_length + extra_length + 5] ^= 0xFF  # inside the first entry's compressed data
    assert "part of it is damaged" in _refusal("plan.xlsx", bytes(corrupted))


def test_malformed_xml_in_a_sheet_is_refused():
    assert _refusal("plan.xlsx", _with_sheet(f"<worksheet {MAIN}><sheetData><row><c><v>1</v></row></worksheet>")) == (
        DAMAGED)


@pytest.mark.parametrize("xml", [
    f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&foo;</t></is></c></row>'
    "</sheetData></worksheet>",
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
    "</sheetData></worksheet>",
    '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    "</sheetData></worksheet>",
], ids=["undefined", "billion laughs", "external"])
def test_xml_entities_are_refused(xml):
    assert _refusal("plan.xlsx", _with_sheet(xml)) == "The file uses XML features that are not allowed (entities)"


def test_xml_entities_in_a_word_document_are_refused():
    data = _document(lambda d: d.add_table(rows=1, cols=1))
    body = _entries(data)["word/document.xml"].decode()
    hostile = body.replace("?>", '?><!DOCTYPE w [<!ENTITY lol "lol">]>', 1).replace("<w:tc>", "<w:tc>&lol;", 1)
    message = _refusal("plan.docx", _with_part(data, "word/document.xml", hostile.encode()))
    assert message == "The file uses XML features that are not allowed (entities)"


# Bounds


def test_more_rows_than_allowed_are_refused():
    allowed = 1 + TITLE_ROWS + 10  # title rows above the header, the header, then the rows of data
    rows = "".join(f"{n},action {n}\n" for n in range(allowed + 1))
    assert _read("plan.csv", rows[:rows.index(f"{allowed},")].encode(), max_rows=10)[0].rows[-1][0] == allowed
    assert _refusal("plan.csv", rows.encode(), max_rows=10) == (
        "The file has more than 10 rows: split it into smaller files")

    def long(book):
        for n in range(allowed + 1):
            book.active.append([n])

    assert _refusal("plan.xlsx", _workbook(long), max_rows=10) == (
        "The file has more than 10 rows: split it into smaller files")


def test_more_columns_than_allowed_are_refused():
    assert _refusal("plan.csv", (",".join("x" * 61) + "\n").encode()) == (
        "The sheet ‘plan’ has more than 60 columns: there is something in column BI. Remove the columns after "
        "column BH and try again")
    trailing_commas = ("a" + "," * 100 + "\n").encode()
    assert _read("plan.csv", trailing_commas) == [Sheet("plan", [(1, ["a"])])]


def test_a_word_cell_spanning_a_billion_columns_is_refused_without_building_them():
    def spanning(document):
        first, second = document.add_table(rows=1, cols=2).rows[0].cells
        second.text = "far away"
        first._tc.grid_span = 1_000_000_000  # python-docx's own row.cells would now build a billion

    assert "Table 1 has more than 60 columns" in _refusal("plan.docx", _document(spanning))


def test_a_huge_declared_dimension_costs_nothing():
    data = _with_sheet(f'<worksheet {MAIN}><dimension ref="A1:XFD1048576"/><sheetData>'
                       '<row r="1"><c r="A1" t="inlineStr"><is><t>Number</t></is></c></row>'
                       '<row r="3"><c r="B3"><v>7</v></c></row></sheetData></worksheet>')
    sheets, peak = _measured("plan.xlsx", data)
    assert sheets == [Sheet("Sheet", [(1, ["Number"]), (3, ["", "7"])])]
    assert peak < 50


@pytest.mark.parametrize("rows, message", [
    ('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>',
     "The sheet ‘Sheet’ has more than 60 columns: there is something in column XFD"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>2</v></c></row>',
     "The file has more than 50,000 rows, counting empty ones"),
    ("<row/>" * 60_000, "The file has more than 50,000 rows, counting empty ones"),
    ('<row r="1">' + "<c/>" * 20_000 + "</row>", "a row has more than 16,384 cells"),
    ("<junk/>" * 1_100_000, "The file is too complex to read"),
    ("<x>" * 300 + "</x>" * 300, "The file is too complex to read"),
], ids=["column XFD", "last row", "empty rows", "wide row", "junk", "deep"])
def test_a_sheet_built_to_exhaust_the_reader_is_refused_in_bounded_memory(rows, message):
    outcome, peak = _measured("plan.xlsx", _with_sheet(f"<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>"))
    assert message in outcome
    assert peak < 50


def test_cells_past_the_last_column_read_are_fine_when_blank():
    cells = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="XFD{n}" s="0"/><c r="XFE{n}"><v></v></c></row>'
                    for n in range(1, 4))
    assert _read("plan.xlsx", _with_sheet(f"<worksheet {MAIN}><sheetData>{cells}</sheetData></worksheet>")) == [
        Sheet("Sheet", [(1, ["1"]), (2, ["2"]), (3, ["3"])])]


def test_too_much_formatting_is_refused():
    styles = _entries(_workbook())["xl/styles.xml"].replace(b'<cellXfs count="1">', b"<cellXfs>" + b"<xf/>" * 60_000)
    assert "The file is too complex to read" in _refusal("plan.xlsx", _with_part(_workbook(), "xl/styles.xml", styles))


def test_too_many_zip_entries_are_refused():
    entries = {**_entries(_workbook()), **{f"xl/media/image{n}.png": b"" for n in range(1_000)}}
    assert _refusal("plan.xlsx", _zip(entries)) == "The file has too many parts to be a valid Excel workbook (.xlsx)"


@pytest.fixture(scope="module")
def deflate_bomb():
    """A workbook whose sheet is 200 MB of spaces: a few hundred KB once compressed, written without holding it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in _entries(_workbook()).items():
            if name != SHEET_XML:
                archive.writestr(name, body)
        with archive.open(SHEET_XML, "w") as sheet:
            spaces = b" " * MB
            for _ in range(4 * MAX_UNPACKED_BYTES // MB):
                sheet.write(spaces)
    return out.getvalue()


def _declaring_size(data, name, size, headers):
    """The zip with an entry's uncompressed size falsified in its local and/or central directory header."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 1)
    size_at = {"local": local + 22, "central": central + 24}
    data = bytearray(data)
    for header in headers:
        data[size_at[header]:size_at[header] + 4] = struct.pack("<I", size)
    return bytes(data)


def test_a_deflate_bomb_is_refused_in_bounded_memory(deflate_bomb):
    assert len(deflate_bomb) < 2 * MB
    outcome, peak = _measured("plan.xlsx", deflate_bomb)
    assert outcome == TOO_LARGE
    assert peak < 50


@pytest.mark.parametrize("headers, message", [
    (["local"], TOO_LARGE),  # zipfile goes by the central directory
    (["central"], DAMAGED),  # zipfile stops at the declared size, and then the checksum does not match
    (["local", "central"], DAMAGED),
])
def test_a_deflate_bomb_that_lies_about_its_size_is_still_refused(deflate_bomb, headers, message):
    outcome, peak = _measured("plan.xlsx", _declaring_size(deflate_bomb, SHEET_XML, 1_000, headers))
    assert outcome == message
    assert peak < 50


@given(st.text())
@example("'+4")
@example("''=1+1")
def test_restore_gives_back_exactly_what_neutralise_was_given(text):
    assert restore(neutralise(text)) == text


# Whatever the bytes, a list of sheets or a refusal


def _sheets_or_refusal(filename, data):
    try:
        sheets = _read(filename, data)
    except ValidationFailed as refused:
        assert set(refused.errors) == {"file"} and refused.errors["file"]
        event(refused.errors["file"][:70])  # shown by --hypothesis-show-statistics
        return
    event("read")
    assert all(isinstance(sheet, Sheet) and sheet.rows for sheet in sheets)
    for sheet in sheets:
        for number, cells in sheet.rows:
            assert number >= 1 and cells and cells[-1] != ""
            assert all(type(cell) in (str, date, datetime) for cell in cells)


@given(st.binary(max_size=2_000))
@example(b"\x00")
@example(b'"' + b"x" * 131_073)
def test_any_bytes_as_csv(data):
    _sheets_or_refusal("plan.csv", data)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=500))
def test_any_text_as_csv(text):
    _sheets_or_refusal("plan.csv", text.encode())


SMALL_WORKBOOK = _workbook(_plan_sheet)


def _small_table(document):
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Number"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "Train staff"


SMALL_DOCUMENT = _document(_small_table)


@pytest.mark.parametrize("filename, original", [("plan.xlsx", SMALL_WORKBOOK), ("plan.docx", SMALL_DOCUMENT)])
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=8))
def test_a_zip_with_bytes_flipped(filename, original, flips):
    data = bytearray(original)
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    _sheets_or_refusal(filename, bytes(data))


XML_PIECES = st.sampled_from([
    "<", ">", "</c>", "<c>", '<c r="XFD1">', "<v>", "</v>", '<row r="0">', "&", "&lt;", "<!DOCTYPE x>", "]]>", "\x00",
    '<c t="s"><v>99</v></c>', '<c t="d"><v>x</v></c>', '<c t="b"><v>7</v></c>', '<c s="9"><v>1e400</v></c>',
    '<row r="-1">', '<c r="A0">', '<w:gridSpan w:val="-3"/>', '<w:vMerge/>', "<w:tc>", "</w:tr>"])


@pytest.mark.parametrize("filename, original, part", [("plan.xlsx", SMALL_WORKBOOK, SHEET_XML),
                                                      ("plan.xlsx", SMALL_WORKBOOK, "xl/styles.xml"),
                                                      ("plan.docx", SMALL_DOCUMENT, "word/document.xml")])
@given(splices=st.lists(st.tuples(st.floats(0, 1), st.one_of(XML_PIECES, st.text(max_size=20))),
                        min_size=1, max_size=6))
def test_a_part_with_text_spliced_into_its_xml(filename, original, part, splices):
    """Mostly between tags, so that the XML often stays well-formed and the reader behind the check is reached."""
    xml = _entries(original)[part].decode()
    for where, text in splices:
        boundaries = [0] + [at + 1 for at, character in enumerate(xml) if character == ">"]
        at = boundaries[int(where * (len(boundaries) - 1))]
        xml = xml[:at] + text + xml[at:]
    _sheets_or_refusal(filename, _with_part(original, part, xml.encode("utf-8", "surrogatepass")))


def test_the_csv_reader_agrees_with_the_csv_module_on_ordinary_text():
    rows = [["Number", "Action"], ["1.1", "Train, then audit"], ["1.2", 'Say "no"']]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    assert _read("plan.csv", out.getvalue().encode())[0].rows == [(1, rows[0]), (2, rows[1]), (3, rows[2])]


@given(st.lists(st.one_of(st.none(), st.text(), st.integers(), st.floats(allow_nan=False), st.dates(),
                          st.sampled_from(["=SUM(A1)", "'=x", "''+1", "-5", "@home", "\tx", "'plain", "'"])),
                min_size=1, max_size=6), st.integers(min_value=1, max_value=400))
@example(["=1+1", None, date(2027, 3, 1), -3], 1)
def test_a_csv_download_holds_each_value_as_text_a_spreadsheet_will_not_run(values, copies):
    """Every cell of a CSV download reads back as the value's text, neutralised where a spreadsheet would run it as
    a formula, however many rows (they are sent some hundreds at a time)."""
    rows = [values] * copies
    data = csv_bytes(["h"] * len(values), rows).decode("utf-8").removeprefix("\ufeff")
    read = list(csv.reader(io.StringIO(data, newline="")))
    expected = ["" if v is None else v.isoformat() if isinstance(v, date) else str(v) for v in values]
    assert read[1:] == [[neutralise(text) for text in expected]] * copies
    assert all(not text.lstrip("'").startswith(("=", "+", "-", "@", "\t", "\r")) or text.startswith("'")
               for row in read[1:2] for text in row)
