"""The audit log reads as people write: what changed in words, names for ids, labels for codes, dates as
"31 January 2027", times to the minute in UK time, the reason after a colon; views of a confidential review are
counted per person per day; filters, pages and a CSV download that keep to the reader's scope."""
import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tests.querycount import count_queries
from tracker.accounts.models import User
from tracker.actions.models import Action
from tracker.actions.services import move_deadline, post_update, sign_off
from tracker.actions.state import london_today
from tracker.audit.models import AuditEntry
from tracker.audit.services import acting_as
from tracker.audit.words import audited_kinds, field_spec
from tracker.db import utcnow
from tracker.enums import AuditEvent
from tracker.extensions import db
from tracker.reviews.models import Recommendation

#: a moment as the log shows it: "3 November 2026, 14:05"
MINUTE = re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|"
                    r"December) \d{4}, \d{2}:\d{2}\b")


def _log(browser, partnership, query=""):
    return text(browser.get(f"/partnerships/{partnership.id}/audit{query}"))


def _at(*parts):
    return datetime(*parts, tzinfo=UTC)


def _entries(app, rows):
    """Entries as the log holds them, written straight in at the moments the test needs."""
    with app.app_context():
        db.session.execute(sa.insert(AuditEntry), [
            {"changes": {}, "note": "", "entity_label": "", "entity_id": 1, "event": AuditEvent.UPDATE, **row}
            for row in rows])
        db.session.commit()


def _csv(browser, url):
    """The download as rows, checking it is a streamed attachment."""
    response = browser.client.get(url)
    try:
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.is_streamed and "attachment" in response.headers["Content-Disposition"]
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    finally:
        response.close()


@pytest.fixture
def mk(app, make, as_user):
    """Milton Keynes: two coordinators, an agency lead, a panel member, a review with a recommendation and an
    action answering it, an action of the strategy plan; and Luton, another partnership."""
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    people = {
        "priya": make.member(p, "coordinator", name="Priya Shah"),
        "tom": make.member(p, "coordinator", name="Tom Reid"),
        "ann": make.member(p, "agency_lead", agency=police, name="Ann Lead"),
        "ben": make.member(p, "agency_lead", agency=police, name="Ben Owner"),
        "sam": make.member(p, "panel_member", name="Sam Panel"),
        "viewer": make.member(p, "viewer", name="Vic Viewer"),
    }
    review = make.review(p, reference="DHR 2024/03", panel=[(people["sam"], True)])
    other_review = make.review(p, reference="DHR 2025/01")
    recommendation = make.recommendation(review, number="4", agencies=[police])
    answer = make.action(p, title="Record coercive control flags", lead_agency=police, owner=people["ann"],
                         recommendation_id=recommendation.id, source="dhr")
    plan = make.action(p, title="Train GP practices in routine enquiry", lead_agency=police,
                       owner=people["ann"], deadline=date(2026, 11, 11))
    luton = make.partnership(name="Luton")
    return dict(p=p, police=police, review=review, other_review=other_review, recommendation=recommendation,
                answer=answer, plan=plan, luton=luton, luton_coordinator=make.member(luton, "coordinator"),
                **people)


def _signed_in(as_user, mk, who):
    return as_user(mk[who])


# Words


def test_a_deadline_move_reads_as_a_sentence_with_who_and_why(app, mk, as_user):
    with app.app_context(), acting_as(mk["tom"].id):
        action = db.session.get(Action, mk["plan"].id)
        move_deadline(action, db.session.get(User, mk["tom"].id), date(2027, 1, 31), "Christmas leave freeze",
                      expected_version=action.version)
    page = _log(as_user(mk["priya"]), mk["p"])
    assert ("Action: Train GP practices in routine enquiry Deadline moved from 11 November 2026 to 31 January "
            "2027 by Tom Reid: Christmas leave freeze") in page
    assert "Deadline moved: Christmas" not in page  # the reason once, after the sentence


