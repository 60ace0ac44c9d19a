"""Regional and national recommendations whose answer is overdue reach the places decisions are made: the overdue
report in every format, the meeting pack, the register (for the panel and the strategic group too) and the
review's page."""
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import text
from tracker.actions.state import london_today
from tracker.extensions import db
from tracker.reports import services

TODAY = london_today()
SECTION = "Responses overdue from bodies outside the partnership"


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Westshire")
    police = make.agency(p, name="Westshire Police")
    people = dict(chair=make.member(p, "strategic_member", is_chair=True), viewer=make.member(p, "viewer"),
                  lead=make.member(p, "agency_lead", agency=police), coordinator=make.member(p, "coordinator"),
                  panel=make.member(p, "panel_member"))
    published = make.review(p, reference="DHR 2022-03", status="published", published_on=TODAY - timedelta(days=300))
    secret = make.review(p, reference="DHR 2026-11", panel=[(people["panel"], True)])

    def national(review, number, body, sent_days_ago=None, due_in=None, **fields):
        sent = TODAY - timedelta(days=sent_days_ago) if sent_days_ago is not None else None
        return make.recommendation(review, number=number, scope="national", external_body=body,
                                   text=f"Recommendation {number} to {body}.", sent_on=sent,
                                   response_due_on=TODAY + timedelta(days=due_in) if due_in is not None else None,
                                   **fields)

    late = national(published, "N1", "Department for Education", 90, -34)
    national(published, "N2", "Home Office", 80, -20, response_received_on=TODAY - timedelta(days=1),
             response_text="Guidance is being revised.")  # answered: not overdue
    national(published, "N3", "NHS England", 10, 46)  # not yet due
    national(published, "N4", "Ministry of Justice")  # not yet sent
    make.recommendation(published, number="R1", scope="regional", external_body="Westshire Police",
                        sent_on=TODAY - timedelta(days=70), response_due_on=TODAY - timedelta(days=1),
                        text="Police should review MARAC referrals.")
    national(secret, "N1", "Department of Health and Social Care", 100, -44)
    return dict(p=p, people=people, published=published, secret=secret, late=late)


def _scope(app, world, who):
    from tracker.accounts.models import User
    from tracker.partnerships.models import Partnership

    return services.scope_for(db.session.get(User, world["people"][who].id),
                              db.session.get(Partnership, world["p"].id))


def test_overdue_responses_are_those_sent_unanswered_and_past_due(app, ctx, world):
    from tracker.accounts.models import User
    from tracker.partnerships.models import Partnership

    responses = services.overdue_responses(_scope(app, world, "chair"), world["p"], TODAY)
    assert [(r.reference, r.number, r.body, r.days_overdue) for r in responses.rows] == [
        ("DHR 2022-03", "N1", "Department for Education", 34), ("DHR 2022-03", "R1", "Westshire Police", 1)]
    assert responses.withheld_note == "1 overdue response from a review not yet published is not shown."
    coordinator = db.session.get(User, world["people"]["coordinator"].id)
    everything = services.overdue_responses(coordinator, db.session.get(Partnership, world["p"].id), TODAY)
    assert everything.rows[0].body == "Department of Health and Social Care" and everything.withheld == 0
    assert everything.total == 3  # a person will do in place of a report's scope


def test_the_overdue_report_carries_them_in_every_format(app, world, as_user):
    browser = as_user(world["people"]["chair"])
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    page = text(browser.get(base))
    assert SECTION in page and "Department for Education" in page and "2 responses overdue" in page
    assert "Department of Health and Social Care" not in page and "DHR 2026-11" not in page
    assert "1 overdue response from a review not yet published is not shown." in page

    rows = list(csv.reader(io.StringIO(browser.get(base + ".csv").get_data(as_text=True).lstrip("\ufeff"))))
    responses = [row[1:] for row in rows if row[0] == "Overdue responses"]
    assert responses[0] == ["Review", "Recommendation", "Body", "Sent", "Response due", "Days overdue"]
    assert responses[1][:3] == ["DHR 2022-03", "N1", "Department for Education"] and responses[1][5] == "34"

    sheet = load_workbook(io.BytesIO(browser.get(base + ".xlsx").data))["Overdue responses"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Department for Education",
                                                                                "Westshire Police"]
    for url in (base + ".pdf", f"/partnerships/{world['p'].id}/reports/pack.pdf"):
        content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(browser.get(url).data)).pages)
        assert SECTION in content and "Department for Education" in content, url
        assert "Department of Health and Social Care" not in content, url


