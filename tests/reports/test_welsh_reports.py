"""Reports in the reader's language: a Welsh reader's pages, spreadsheets and PDFs, with the letters Welsh needs
drawn; the meeting pack to each member of the strategic group in their own language."""
import io
from datetime import timedelta

import pytest
from babel.dates import format_date
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import getFont

from tests.conftest import Browser, text
from tests.reports.welsh import make_welsh, use_welsh
from tracker.actions.state import london_today
from tracker.email import deliver_outbox
from tracker.reports import pdf
from tracker.reports.meetings import send_due_packs
from tracker.reports.models import Meeting

TODAY = london_today()
WELSH = {
    "Overdue actions": "Camau gweithredu sy'n hwyr",
    "Lead agency": "Asiantaeth arweiniol",
    "Source": "Ffynhonnell",
    "Type of review": "Math o adolygiad",
    "At a glance": "Yn gryno",
    "Generated %(date)s": "Crëwyd %(date)s",
    "Page %(page)d of %(pages)d · generated %(date)s": "Tudalen %(page)d o %(pages)d · crëwyd %(date)s",
    "Hello %(name)s,": "Helo %(name)s,",
    "Strategic group pack for %(date)s: %(partnership)s": "Pecyn y grŵp strategol ar gyfer %(date)s: %(partnership)s",
    "Pack for the strategic group meeting of %(date)s": "Pecyn ar gyfer cyfarfod y grŵp strategol ar %(date)s",
    ("%(num)d overdue action; on average %(average)d days late; the longest %(longest)d days.",
     "%(num)d overdue actions; on average %(average)d days late; the longest %(longest)d days."): tuple(
        "%(num)d cam gweithredu yn hwyr; %(average)d diwrnod yn hwyr ar gyfartaledd; yr hiraf %(longest)d diwrnod."
        for _n in range(6)),
}
#: a name with the letters the PDF standard fonts cannot draw
NAME = "Partneriaeth Tŷ Ŵyn â Môn"


@pytest.fixture
def world(app, make, monkeypatch):
    use_welsh(monkeypatch, WELSH)
    p = make.partnership(name=NAME)
    police = make.agency(p, name="Heddlu Gogledd Cymru")
    chair = make.member(p, "strategic_member", is_chair=True, name="Siân Ŵyn")
    member = make.member(p, "strategic_member", name="Tom Reid")
    make_welsh(app, chair)
    make.action(p, title="Cyhoeddi'r protocol â'r bwrdd", lead_agency=police, deadline=TODAY - timedelta(days=9))
    return dict(p=p, chair=chair, member=member)


def _pdf(data):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_the_fonts_draw_the_letters_welsh_needs():
    for name in (pdf.REGULAR, pdf.BOLD):
        face = getFont(name).face
        assert all(ord(letter) in face.charToGlyph for letter in "ŵŷâêîôûŴŶÂ‘’–·…"), name


def test_a_welsh_readers_pdf_is_in_welsh_and_keeps_every_letter(app, world):
    browser = Browser(app.test_client())
    browser.sign_in(world["chair"].email)
    response = browser.get(f"/partnerships/{world['p'].id}/reports/overdue.pdf")
    content = _pdf(response.data)
    assert "Camau gweithredu sy'n hwyr" in content and "Overdue actions" not in content
    assert "1 cam gweithredu yn hwyr; 9 diwrnod yn hwyr ar gyfartaledd" in content
    assert f"Crëwyd {format_date(TODAY, 'd MMM y', locale='cy')}" in content and "Tudalen 1 o 1" in content
    deadline = format_date(TODAY - timedelta(days=9), "d MMM y", locale="cy")
    assert deadline in content and NAME in content and "Cyhoeddi'r protocol â'r bwrdd" in content
    fonts = {str(font["/BaseFont"]) for page in PdfReader(io.BytesIO(response.data)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("LiberationSans" in font for font in fonts), fonts


def test_a_welsh_readers_page_and_spreadsheets_are_in_welsh(app, world):
    browser = Browser(app.test_client())
    browser.sign_in(world["chair"].email)
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    page = text(browser.get(base))
    assert "Camau gweithredu sy'n hwyr" in page and "Math o adolygiad" in page
    workbook = load_workbook(io.BytesIO(browser.get(base + ".xlsx").data))
    sheet = workbook["Camau gweithredu sy'n hwyr"]
    assert next(sheet.iter_rows(max_row=1, values_only=True))[:2] == ("Asiantaeth arweiniol", "Ffynhonnell")
    lines = browser.get(base + ".csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[1].startswith("Camau gweithredu sy'n hwyr,Asiantaeth arweiniol,Ffynhonnell,")


def test_an_english_readers_pdf_is_as_it_was(app, world):
    browser = Browser(app.test_client())
    browser.sign_in(world["member"].email)
    content = _pdf(browser.get(f"/partnerships/{world['p'].id}/reports/overdue.pdf").data)
    assert "Overdue actions" in content and "1 overdue action; on average 9 days late" in content
    assert f"Generated {TODAY.day} {TODAY:%b %Y}" in content and NAME in content


def test_each_member_gets_the_pack_in_their_own_language(mail_app, smtp_server, world, make):
    meeting = make.save(Meeting(partnership_id=world["p"].id, meets_on=TODAY + timedelta(days=3),
                                pack_days_before=7))
    with mail_app.app_context():
        assert send_due_packs(TODAY) == 2
        deliver_outbox()
    [welsh] = smtp_server.to(world["chair"].email)
    [english] = smtp_server.to(world["member"].email)
    welsh_day = format_date(meeting.meets_on, "d MMMM y", locale="cy")
    assert welsh["Subject"] == f"Pecyn y grŵp strategol ar gyfer {welsh_day}: {NAME}"
    assert welsh.get_body(("plain",)).get_content().startswith("Helo Siân Ŵyn,")
    [attachment] = list(welsh.iter_attachments())
    content = _pdf(attachment.get_content())
    assert f"Pecyn ar gyfer cyfarfod y grŵp strategol ar {welsh_day}" in content and "Yn gryno" in content
    english_day = f"{meeting.meets_on.day} {meeting.meets_on:%B %Y}"
    assert english["Subject"] == f"Strategic group pack for {english_day}: {NAME}"
    assert english.get_body(("plain",)).get_content().startswith("Hello Tom Reid,")
    [attachment] = list(english.iter_attachments())
    content = _pdf(attachment.get_content())
    assert f"Pack for the strategic group meeting of {english_day}" in content and "At a glance" in content