def test_creating_changing_and_deleting_a_record_read_in_words(app, mk, as_user):
    priya = as_user(mk["priya"])
    base = f"/partnerships/{mk['p'].id}/agencies"
    priya.post(f"{base}/new", {"name": "MK Act", "sector": "specialist_da_service"})
    with app.app_context():
        from tracker.partnerships.models import Agency

        agency_id = db.session.scalar(sa.select(Agency.id).where(Agency.name == "MK Act"))
    priya.post(f"{base}/{agency_id}/edit", {"name": "MK Action", "sector": "housing"})
    priya.post(f"{base}/{agency_id}/delete", {})
    page = _log(priya, mk["p"])
    assert "Agency: MK Action Deleted by Priya Shah Sector: Housing" in page
    assert ("Agency: MK Action Agency name changed from MK Act to MK Action by Priya Shah Sector changed from "
            "Specialist domestic abuse service to Housing") in page
    assert "Agency: MK Act Created by Priya Shah Sector: Specialist domestic abuse service" in page
    for raw in ("specialist_da_service", "→", "sector :", "(empty)", "partnership_id", "None"):
        assert raw not in page


def test_people_agencies_statuses_and_dates_are_named_not_coded(app, mk, as_user):
    with app.app_context():
        action = db.session.get(Action, mk["plan"].id)
        with acting_as(mk["tom"].id):
            action.owner_id = mk["ben"].id
            db.session.commit()
        post_update(action, db.session.get(User, mk["ben"].id), note="Training delivered to 40 practices",
                    status="completed", completion_note="40 practices trained", expected_version=action.version)
        with acting_as(mk["priya"].id):
            sign_off(action, db.session.get(User, mk["priya"].id), outcome="as_planned",
                     reference="SG minute 14/2026", closed_on=london_today())
    page = _log(as_user(mk["priya"]), mk["p"])
    today = f"{london_today():%-d %B %Y}"
    assert "Owner changed from Ann Lead to Ben Owner by Tom Reid" in page
    assert "Status changed from Not started to Completed, awaiting sign-off by the system: Progress update" in page
    assert ("Status changed from Completed, awaiting sign-off to Closed by Priya Shah: Signed off: SG minute "
            "14/2026") in page
    assert f"Sign-off date set to {today}" in page
    assert "Person who signed it off set to Priya Shah" in page
    assert "Outcome set to Implemented as planned" in page
    assert ("Progress update: Update on: Train GP practices in routine enquiry Created by the system: Progress "
            "update Written by: Ben Owner Update: Training delivered to 40 practices") in page
    for raw in ("closed_by_id", "owner_id", "as_planned", "completed", str(london_today())):
        assert raw not in page


def test_times_are_to_the_minute_in_uk_time(app, mk, as_user):
    _entries(app, [
        dict(at=_at(2026, 7, 1, 13, 5, 42, 123456), partnership_id=mk["p"].id, entity_type="Agency",
             entity_label="Summer", user_id=mk["tom"].id),
        dict(at=_at(2026, 11, 3, 14, 5, 59), partnership_id=mk["p"].id, entity_type="Agency",
             entity_label="Winter", user_id=mk["tom"].id),
    ])
    page = _log(as_user(mk["priya"]), mk["p"], "?record=Agency")
    assert "1 July 2026, 14:05 Agency: Summer Changed by Tom Reid" in page  # British Summer Time
    assert "3 November 2026, 14:05 Agency: Winter Changed by Tom Reid" in page  # Greenwich Mean Time
    assert not re.search(r"\d\d:\d\d:\d\d", page) and "123456" not in page  # no seconds, no microseconds