@pytest.mark.parametrize("who, status, sees", [
    ("coordinator", 200, {"DHR 2022-03", "DHR 2026-11"}),
    ("panel", 200, {"DHR 2022-03", "DHR 2026-11"}),
    ("chair", 200, {"DHR 2022-03"}),
    ("viewer", 403, set()),
    ("lead", 403, set()),
])
def test_the_register_is_read_by_the_panel_and_the_strategic_group_each_as_far_as_they_may(world, as_user, who,
                                                                                          status, sees):
    response = as_user(world["people"][who]).get(f"/partnerships/{world['p'].id}/external-recommendations")
    assert response.status_code == status
    if status == 200:
        page = text(response)
        assert {ref for ref in ("DHR 2022-03", "DHR 2026-11") if ref in page} == sees
        assert "No response, 34 days past due" in page
        assert "/external/" in response.get_data(as_text=True)  # each body's loop, as far as they may
        assert ("recommendation from a review not yet published is not shown" in page) is (who == "chair")


def test_the_review_page_shows_where_each_loop_stands(app, world, as_user):
    from tracker.bodies.models import BodyRecommendation

    with app.app_context():
        late = db.session.scalar(db.select(BodyRecommendation.id).where(
            BodyRecommendation.recommendation_id == world["late"].id))
    coordinator = as_user(world["people"]["coordinator"])
    page = text(coordinator.get(f"/reviews/{world['published'].id}"))
    assert "Department for Education No response, 34 days past due" in page
    assert "Home Office Response received, not yet assessed" in page
    assert "NHS England Open: response awaited" in page and "Ministry of Justice Not yet sent" in page
    loop = text(coordinator.get(f"/external/{late}"))
    assert f"Sent {TODAY - timedelta(days=90):%-d %B %Y}" in loop
    assert f"Answer due {TODAY - timedelta(days=34):%-d %B %Y}" in loop


def test_a_page_lists_the_most_overdue_and_says_how_many_more_the_spreadsheet_holds(app, world, make, as_user):
    for n in range(30):
        make.recommendation(world["published"], number=f"M{n}", scope="national", external_body="Home Office",
                            sent_on=TODAY - timedelta(days=200), response_due_on=TODAY - timedelta(days=100 + n))
    browser = as_user(world["people"]["chair"])
    base = f"/partnerships/{world['p'].id}/reports/overdue"
    page = text(browser.get(base))
    assert "32 responses overdue" in page
    assert "7 more overdue answers are not listed here" in page  # 25 listed, the most overdue first
    assert "M29" in page and "R1" not in page.split(SECTION)[1]
    rows = list(csv.reader(io.StringIO(browser.get(base + ".csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len([row for row in rows if row[0] == "Overdue responses"]) == 33  # the header and every one
    home = text(browser.get("/"))
    assert "32 responses overdue from bodies outside the partnership" in home


def test_the_report_sends_the_same_statements_with_no_overdue_answer_as_with_many(app, make, as_user):
    """What a page sends must not depend on what it holds (the page bench compares partnerships on it)."""
    from tests.querycount import count_queries

    p = make.partnership(name="Northshire")
    browser = as_user(make.member(p, "coordinator"))
    review = make.review(p, reference="DHR 2024-01", status="published", published_on=TODAY - timedelta(days=90))
    pages = [f"/partnerships/{p.id}/reports/overdue", f"/partnerships/{p.id}/reports/overdue.csv", "/"]

    def counts():
        found = {}
        for url in pages:
            with count_queries(app) as counted:
                assert browser.get(url).status_code == 200, url
            found[url] = counted.count
        return found

    none = counts()
    for n in range(3):
        make.recommendation(review, number=f"N{n}", scope="national", external_body="Home Office",
                            sent_on=TODAY - timedelta(days=100), response_due_on=TODAY - timedelta(days=44 + n))
    assert "3 responses overdue" in text(browser.get(pages[0]))
    assert counts() == none
