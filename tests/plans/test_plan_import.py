"""Moving a published plan in through the web: read as published, previewed, decided, confirmed all or nothing."""
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import Browser, text
from tests.plans import files
from tracker.actions.models import Action
from tracker.audit.models import AuditEntry
from tracker.enums import ActionStatus, Scope
from tracker.extensions import db
from tracker.partnerships.models import Agency
from tracker.plans.models import AgencyAlias, ColumnMapping, PendingImport
from tracker.reviews.models import Recommendation, Review


@pytest.fixture
def plan(app, make, as_user):
    p = make.partnership()
    police = make.agency(p, name="Metropolitan Police Service")
    housing = make.agency(p, name="MK Housing", sector="housing")
    chair = make.member(p, "panel_member", name="Independent Chair")
    review = make.review(p, panel=[(chair, True)])
    return dict(p=p, review=review, chair=as_user(chair), chair_user=chair, police=police, housing=housing)


def _upload(browser, review, data, filename="plan.xlsx"):
    return browser.upload(f"/reviews/{review.id}/import", {"file": (io.BytesIO(data), filename)})


def _follow(browser, response):
    assert response.status_code == 302, text(response)[:1500]
    return browser.get(response.headers["Location"])


def _form(page):
    html = page.get_data(as_text=True)
    return dict(re.findall(r'name="fingerprint" value="([^"]+)"', html) and
                [("fingerprint", re.search(r'name="fingerprint" value="([^"]+)"', html).group(1))])


def _decide(browser, url, decisions, confirm, number_by_position=False):
    page = browser.get(url)
    data = {**_form(page), **{f"decision:{k}": v for k, v in decisions.items()}, "confirm": "yes" if confirm else "no"}
    if number_by_position:
        data["number_by_position"] = "yes"
    return browser.post(url, data)


def _counts(app, review):
    with app.app_context():
        recs = db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)
                                 .where(Recommendation.review_id == review.id))
        actions = db.session.scalar(sa.select(sa.func.count()).select_from(Action).join(Recommendation)
                                    .where(Recommendation.review_id == review.id))
    return recs, actions


def _decisions(plan):
    return {"mps": f"agency:{plan['police'].id}", "health": "create:health",
            "children s services": "create:childrens_services", "home office": "outside"}


def _import_home_office(app, plan, data=None, filename="plan.xlsx"):
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], data or files.xlsx(files.HOME_OFFICE_ROWS),
                                       filename))
    url = preview.request.path
    response = _decide(browser, url, _decisions(plan), confirm=False)
    return browser, url, response


def test_the_home_office_template_is_read_as_published(app, plan):
    browser, url, response = _import_home_office(app, plan)
    page = text(response)
    assert "Check the import" in page and "Nothing has been saved yet" in page
    assert "3 new recommendations, 3 new actions" in page
    assert _counts(app, plan["review"]) == (0, 0), "the preview saves nothing"
    done = _decide(browser, url, _decisions(plan), confirm=True)
    assert done.status_code == 302, text(done)[:2000]
    flash = text(browser.get(done.headers["Location"]))
    assert "Imported 3 new recommendations, 3 new actions, 2 new agencies." in flash
    with app.app_context():
        recommendations = {r.number: r for r in db.session.scalars(
            sa.select(Recommendation).where(Recommendation.review_id == plan["review"].id))}
        first, second, third = recommendations["1"], recommendations["2"], recommendations["3"]
        assert first.text == "Agencies should share MARAC outcomes with the victim's GP."
        protocol, training = sorted(first.actions, key=lambda a: a.id)
        assert protocol.lead_agency.name == "Metropolitan Police Service", "MPS matched to the agency"
        assert (protocol.status, protocol.completed_on) == (ActionStatus.COMPLETED, date(2016, 10, 31))
        assert protocol.deadline == date(2016, 10, 31) and not protocol.deadline_is_month
        assert training.status is ActionStatus.IN_PROGRESS and training.completed_on is None
        assert (training.deadline, training.deadline_is_month) == (date(2016, 10, 31), True)
        assert training.lead_agency.name == "Health", "two names in one cell: the first leads"
        assert [a.name for a in first.agencies] == ["Health", "Metropolitan Police Service"]
        assert [a.name for a in second.agencies] == ["MK Housing"] and second.actions == [], \
            "an addressee with no action yet is recorded"
        assert third.scope is Scope.NATIONAL and third.external_body == "Home Office" and third.agencies == []
        letter = third.actions[0]
        assert letter.lead_agency is None and letter.completion_note == "letter sent"
        assert letter.completed_on == date(2016, 10, 31)
        alias = db.session.scalar(sa.select(AgencyAlias))
        assert (alias.alias, alias.agency.name) == ("MPS", "Metropolitan Police Service")
        assert db.session.scalar(sa.select(Agency).where(Agency.name == "Children's Services")).sector.value == \
            "childrens_services"
        created = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "Action",
                                                                 AuditEntry.entity_id == protocol.id))
        assert "the plan said date of completion and outcome ‘Completed: 31 October 2016’" in created.note
    review_page = text(browser.get(f"/reviews/{plan['review'].id}"))
    assert "October 2016" in review_page and "31 October 2016" in review_page


