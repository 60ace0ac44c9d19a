"""Report contents against data built here: the right actions in the right groups, the right counts and rates."""
import io
import re
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import text
from tests.e2e.conftest import SCREENSHOTS
from tracker.actions.state import london_today
from tracker.extensions import db
from tracker.reports import services

TODAY = london_today()


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Housing")
    tom = make.member(p, "agency_lead", agency=police, name="Tom Reid")
    ann = make.member(p, "agency_lead", agency=housing, name="Ann Lee")
    chair = make.member(p, "strategic_member", name="Helen Marsh", is_chair=True)
    published = make.review(p, reference="DHR 2024-01", status="published", published_on=date(2025, 1, 5))
    secret = make.review(p, reference="DHR 2025-09")
    rec_public = make.recommendation(published, number="1", agencies=[police])
    rec_secret = make.recommendation(secret, number="1", agencies=[housing], text="About Adult Z")

    def act(title, days, agency=police, owner=tom, **fields):
        return make.action(p, title=title, lead_agency=agency, owner=owner,
                           deadline=TODAY + timedelta(days=days), **fields)

    rows = dict(
        police_late=act("Publish MARAC protocol", -10),
        police_later=act("Train response officers", -40, recommendation_id=rec_public.id, source="dhr"),
        housing_late=act("Ask about abuse at assessment", -3, agency=housing, owner=ann,
                         recommendation_id=rec_secret.id, source="dhr"),
        on_track=act("Commission perpetrator work", 90),
        done_on_time=act("Refresh the strategy", -30, status="completed", completed_on=TODAY - timedelta(days=35)),
        done_late=act("Audit referrals", -60, status="closed", completed_on=TODAY - timedelta(days=50),
                      closed_on=TODAY - timedelta(days=45)),
    )
    make.update(rows["police_late"], tom, note="Draft with the LMC", at=datetime.now(UTC) - timedelta(days=4))
    return dict(p=p, police=police, housing=housing, tom=tom, ann=ann, chair=chair, rows=rows)


def scope(user, world):
    from tracker.accounts.models import User
    from tracker.partnerships.models import Partnership

    return services.scope_for(db.session.get(User, user.id), db.session.get(Partnership, world["p"].id))


def test_overdue_report_groups_counts_and_withholds_what_the_reader_cannot_open(ctx, world):
    report = services.overdue_report(scope(world["chair"], world), TODAY)
    assert report.total == 2 and report.longest == 40 and report.average == 25
    assert {agency: (g.count, g.longest, g.average) for agency, g in report.by_agency.items()} == {
        "Thames Valley Police": (2, 40, 25)}  # the unpublished review's action, and the agency it tasks, are left out
    assert [r.days_overdue for r in report.rows] == [40, 10]  # most overdue first
    assert set(report.by_source) == {"DHR 2024-01", "Partnership strategy action plan"}
    late = next(r for r in report.rows if r.days_overdue == 10)
    assert (late.owner, late.last_update, late.escalation) == ("Tom Reid", "Draft with the LMC", "Not yet escalated")
    assert report.withheld_note == "1 overdue action from a review not yet published is not shown."


def test_the_coordinator_sees_the_confidential_action_in_full(ctx, world, make):
    coordinator = make.member(world["p"], "coordinator")
    report = services.overdue_report(scope(coordinator, world), TODAY)
    assert "Ask about abuse at assessment" in [r.title for r in report.rows] and report.withheld == 0
    assert "DHR 2025-09" in report.by_source


def test_the_delivering_agency_reads_its_action_but_not_the_review_it_answers(ctx, world):
    report = services.overdue_report(scope(world["ann"], world), TODAY)
    [row] = report.rows
    assert row.title == "Ask about abuse at assessment" and row.source == services.UNPUBLISHED_SOURCE
    assert [r["reference"] for r in services.progress_report(scope(world["ann"], world), TODAY).reviews] == [
        "DHR 2024-01"]


def test_an_agency_lead_reads_only_their_agency(ctx, world):
    report = services.overdue_report(scope(world["tom"], world), TODAY)
    assert [r.agency for r in report.rows] == ["Thames Valley Police", "Thames Valley Police"]
    progress = services.progress_report(scope(world["tom"], world), TODAY)
    assert progress.total == 5  # the partnership has six actions; one is the housing agency's


