"""Every upload handler is bounded: the pages that take a file are found in the URL map (a form with a file input),
each must be one tracker.uploads knows, and each is sent small hostile files (zip bombs in Excel and Word, billion
laughs, JSON nested deep, a 1.4 KB workbook declaring the largest sheet Excel allows) and files over its limit. It
answers with a clear refusal (beside the file field, or a 413 page), never a 500, and the memory Python allocates
while it handles the request stays under MEMORY_BOUND."""
import io
import re
import tracemalloc
import zipfile

import pytest
from werkzeug.test import EnvironBuilder

from tests.conftest import Browser, text
from tests.test_access import _urls, world  # noqa: F401 (a fixture)
from tracker.uploads import FORM_BYTES_BESIDE_A_FILE, UPLOADS

MB = 1024 * 1024
#: the most Python may allocate while one request handles one hostile upload
MEMORY_BOUND = 50 * MB
#: pages whose handler keeps the file as it came, never opening it (evidence is downloaded, not read)
STORED_UNOPENED = {"actions.post_update", "reviews.edit_terms"}
#: what each page's other fields need for the file to be looked at
FIELDS = {"note": "Minutes of the meeting", "status": "in_progress", "started_on": "2/3/2026",
          "reviewer": "Standing Together"}

SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
         'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
         'ContentType="application/xml"/><Override PartName="/{part}" ContentType="{type}"/></Types>')


def _package(main_part, content_type, parts, huge=None):
    """A zip in the Office shape; `huge` = (part, head, bytes of spaces, tail) is streamed in, never held whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", TYPES.format(part=main_part, type=content_type))
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
                                        f'Type="{RELATIONSHIP}/officeDocument" Target="{main_part}"/></Relationships>')
        for name, body in parts.items():
            archive.writestr(name, body)
        if huge:
            name, head, size, tail = huge
            with archive.open(name, "w", force_zip64=True) as part:
                part.write(head.encode())
                spaces = b" " * MB
                for _ in range(size // MB):
                    part.write(spaces)
                part.write(tail.encode())
    return out.getvalue()


def _workbook(sheet_xml=None, huge=None):
    workbook = (f'<workbook xmlns="{SHEET}" xmlns:r="{RELATIONSHIP}"><sheets><sheet name="Plan" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    rels = (f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type="{RELATIONSHIP}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')
    parts = {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels}
    if sheet_xml is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet_xml
    return _package("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    parts, huge)


def _document(body_xml=None, huge=None):
    parts = {} if body_xml is None else {"word/document.xml": body_xml}
    return _package("word/document.xml",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", parts, huge)


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10))
          + "]>")
DIMENSION = (f'<worksheet xmlns="{SHEET}"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" '
             't="inlineStr"><is><t>Recommendation</t></is></c></row></sheetData></worksheet>')


@pytest.fixture(scope="module")
def hostile():
    """name -> (filename, bytes): each small enough to upload, each built to exhaust a reader."""
    files = {
        "xlsx zip bomb": ("plan.xlsx", _workbook(huge=("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{SHEET}">',
                                                       512 * MB, "<sheetData/></worksheet>"))),
        "docx zip bomb": ("plan.docx", _document(huge=("word/document.xml", f'<w:document xmlns:w="{WORD}">',
                                                       512 * MB, "<w:body/></w:document>"))),
        "xlsx billion laughs": ("plan.xlsx", _workbook(LAUGHS + f'<worksheet xmlns="{SHEET}"><sheetData><row r="1">'
                                                       '<c t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                                                       "</sheetData></worksheet>")),
        "docx billion laughs": ("plan.docx", _document(LAUGHS + f'<w:document xmlns:w="{WORD}"><w:body><w:p><w:r>'
                                                       "<w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")),
        "json nested deep": ("benchmark.json", b"[" * 200_000 + b"]" * 200_000),
        "xlsx declaring 16384 x 1048576": ("plan.xlsx", _workbook(DIMENSION)),
    }
    assert all(len(data) < MB for _name, data in files.values())
    assert len(files["xlsx declaring 16384 x 1048576"][1]) < 1500
    return files


def _pages_with_a_file_input(app, values, browser):
    """endpoint -> (form page URL, URL the form posts to, file field name) for every page whose form takes a file."""
    adapter = app.url_map.bind("localhost")
    found = {}
    for _endpoint, url, methods in _urls(app, values):
        if "GET" not in methods or url.startswith("/static"):
            continue
        response = browser.get(url)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        for form in re.findall(r"<form\b[^>]*>.*?</form>", page, flags=re.S):
            field = re.search(r'<input\b[^>]*type="file"[^>]*name="([^"]+)"', form) or \
                re.search(r'<input\b[^>]*name="([^"]+)"[^>]*type="file"', form)
            if field:
                action = re.search(r'<form\b[^>]*action="([^"]*)"', form)
                target = action.group(1) if action and action.group(1) else url
                endpoint, _args = adapter.match(target, method="POST")
                found[endpoint] = (url, target, field.group(1))
    return found


@pytest.fixture
def uploads(app, world):  # noqa: F811 (the fixture imported above)
    """The upload pages, as the administrator (who can open every one) finds them."""
    people, values = world
    browser = Browser(app.test_client())
    browser.sign_in(people["administrator"].email)
    return browser, _pages_with_a_file_input(app, values, browser)


def _form(browser, page_url, field, filename, data):
    """The page's own hidden values (as it is now) and a framework if it asks for one, FIELDS, and the file."""
    page = browser.get(page_url).get_data(as_text=True)
    hidden = [tag for tag in re.findall(r"<input\b[^>]*>", page) if 'type="hidden"' in tag]
    form = {re.search(r'name="([^"]+)"', tag).group(1): re.search(r'value="([^"]*)"', tag).group(1) for tag in hidden}
    framework = re.search(r'<select\b[^>]*name="framework_id".*?<option value="(\d+)"', page, flags=re.S)
    if framework:
        form["framework_id"] = framework.group(1)
    return {**form, **FIELDS, field: (io.BytesIO(data), filename)}