def test_the_same_file_again_changes_nothing_and_remembers_the_alias(app, plan):
    browser, url, _response = _import_home_office(app, plan)
    _decide(browser, url, _decisions(plan), confirm=True)
    again = _follow(browser, _upload(browser, plan["review"], files.xlsx(files.HOME_OFFICE_ROWS)))
    page = text(again)
    assert "Nothing to change: the plan already holds every row of this file." in page
    assert "MPS" not in page.split("Check the import")[1].split("DHR")[0], "the alias is known now"
    assert _counts(app, plan["review"]) == (3, 3)


def test_a_word_table_imports_like_the_workbook(app, plan):
    browser, url, response = _import_home_office(app, plan, files.docx(files.HOME_OFFICE_ROWS), "plan.docx")
    assert "3 new recommendations, 3 new actions" in text(response)
    assert _decide(browser, url, _decisions(plan), confirm=True).status_code == 302
    assert _counts(app, plan["review"]) == (3, 3)


def test_nothing_is_saved_until_every_unknown_name_is_decided(app, plan):
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], files.xlsx(files.HOME_OFFICE_ROWS)))
    page = text(preview)
    assert "4 names are not agencies of the partnership yet" in page
    assert not re.search(r'name="confirm" value="yes"', preview.get_data(as_text=True))
    response = _decide(browser, preview.request.path, {}, confirm=True)
    assert "decide about every unknown agency" in text(response)
    assert _counts(app, plan["review"]) == (0, 0)


def test_rows_to_correct_name_the_row_as_excel_shows_it_and_the_column(app, plan):
    rows = [list(r) for r in files.HOME_OFFICE_ROWS]
    rows[0][5] = "next spring"
    rows[3][1] = "County"
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], files.xlsx(rows)))
    response = _decide(browser, preview.request.path, _decisions(plan), confirm=True)
    page = text(response)
    assert "2 cells need correcting" in page, page
    # two title rows, then the header on row 3: the first plan row is row 4
    assert "Action plan 4 Target Date ‘next spring’ is not a date" in page
    assert "Action plan 7 Scope of recommendation (i.e. local or regional) ‘County’ is not a scope" in page
    assert _counts(app, plan["review"]) == (0, 0)


def test_an_unknown_header_is_mapped_once_and_remembered(app, plan):
    header = ["Rec No.", "Recommendation", "Scope", "Action", "Lead agency", "Responsible officer's comments"]
    rows = [["21.10.1", "Agencies should share information", "Local", "Publish a protocol", "MK Housing", "n/a"]]
    browser = plan["chair"]
    columns = _follow(browser, _upload(browser, plan["review"], files.csv_file(rows, header), "plan.csv"))
    assert "Choose what each column holds" in text(columns)
    html = columns.get_data(as_text=True)
    assert 'value="ignore"' in html
    index = header.index("Responsible officer's comments")
    unchosen = browser.post(columns.request.path, {})
    assert "Choose what the column ‘Responsible officer's comments’ holds" in text(unchosen)
    chosen = browser.post(columns.request.path, {f"column-{n}": "" for n in range(len(header))} |
                          {f"column-{index}": "ignore"})
    preview = _follow(browser, chosen)
    assert "1 new recommendation, 1 new action" in text(preview)
    with app.app_context():
        assert db.session.scalar(sa.select(ColumnMapping)).columns["responsible officer s comments"] == "ignore"
    # the next file goes straight to the preview
    assert "/columns" not in _upload(browser, plan["review"], files.csv_file(rows, header), "plan.csv") \
        .headers["Location"]


def test_a_changed_text_for_an_existing_number_is_shown_applied_and_audited(app, make, plan):
    make.recommendation(plan["review"], number="1", text="Old words", agencies=[plan["housing"]])
    header = ["Recommendation number", "Recommendation", "Scope", "Addressed to"]
    data = files.csv_file([["1", "New words", "Local", "MK Housing"]], header)
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], data, "plan.csv"))
    assert "Recommendation 1 Text Old words New words" in text(preview)
    assert _decide(browser, preview.request.path, {}, confirm=True).status_code == 302
    with app.app_context():
        recommendation = db.session.scalar(sa.select(Recommendation))
        assert recommendation.text == "New words"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "Recommendation",
                                                               AuditEntry.event == "update"))
        assert entry.changes["text"] == ["Old words", "New words"] and entry.note == "Imported from plan.csv"


def test_missing_numbers_can_be_given_by_position_and_numbers_keep_their_text(app, plan):
    header = ["Recommendation number", "Recommendation", "Scope", "Lead agency"]
    rows = [["21.10.1", "First", "Local", "MK Housing"], ["", "Second", "Local", "MK Housing"],
            ["R10", "Third", "Local", "MK Housing"], ["2a", "Fourth", "Local", "MK Housing"]]
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], files.csv_file(rows, header), "plan.csv"))
    page = text(preview)
    assert "This recommendation has no number" in page and "Number the 1 recommendation without a number" in page
    response = _decide(browser, preview.request.path, {}, confirm=False, number_by_position=True)
    assert "cells need correcting" not in text(response)
    assert _decide(browser, preview.request.path, {}, confirm=True, number_by_position=True).status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(Recommendation.number))) == ["2", "21.10.1", "2a", "R10"]