def test_deleted_people_and_unknown_kinds_of_record_still_read_in_words(app, mk, as_user):
    _entries(app, [
        dict(at=_at(2026, 11, 3, 9, 0), partnership_id=mk["p"].id, entity_type="Action", entity_id=mk["plan"].id,
             entity_label="Train GP practices in routine enquiry", user_id=mk["tom"].id,
             changes={"owner_id": [2_000_000_000, mk["ben"].id], "deadline_is_month": [True, False],
                      "estimated_cost": ["1500.00", "2250.50"], "recovery_codes": ["(changed, not shown)"] * 2}),
        dict(at=_at(2026, 11, 3, 10, 0), partnership_id=mk["p"].id, entity_type="SafetyPlanNote",
             entity_label="Note 7", user_id=None,
             changes={"review_due_on": ["2026-11-01", "2026-12-01"], "is_shared_with_police": [None, True]}),
    ])
    page = _log(as_user(mk["priya"]), mk["p"])
    assert ("Owner changed from a deleted user to Ben Owner by Tom Reid Deadline given as a month changed from yes "
            "to no Estimated cost changed from £1,500.00 to £2,250.50 Recovery codes changed (not shown)") in page
    assert ("Safety plan note: Note 7 Review due on changed from 1 November 2026 to 1 December 2026 by the "
            "system Is shared with police set to yes") in page


def test_secrets_are_named_but_never_shown(app, make, as_user):
    person = make.user(name="Kim Known")
    as_user(person).post("/account/password", {"current_password": "correct horse battery staple",
                                               "password": "another fine passphrase",
                                               "confirm": "another fine passphrase"})
    admin = as_user(make.user(is_administrator=True))
    page = text(admin.get(f"/admin/audit?record=User&person={person.id}"))
    assert "Account: Kim Known Password changed (not shown) by Kim Known" in page
    created = text(admin.get("/admin/audit?record=User&person=system"))
    assert "Account: Kim Known Created by the system" in created and "Password: (not shown)" in created
    assert "argon2" not in page + created and "(changed, not shown)" not in page + created


def test_every_kind_of_record_and_every_detail_has_a_name_in_words(app):
    """A new model or column never shows a raw name: each gets a label, written or humanised."""
    with app.app_context():
        kinds = audited_kinds()
        assert {"Action", "Review", "ReminderPolicy", "Membership"} <= {kind for kind, _ in kinds}
        for kind, label in kinds:
            assert "_" not in label and not re.search(r"[a-z][A-Z]", label), label
            model = next(m.class_ for m in db.Model.registry.mappers if m.class_.__name__ == kind)
            for column in sa.inspect(model).column_attrs:
                name = field_spec(kind, column.key).label
                assert "_" not in name and name[0].isupper() and not name.endswith(" id"), (kind, name)
        assert dict(kinds)["ReminderPolicy"] == "Reminder schedule"
        assert field_spec("Action", "closed_by_id").label == "Person who signed it off"
        assert field_spec("Review", "status").label == "Stage"  # as the review's form names it


# Views of confidential reviews


def test_views_of_a_confidential_review_are_one_line_per_person_per_day(app, mk, as_user):
    sam = as_user(mk["sam"])
    for _ in range(3):
        assert sam.get(f"/reviews/{mk['review'].id}").status_code == 200
    priya = as_user(mk["priya"])
    priya.get(f"/reviews/{mk['review'].id}")
    page = _log(priya, mk["p"], "?record=Review")
    today = f"{london_today():%-d %B %Y}"
    assert re.search(rf"Review: DHR 2024/03 Viewed 3 times on {today} by Sam Panel, (at|between) ", page)
    assert re.search(rf"Review: DHR 2024/03 Viewed once on {today} by Priya Shah, at ", page)
    assert page.count("Viewed") == 2
    with app.app_context():  # the entries themselves are kept one per view
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.event == AuditEvent.VIEW)) == 4