def _measured(browser, url, data):
    """The response and the peak of Python's allocations while the request was handled."""
    environ = EnvironBuilder(path=url, method="POST", data=data, content_type="multipart/form-data").get_environ()
    tracemalloc.start()
    try:
        response = browser.client.open(environ)
        response.get_data()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        environ["wsgi.input"].close()
        response.close()
    return response, peak


def test_every_page_that_takes_a_file_has_a_limit(uploads):
    _browser, found = uploads
    assert set(found) == set(UPLOADS), "give each new upload page a limit in tracker/uploads.UPLOADS"


@pytest.mark.parametrize("name", ["xlsx zip bomb", "docx zip bomb", "xlsx billion laughs", "docx billion laughs",
                                  "json nested deep", "xlsx declaring 16384 x 1048576"])
def test_a_hostile_file_is_refused_clearly_in_bounded_memory_by_every_upload_page(app, uploads, hostile, name):
    browser, found = uploads
    filename, data = hostile[name]
    for endpoint, (page_url, url, field) in sorted(found.items()):
        response, peak = _measured(browser, url, _form(browser, page_url, field, filename, data))
        body = response.get_data(as_text=True)
        assert peak < MEMORY_BOUND, (endpoint, name, peak / MB)
        if endpoint in STORED_UNOPENED:  # kept as evidence, or refused by its type: never opened either way
            assert response.status_code == 302 or f'id="{field}-error"' in body, (endpoint, name, text(response))
        elif name == "xlsx declaring 16384 x 1048576":  # harmless once its dimension is ignored: read, or refused
            assert response.status_code == 302 or 'id="file-error"' in body, (endpoint, name, text(response))
        else:
            assert response.status_code == 200, (endpoint, name, response.status_code)
            assert 'id="file-error"' in body and "There is a problem" in text(response), (endpoint, name)


def test_a_file_over_the_pages_limit_gets_a_413_page_before_it_is_read(app, uploads):
    browser, found = uploads
    for endpoint, (page_url, url, field) in sorted(found.items()):
        limit = app.config[UPLOADS[endpoint]]
        data = b"x" * (limit + FORM_BYTES_BESIDE_A_FILE)
        response, peak = _measured(browser, url, _form(browser, page_url, field, "plan.csv", data))
        assert response.status_code == 413, endpoint
        assert "The file is too large" in text(response), endpoint
        size = {10 * MB: "10 MB", 2 * MB: "2 MB", 512 * 1024: "512 KB"}[limit]
        assert f"The file must be smaller than {size}." in text(response), (endpoint, text(response))
        assert peak < MEMORY_BOUND, (endpoint, peak / MB)


def test_a_page_that_takes_no_file_takes_no_large_body(app, make, as_user):
    p = make.partnership()
    browser = as_user(make.member(p, "coordinator"))
    url = f"/partnerships/{p.id}/reviews/new"
    token = browser.csrf_token(url)
    data = {"csrf_token": token, "reference": "DHR 2026-01",
            "pseudonyms": (io.BytesIO(b"x" * (app.config["FORM_MAX_BYTES"] + 1)), "big.txt")}
    response, peak = _measured(browser, url, data)
    assert response.status_code == 413
    assert "What was sent is too large This page does not take files" in text(response)
    assert peak < MEMORY_BOUND


def _shared_strings_workbook(count):
    """A workbook whose shared-string table (which openpyxl holds whole) has `count` texts."""
    types = TYPES.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    data = _workbook(f'<worksheet xmlns="{SHEET}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                     "</sheetData></worksheet>")
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            body = source.read(entry.filename).decode()
            if entry.filename == "[Content_Types].xml":
                body = types.format(part="xl/workbook.xml", type="application/vnd.openxmlformats-officedocument."
                                                                  "spreadsheetml.sheet.main+xml")
            elif entry.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace("</Relationships>", f'<Relationship Id="rId2" Type="{RELATIONSHIP}/sharedStrings" '
                                                        'Target="sharedStrings.xml"/></Relationships>')
            archive.writestr(entry.filename, body)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{SHEET}">'
                         + "".join(f"<si><t>Text {n}</t></si>" for n in range(count)) + "</sst>")
    return out.getvalue()


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("plan.xlsx", _shared_strings_workbook(50_001), "The file has more than 50,000 different texts"),
    ("plan.docx", _document(f'<w:document xmlns:w="{WORD}"><w:body>' + "<w:p/>" * 250_000 + "</w:body></w:document>"),
     "The file is too complex to read"),
], ids=["shared strings", "word elements"])
def test_what_a_reader_would_hold_all_at_once_is_bounded_before_it_opens_the_file(app, make, as_user, filename,
                                                                                  data, message):
    p = make.partnership()
    review = make.review(p)
    browser = as_user(make.member(p, "coordinator"))
    url = f"/reviews/{review.id}/import"
    response, peak = _measured(browser, url, {"csrf_token": browser.csrf_token(url),
                                              "file": (io.BytesIO(data), filename)})
    assert response.status_code == 200 and message in text(response)
    assert peak < MEMORY_BOUND
    # the same shape with few texts is a workbook like any other, read and taken to the next step
    assert browser.upload(url, {"file": (io.BytesIO(_shared_strings_workbook(2)), "plan.xlsx")}).status_code == 302