def test_a_confirmation_of_an_out_of_date_preview_is_refused(app, make, plan):
    header = ["Recommendation number", "Recommendation", "Scope", "Lead agency"]
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"],
                                       files.csv_file([["1", "First", "Local", "MK Housing"]], header), "plan.csv"))
    fingerprint = _form(preview)["fingerprint"]
    make.recommendation(plan["review"], number="1", text="Someone else's words", agencies=[plan["housing"]])
    response = browser.post(preview.request.path, {"fingerprint": fingerprint, "confirm": "yes"})
    assert "changed since you looked at it" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(Recommendation.text)) == "Someone else's words"


def test_another_person_cannot_open_or_confirm_an_upload(app, make, plan):
    preview = _follow(plan["chair"], _upload(plan["chair"], plan["review"], files.xlsx(files.HOME_OFFICE_ROWS)))
    coordinator = Browser(app.test_client())
    coordinator.sign_in(make.member(plan["p"], "coordinator").email)
    assert coordinator.get(preview.request.path).status_code == 404
    lead = Browser(app.test_client())
    lead.sign_in(make.member(plan["p"], "agency_lead", agency=plan["housing"]).email)
    assert lead.get(f"/reviews/{plan['review'].id}/import").status_code == 403


def test_cancelling_drops_the_upload(app, plan):
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], files.xlsx(files.HOME_OFFICE_ROWS)))
    token = preview.request.path.rsplit("/", 1)[1]
    response = browser.post(f"/imports/{token}/cancel", form_url=preview.request.path)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 0


@pytest.mark.parametrize("cell, column, message", [
    ("x" * 21, 0, "The number must be 20 characters or fewer"),
    ("y" * 301, 3, "shorten it to 300 or fewer"),
])
def test_lengths_agree_with_the_form_and_the_database(app, plan, cell, column, message):
    header = ["Recommendation number", "Recommendation", "Scope", "Action", "Lead agency"]
    row = ["1", "Text", "Local", "Do it", "MK Housing"]
    row[column] = cell
    browser = plan["chair"]
    preview = _follow(browser, _upload(browser, plan["review"], files.csv_file([row], header), "plan.csv"))
    assert message in text(preview)


@pytest.mark.parametrize("filename, data, message", [
    ("plan.pdf", b"%PDF-1.4", "must be"),
    ("plan.csv", b"", "The selected file is empty"),
    ("plan.csv", "Recommendation number,Recommendation\n1,Caf\xe9\n".encode("latin-1"), "UTF-8"),
    ("plan.xlsx", b"PK\x03\x04 not really a workbook", "not a valid Excel workbook"),
])
def test_bad_files_are_refused_beside_the_field(app, plan, filename, data, message):
    response = _upload(plan["chair"], plan["review"], data, filename)
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True) and message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 0


def test_a_register_holds_several_reviews_by_column_or_by_sheet(app, make, plan):
    coordinator = Browser(app.test_client())
    coordinator.sign_in(make.member(plan["p"], "coordinator").email)
    header = ["Review", "Recommendation number", "Recommendation", "Scope", "Lead agency", "Action"]
    rows = [[plan["review"].reference, "1", "Existing review's recommendation", "Local", "MK Housing", "Act"],
            ["DHR 2019-02", "1", "A new review's recommendation", "Local", "MK Housing", "Act too"]]
    response = coordinator.upload(f"/partnerships/{plan['p'].id}/import-register",
                                  {"file": (io.BytesIO(files.xlsx(rows, header=header, title_rows=())), "r.xlsx")})
    preview = _follow(coordinator, response)
    assert "DHR 2019-02 New review" in text(preview)
    assert _decide(coordinator, preview.request.path, {}, confirm=True).status_code == 302
    with app.app_context():
        created = db.session.scalar(sa.select(Review).where(Review.reference == "DHR 2019-02"))
        assert created.pseudonyms == "Not published" and len(created.recommendations) == 1
    sheets = files.xlsx([["1", "By sheet", "Local", "MK Housing", "Act"]], header=header[1:], title_rows=(),
                        sheet_title="DHR 2020-07",
                        extra_sheets=[("DHR 2021-01", header[1:], [["1", "Other", "Local", "MK Housing", "Go"]])])
    preview = _follow(coordinator, coordinator.upload(f"/partnerships/{plan['p'].id}/import-register",
                                                      {"file": (io.BytesIO(sheets), "r.xlsx")}))
    assert "DHR 2020-07 New review" in text(preview) and "DHR 2021-01 New review" in text(preview)
    chair_register = plan["chair"].get(f"/partnerships/{plan['p'].id}/import-register")
    assert chair_register.status_code == 403, "a register creates reviews: the coordinator's job"