def test_overdue_filters(ctx, world):
    report = services.overdue_report(scope(world["chair"], world), TODAY, agency_id=world["housing"].id)
    assert report.rows == [] and report.withheld == 1
    report = services.overdue_report(scope(world["chair"], world), TODAY, agency_id=world["police"].id)
    assert [r.agency for r in report.rows] == ["Thames Valley Police"] * 2 and report.withheld == 0
    report = services.overdue_report(scope(world["chair"], world), TODAY, source="strategy")
    assert [r.days_overdue for r in report.rows] == [10]


def test_progress_report_counts_and_rates(ctx, world):
    report = services.progress_report(scope(world["chair"], world), TODAY)
    assert report.total == 5 and report.done == 2 and report.completion_rate == 40
    assert (report.on_time, report.late) == (1, 1)
    assert report.by_rag[services.Rag.RED] == 2 and report.by_rag[services.Rag.CLOSED] == 1
    plans = {r["reference"]: r for r in report.reviews}
    assert set(plans) == {"DHR 2024-01"}  # the chair cannot open DHR 2025-09
    assert plans["DHR 2024-01"]["recommendations"] == 1 and plans["DHR 2024-01"]["without_action"] == 0
    trend = report.trend[-1]
    assert trend["open"] == 4 and trend["overdue"] == 2
    assert report.withheld_note == "1 action from a review not yet published is not shown."


def test_learning_report_marks_recurring_and_mostly_overdue_themes(ctx, world, make):
    from tracker.partnerships.models import Partnership
    from tracker.reviews.models import Recommendation
    from tracker.reviews.services import themes_of

    themes = {t.name: t for t in themes_of(db.session.get(Partnership, world["p"].id))}
    for rec in db.session.scalars(sa.select(Recommendation)):
        rec.themes = [themes["Information sharing"]]
    db.session.commit()
    coordinator = make.member(world["p"], "coordinator")
    report = services.learning_report(scope(coordinator, world), TODAY)
    [line] = report["themes"]
    assert (line.theme, line.recommendations, line.reviews, line.actions, line.overdue) == (
        "Information sharing", 2, 2, 2, 2)
    assert line.recurs and line.mostly_overdue
    report = services.learning_report(scope(world["chair"], world), TODAY)  # DHR 2025-09 is not theirs to open
    [line] = report["themes"]
    assert (line.recommendations, line.reviews, line.actions, line.recurs) == (1, 1, 1, False)
    assert [a["agency"] for a in report["agencies"]] == ["Thames Valley Police"]
    assert report["withheld_note"] == "1 recommendation from a review not yet published is not shown."


def _sign_in(make, app, world, person):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.sign_in(person.email)
    return browser


