"""The progress report's review plans: the page and the PDF list a bounded part of a long list and say where the
whole is; the spreadsheets hold every review."""
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import text


def test_thirty_reviews_are_paged_on_the_report_cut_in_the_pdf_and_whole_in_the_spreadsheets(app, make, as_user):
    p = make.partnership(name="Milton Keynes")
    coordinator = make.member(p, "coordinator")
    for n in range(30):
        make.recommendation(make.review(p, reference=f"DHR 2025-{n + 1:02d}", status="published"))
    base = f"/partnerships/{p.id}/reports/progress"
    browser = as_user(coordinator)

    first = text(browser.get(base))
    listed = re.findall(r"DHR 2025-\d\d", first)
    assert listed == [f"DHR 2025-{n:02d}" for n in range(1, 26)]
    assert "25 reviews to a page. The Excel and CSV downloads hold every review in full." in first
    assert "Showing 1 to 25 of 30" in first
    second = browser.get(base + "?page=2").get_data(as_text=True)
    assert re.findall(r"DHR 2025-\d\d", second) == [f"DHR 2025-{n}" for n in range(26, 31)]
    assert 'href="/partnerships/%d/reports/progress?page=1#review-plans"' % p.id in second

    csv = browser.get(base + ".csv").get_data(as_text=True)
    assert all(f"DHR 2025-{n:02d}" in csv for n in range(1, 31))
    sheets = load_workbook(io.BytesIO(browser.get(base + ".xlsx").data))
    cells = {cell.value for sheet in sheets for row in sheet.iter_rows() for cell in row}
    assert {f"DHR 2025-{n:02d}" for n in range(1, 31)} <= cells

    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(browser.get(base + ".pdf").data)).pages)
    assert "DHR 2025-25" in pdf and "DHR 2025-26" not in pdf
    assert "5 more reviews not listed here: the progress report's spreadsheet" in " ".join(pdf.split())


def test_a_few_reviews_are_listed_without_pages(app, make, as_user):
    p = make.partnership(name="Milton Keynes")
    coordinator = make.member(p, "coordinator")
    make.recommendation(make.review(p, reference="DHR 2025-01", status="published"))
    page = text(as_user(coordinator).get(f"/partnerships/{p.id}/reports/progress"))
    assert "DHR 2025-01" in page and "to a page" not in page and "Showing" not in page