def test_views_are_counted_by_the_database_per_uk_day(app, mk, as_user):
    review, sam, tom = mk["review"].id, mk["sam"].id, mk["tom"].id
    view = dict(partnership_id=mk["p"].id, entity_type="Review", entity_id=review, entity_label="DHR 2024/03",
                event=AuditEvent.VIEW)
    _entries(app, [
        dict(view, at=_at(2020, 7, 1, 22, 30), user_id=sam),  # 23:30 on 1 July in the UK
        dict(view, at=_at(2020, 7, 1, 23, 30), user_id=sam),  # 00:30 on 2 July
        dict(view, at=_at(2020, 7, 2, 8, 15), user_id=sam),
        dict(view, at=_at(2020, 7, 2, 15, 40), user_id=sam),  # 16:40 on 2 July
        dict(view, at=_at(2020, 7, 2, 9, 0), user_id=tom),  # someone else the same day
        dict(view, at=_at(2020, 7, 2, 9, 5), user_id=sam, entity_id=mk["other_review"].id,
             entity_label="DHR 2025/01"),  # another review
        dict(view, at=_at(2020, 11, 2, 23, 59), user_id=sam),  # GMT: the UK day is the UTC day
        dict(view, at=_at(2020, 11, 3, 0, 1), user_id=sam),
    ])
    priya = as_user(mk["priya"])
    page = _log(priya, mk["p"], "?record=Review&since=1/7/2020&until=30/11/2020")
    lines = re.findall(r"Review: (DHR \d+/\d+) (Viewed .*?, (?:at \d\d:\d\d|between \d\d:\d\d and \d\d:\d\d))", page)
    assert lines == [
        ("DHR 2024/03", "Viewed once on 3 November 2020 by Sam Panel, at 00:01"),
        ("DHR 2024/03", "Viewed once on 2 November 2020 by Sam Panel, at 23:59"),
        ("DHR 2024/03", "Viewed 3 times on 2 July 2020 by Sam Panel, between 00:30 and 16:40"),
        ("DHR 2025/01", "Viewed once on 2 July 2020 by Sam Panel, at 10:05"),
        ("DHR 2024/03", "Viewed once on 2 July 2020 by Tom Reid, at 10:00"),
        ("DHR 2024/03", "Viewed once on 1 July 2020 by Sam Panel, at 23:30"),
    ]
    assert "6 entries match these filters" in page
    rows = _csv(priya, f"/partnerships/{mk['p'].id}/audit.csv?record=Review&since=1/7/2020&until=30/11/2020")
    assert [row[5] for row in rows[1:]] == [headline for _, headline in lines]
    assert rows[3][:5] == ["2 July 2020, 16:40", "Sam Panel", "Milton Keynes", "Review", "DHR 2024/03"]


# Filters and pages


def test_filters_by_person_kind_and_uk_dates(app, mk, as_user):
    common = dict(partnership_id=mk["p"].id)
    _entries(app, [
        dict(common, at=_at(2020, 7, 1, 22, 30), entity_type="Agency", entity_label="Late on 1 July",
             user_id=mk["tom"].id),
        dict(common, at=_at(2020, 7, 1, 23, 30), entity_type="Agency", entity_label="Early on 2 July",
             user_id=mk["tom"].id),
        dict(common, at=_at(2020, 7, 2, 22, 59), entity_type="Theme", entity_label="Last minute of 2 July",
             user_id=mk["priya"].id),
        dict(common, at=_at(2020, 7, 2, 23, 0), entity_type="Agency", entity_label="First minute of 3 July",
             user_id=None),
    ])
    priya = as_user(mk["priya"])
    day = _log(priya, mk["p"], "?since=2/7/2020&until=2 July 2020")
    assert "Early on 2 July" in day and "Last minute of 2 July" in day
    assert "Late on 1 July" not in day and "First minute of 3 July" not in day
    tom = _log(priya, mk["p"], f"?person={mk['tom'].id}&since=1/7/2020&until=3/7/2020")
    assert "Late on 1 July" in tom and "Early on 2 July" in tom and "Last minute of 2 July" not in tom
    system = _log(priya, mk["p"], "?person=system&since=1/7/2020&until=3/7/2020")
    assert "1 entry matches these filters" in system and "First minute of 3 July Changed by the system" in system
    themes = _log(priya, mk["p"], "?record=Theme&since=2020-07-01&until=2020-07-31")
    assert "Theme: Last minute of 2 July" in themes and "Agency:" not in themes