def test_the_overdue_report_as_pdf_xlsx_and_csv(app, make, world):
    browser = _sign_in(make, app, world, world["chair"])
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    page = text(browser.get(base))
    assert "2 overdue actions" in page and "Thames Valley Police 2 40 days 25 days" in page
    assert page.index("Train response officers") < page.index("Publish MARAC protocol")  # most overdue first
    assert "1 overdue action from a review not yet published is not shown." in page

    pdf = browser.get(base + ".pdf")
    assert pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    content = " ".join(page.extract_text() for page in reader.pages)
    assert "Publish MARAC protocol" in content and "Train response officers" in content
    assert "OFFICIAL-SENSITIVE" in content and "Page 1 of" in content and "Milton Keynes" in content
    assert "Adult Z" not in content and "Ask about abuse" not in content and "DHR 2025-09" not in content
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "overdue-report.pdf").write_bytes(pdf.data)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(SCREENSHOTS / "overdue-report.pdf"),
                    str(SCREENSHOTS / "overdue-report-page")], check=True)
    assert (SCREENSHOTS / "overdue-report-page-1.png").stat().st_size > 10_000

    sheet = load_workbook(io.BytesIO(browser.get(base + ".xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Lead agency", "Source", "Action")
    assert sorted(r[5] for r in rows[1:]) == [10, 40]

    csv_text = browser.get(base + ".csv").get_data(as_text=True)
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[1].startswith("Overdue actions,Lead agency,Source,Action")
    assert [line.split(",")[0] for line in lines[2:]] == ["Overdue actions"] * 2 + ["Overdue responses"]


def test_a_strategic_member_of_another_partnership_cannot_read_these_reports(app, make, world):
    other = make.partnership()
    outsider = make.member(other, "strategic_member")
    browser = _sign_in(make, app, world, outsider)
    for report in ("overdue", "progress", "learning", "overdue.pdf", "pack.pdf"):
        assert browser.get(f"/partnerships/{world['p'].id}/reports/{report}").status_code == 403


def test_the_agency_leads_page_says_it_is_limited(app, make, world):
    browser = _sign_in(make, app, world, world["ann"])
    page = text(browser.get(f"/partnerships/{world['p'].id}/reports/overdue"))
    assert "covers the actions of the agencies you lead" in page
    assert "1 overdue action" in page and "Publish MARAC protocol" not in page


def test_the_action_list_streams_as_csv(app, make, world):
    browser = _sign_in(make, app, world, world["chair"])
    response = browser.get(f"/partnerships/{world['p'].id}/actions.csv?overdue=y")
    assert response.headers["Content-Disposition"].startswith("attachment")
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Action,Source,Lead agency")
    assert len(lines) == 1 + 2  # the chair does not get the confidential review's action in a raw export
    assert any(re.match(r"Publish MARAC protocol,", line) for line in lines)


def test_a_long_overdue_list_is_counted_in_full_and_listed_in_part(ctx, world):
    report = services.overdue_report(scope(world["chair"], world), TODAY, listed=1)
    assert [r.title for r in report.rows] == ["Train response officers"] and (report.total, report.more) == (2, 1)
    assert report.longest == 40 and report.by_agency["Thames Valley Police"].count == 2
    second = services.overdue_report(scope(world["chair"], world), TODAY, listed=1, offset=1)
    assert [r.title for r in second.rows] == ["Publish MARAC protocol"]
    assert [r.title for r in services.overdue_register(scope(world["chair"], world), TODAY)] == [
        "Train response officers", "Publish MARAC protocol"]


def test_the_pdf_lists_the_most_overdue_and_names_the_spreadsheet_with_them_all(app, make, world):
    for n in range(services.LISTED + 3):
        make.action(world["p"], title=f"Late action {n}", lead_agency=world["housing"], owner=world["ann"],
                    deadline=TODAY - timedelta(days=100 + n))
    browser = _sign_in(make, app, world, world["chair"])
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    content = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(browser.get(base + ".pdf").data))
                                .pages).split())
    total = services.LISTED + 5
    assert f"{total} overdue actions; on average" in content and "MK Housing 28" in content
    assert f"The {services.LISTED} most overdue" in content and f"Late action {services.LISTED + 2}" in content
    assert "Publish MARAC protocol" not in content  # the least overdue of all
    assert (f"5 more not listed here: every overdue action is in the overdue report's spreadsheet, "
            f"Milton-Keynes-overdue-actions-{TODAY:%Y-%m-%d}.xlsx") in content
    sheet = load_workbook(io.BytesIO(browser.get(base + ".xlsx").data)).active
    assert sheet.max_row == 1 + total  # the spreadsheet holds them all
    second = text(browser.get(base + "?page=2"))
    assert "Publish MARAC protocol" in second and "Showing 26 to 30 of 30" in second


def test_many_sources_are_cut_to_those_with_the_most_overdue_on_the_page_and_in_the_pdf(app, make, world):
    reviews = [make.review(world["p"], reference=f"DHR 2023-{n:02d}", status="published") for n in range(30)]
    for n, review in enumerate(reviews):  # review n has n + 1 overdue actions: DHR 2023-29 the most
        recommendation = make.recommendation(review, number="1", agencies=[world["police"]])
        for _ in range(n + 1):
            make.action(world["p"], title=f"Late for review {n}", lead_agency=world["police"], owner=world["tom"],
                        deadline=TODAY - timedelta(days=20), recommendation_id=recommendation.id, source="dhr")
    browser = _sign_in(make, app, world, world["chair"])
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    page = text(browser.get(base))
    by_source = page[page.index("Overdue actions by source"):page.index("Most overdue first")]
    shown = re.findall(r"DHR 2023-(\d\d)", by_source)
    # 30 reviews, 1 locally raised action and 1 review of the world: 32 sources; the 25 with the most, most first
    assert shown == [f"{n:02d}" for n in range(29, 4, -1)]
    assert "The 25 sources with the most overdue actions, of 32." in page
    content = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(browser.get(base + ".pdf").data))
                                .pages).split())
    sources = content[content.index("By source"):content.index("more sources not listed")]
    assert re.findall(r"DHR 2023-(\d\d)", sources) == shown
    assert "7 more sources not listed here: the overdue report's spreadsheet" in content
    sheet = load_workbook(io.BytesIO(browser.get(base + ".xlsx").data)).active
    assert "DHR 2023-04" in {cell.value for row in sheet.iter_rows() for cell in row}


def test_a_few_sources_are_listed_whole_by_name(ctx, world):
    report = services.overdue_report(scope(world["chair"], world), TODAY)
    assert [g.name for g in report.sources.rows] == list(report.by_source) and report.sources.more == 0