@pytest.mark.parametrize("query, field, message, kept", [
    ("?since-day=31&since-month=2&since-year=2026", "since", "The ‘From’ date must be a real date",
     ("31", "2", "2026")),
    ("?since-day=next&since-month=tuesday&since-year=&until=1/7/2026", "since",
     "The ‘From’ date must be a real date", ("next", "tuesday", "")),
    ("?since=2/7/2026&until-day=1&until-month=7&until-year=2026", "until",
     "The ‘To’ date must be the same as or after the ‘From’ date", ("1", "7", "2026")),
])
def test_a_date_that_is_not_a_date_is_an_error_beside_its_field(app, mk, as_user, query, field, message, kept):
    priya = as_user(mk["priya"])
    response = priya.get(f"/partnerships/{mk['p'].id}/audit{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in text(response) and "Correct the dates to see the log" in text(response)
    assert re.search(rf'id="{field}-error"[^>]*>.*?{re.escape(message)}', html, re.S)
    for part, value in zip(("day", "month", "year"), kept, strict=True):  # nothing typed is lost
        assert re.search(rf'id="{field}-{part}"[^>]*value="{value}"', html), (part, value)
    # the download refuses the same way rather than ignore the date
    download = priya.get(f"/partnerships/{mk['p'].id}/audit.csv{query}")
    assert download.mimetype == "text/html" and "There is a problem" in text(download)


def test_the_review_filter_finds_everything_about_the_review(app, mk, as_user):
    with app.app_context():
        deleted = Recommendation(review_id=mk["review"].id, number="9", text="Deleted later.")
        with acting_as(mk["priya"].id):
            db.session.add(deleted)
            db.session.commit()
            db.session.delete(deleted)
            db.session.commit()
    with app.app_context(), acting_as(mk["ann"].id):
        action = db.session.get(Action, mk["answer"].id)
        post_update(action, db.session.get(User, mk["ann"].id), note="Flags now recorded", status="in_progress",
                    expected_version=action.version)
    with app.app_context(), acting_as(mk["priya"].id):
        db.session.get(Action, mk["plan"].id).title = "Train every GP practice"
        db.session.commit()
    priya = as_user(mk["priya"])
    as_user(mk["sam"]).get(f"/reviews/{mk['other_review'].id}")
    page = _log(priya, mk["p"], f"?review={mk['review'].id}")
    for shown in ("Review: DHR 2024/03 Created", "Review panel member: Sam Panel on the panel of DHR 2024/03",
                  "Recommendation: Recommendation 4 Created", "Recommendation: Recommendation 9 Created",
                  "Recommendation: Recommendation 9 Deleted by Priya Shah",
                  "Action: Record coercive control flags Status changed from Not started to In progress by Ann Lead",
                  "Progress update: Update on: Record coercive control flags Created by Ann Lead"):
        assert shown in page
    assert "DHR 2025/01" not in page.split("Download as CSV")[1]
    assert "Train every GP practice" not in page and "Agency:" not in page


def test_pages_of_25_keep_the_filters_in_their_links(app, mk, as_user):
    _entries(app, [dict(at=_at(2020, 11, 3, 9, n), partnership_id=mk["p"].id, entity_type="Theme",
                        entity_label=f"Theme {n:02d}", user_id=mk["tom"].id) for n in range(30)])
    priya = as_user(mk["priya"])
    query = f"?record=Theme&person={mk['tom'].id}&since=3/11/2020"
    first = priya.get(f"/partnerships/{mk['p'].id}/audit{query}")
    assert "Showing 1 to 25 of 30" in text(first)
    assert "Theme 29" in text(first) and "Theme 04" not in text(first)
    link = re.search(r'href="([^"]*page=2[^"]*)"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert "record=Theme" in link and f"person={mk['tom'].id}" in link and "since=3/11/2020" in link
    second = text(priya.get(link))
    assert "Showing 26 to 30 of 30" in second and "Theme 04" in second and "Theme 05" not in second
    download = re.search(r'href="([^"]*audit\.csv[^"]*)"', first.get_data(as_text=True)).group(1)
    assert len(_csv(priya, download.replace("&amp;", "&"))) == 31  # the header and every line, not one page


# The download


def test_the_download_is_the_log_in_words_with_formulas_neutralised(app, mk, make, as_user):
    sneaky = make.member(mk["p"], "coordinator", name="=cmd|' /C calc'!A0")
    as_user(sneaky).post(f"/partnerships/{mk['p'].id}/agencies/new",
                         {"name": "@SUM(1+1)*cmd|' /C calc'!A0", "sector": "police"})
    with app.app_context(), acting_as(mk["tom"].id):
        action = db.session.get(Action, mk["plan"].id)
        move_deadline(action, db.session.get(User, mk["tom"].id), date(2027, 1, 31), "-Christmas leave freeze",
                      expected_version=action.version)
    rows = _csv(as_user(mk["priya"]), f"/partnerships/{mk['p'].id}/audit.csv")
    assert rows[0] == ["When", "Who", "Partnership", "Kind of record", "Record", "What happened", "Details"]
    moved, created = rows[1], rows[2]
    assert MINUTE.fullmatch(moved[0])
    assert moved[1:6] == ["Tom Reid", "Milton Keynes", "Action", "Train GP practices in routine enquiry",
                          "Deadline moved from 11 November 2026 to 31 January 2027 by Tom Reid: -Christmas leave "
                          "freeze"]
    assert created[1] == "'=cmd|' /C calc'!A0" and created[4] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert created[5:] == ["Created by =cmd|' /C calc'!A0", "Sector: Police"]
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_the_download_keeps_the_filters(app, mk, as_user):
    priya = as_user(mk["priya"])
    priya.post(f"/partnerships/{mk['p'].id}/agencies/new", {"name": "MK Act", "sector": "police"})
    rows = _csv(priya, f"/partnerships/{mk['p'].id}/audit.csv?record=Agency&person={mk['priya'].id}")
    assert [row[4] for row in rows[1:]] == ["MK Act"]


# Bounded work and who sees what


def test_a_page_costs_the_same_queries_however_varied_its_lines(app, mk, make, as_user):
    priya = as_user(mk["priya"])
    url = f"/partnerships/{mk['p'].id}/audit"
    priya.get(url)
    with count_queries(app) as few:
        priya.get(url)
    owners = [make.member(mk["p"], "agency_lead", agency=mk["police"]) for _ in range(6)]
    agencies = [make.agency(mk["p"]) for _ in range(6)]
    with app.app_context():
        action = db.session.get(Action, mk["plan"].id)
        for owner, agency in zip(owners, agencies, strict=True):
            with acting_as(owner.id):
                action.owner_id, action.lead_agency_id = owner.id, agency.id
                db.session.commit()
    _entries(app, [dict(at=utcnow(), partnership_id=mk["p"].id, entity_type="Review", entity_id=mk["review"].id,
                        entity_label="DHR 2024/03", event=AuditEvent.VIEW, user_id=owner.id) for owner in owners])
    with count_queries(app) as many:
        page = text(priya.get(url))
    assert "Showing 1 to 25 of" in page and "Viewed once" in page and "Lead agency changed from" in page
    assert many.count == few.count


def test_each_reader_sees_only_their_scope(app, mk, make, as_user):
    luton_agency = make.agency(mk["luton"], name="Bedfordshire Police")
    as_user(mk["luton_coordinator"]).post(f"/partnerships/{mk['luton'].id}/agencies/{luton_agency.id}/edit",
                                          {"name": "Luton Police", "sector": "police"})
    priya = as_user(mk["priya"])
    priya.post(f"/partnerships/{mk['p'].id}/people/{mk['tom'].id}", {"name": "Tom Reid-Smith",
                                                                        "email": mk["tom"].email})
    luton_review = make.review(mk["luton"], reference="LUT 2026/01")
    page = _log(priya, mk["p"], f"?review={luton_review.id}&person={mk['luton_coordinator'].id}")
    rows = _csv(priya, f"/partnerships/{mk['p'].id}/audit.csv?review={luton_review.id}")
    for seen in (page, "\n".join(",".join(row) for row in rows)):
        assert "Thames Valley Police" in seen
        assert "Luton Police" not in seen and "Bedfordshire" not in seen and "LUT 2026/01" not in seen
        assert "Full name changed" not in seen and "Account:" not in seen  # accounts belong to no partnership
    for who in ("ann", "sam", "viewer", "luton_coordinator"):
        browser = as_user(mk[who])
        for url in (f"/partnerships/{mk['p'].id}/audit", f"/partnerships/{mk['p'].id}/audit.csv",
                    "/admin/audit", "/admin/audit.csv"):
            assert browser.get(url).status_code == 403, (who, url)
    admin = as_user(make.user(is_administrator=True))
    rows = _csv(admin, "/admin/audit.csv")
    everything = "\n".join(",".join(row) for row in rows)
    assert "Luton Police" in everything and "Thames Valley Police" in everything
    accounts = _csv(admin, "/admin/audit.csv?partnership=none&record=User")
    assert {row[2] for row in accounts[1:]} == {""}
    assert ["Tom Reid-Smith", "Full name changed from Tom Reid to Tom Reid-Smith by Priya Shah"] in [
        row[4:6] for row in accounts]
    luton = text(admin.get(f"/admin/audit?partnership={mk['luton'].id}"))
    assert "Luton Police" in luton and "Thames Valley Police" not in luton and "LUT 2026/01" in luton


def test_the_download_reads_the_log_a_batch_at_a_time(app, mk, ctx):
    """Lines come from a server-side cursor in batches, each with its own names query, and read as the page does."""
    from tracker.audit.reading import LogFilters, all_lines, log_page

    _entries(app, [dict(at=_at(2020, 11, 3, 9, n), partnership_id=mk["p"].id, entity_type="Action",
                        entity_id=mk["plan"].id, entity_label="Train GP practices in routine enquiry",
                        user_id=mk["tom"].id, changes={"owner_id": [mk["ann"].id, mk["ben"].id]})
                   for n in range(30)])
    filters = LogFilters(partnership=mk["p"].id, kind="Action", until=date(2020, 12, 31))
    with count_queries(app) as queries:
        streamed = list(all_lines(filters, batch=7))
    assert queries.count == 1 + 5  # the lines, and the names of each of the five batches
    assert [line.headline for line in streamed] == ["Owner changed from Ann Lead to Ben Owner by Tom Reid"] * 30
    pages = [log_page(filters, page, 25).items for page in (1, 2)]
    assert [(line.at, line.headline) for line in streamed] == [(line.at, line.headline) for page in pages
                                                              for line in page]


def test_groups_served_and_new_records_are_named_in_the_readers_words(app, mk, as_user):
    """Groups by their labels, not codes; the terms of reference, a request to an agency and a submission to the
    Home Office by what they are about, in English and in Welsh."""
    review, police = mk["review"], mk["police"]
    _entries(app, [
        {"entity_type": "Action", "entity_id": mk["plan"].id, "entity_label": "Train GP practices in routine enquiry",
         "partnership_id": mk["p"].id, "changes": {"groups_served": ["", "age,no_recourse"]}},
        {"entity_type": "TermsOfReference", "entity_label": f"Terms of reference of review {review.id}",
         "partnership_id": mk["p"].id, "event": AuditEvent.CREATE},
        {"entity_type": "AgencyRequest", "partnership_id": mk["p"].id, "event": AuditEvent.CREATE,
         "entity_label": f"Chronology requested of agency {police.id} for review {review.id}"},
        {"entity_type": "QualitySubmission", "partnership_id": mk["p"].id, "event": AuditEvent.CREATE,
         "entity_label": f"Submission of review {review.id} to the Home Office on 2026-11-03"},
    ])
    browser = as_user(mk["priya"])
    page = _log(browser, mk["p"])
    assert "Groups served set to Age (including older people); People with no recourse to public funds" in page
    assert "no_recourse" not in page
    assert "Terms of reference of DHR 2024/03" in page
    assert "Chronology requested of Thames Valley Police for DHR 2024/03" in page
    assert "Submission of DHR 2024/03 to the Home Office on 3 November 2026" in page
    browser.post("/language", {"language": "cy", "next": "/"}, form_url="/")
    welsh = _log(browser, mk["p"])
    assert "Cylch gorchwyl DHR 2024/03" in welsh
    assert "Cyflwyno DHR 2024/03 i'r Swyddfa Gartref ar 3 Tachwedd 2026" in welsh
