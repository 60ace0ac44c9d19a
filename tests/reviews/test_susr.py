"""Single Unified Safeguarding Reviews (Wales): one review for every set of review criteria a case meets, commissioned
through the regional safeguarding board; the Home Office quality-assures it where it meets the DHR criteria, and its
recommendations and action plan work as a DHR's."""
import io
import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tests.reviews.wales import BOARD, susr, welsh_partnership
from tracker.audit.models import AuditEntry
from tracker.enums import AuditEvent, ReviewStatus, ReviewType, SafeguardingCriterion
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.plans.columns import EXPORTED
from tracker.reviews import services
from tracker.reviews.models import Recommendation, Review


@pytest.fixture
def wales(app, make, as_user):
    p = welsh_partnership(make)
    police = make.agency(p, name="South Wales Police")
    health = make.agency(p, name="Cwm Taf Morgannwg University Health Board", sector="health")
    coordinator = make.member(p, "coordinator")
    chair = make.member(p, "panel_member", name="Eleri Watkins")
    return dict(p=p, police=police, health=health, coordinator=as_user(coordinator), chair=as_user(chair),
                chair_user=chair)


def _susr_form(**overrides):
    fields = dict(review_type="susr", reference="SUSR 2025-01", pseudonyms="Ceri", death_month="3",
                  death_year="2025", criteria=["dhr", "adult_practice"], regional_safeguarding_board=BOARD,
                  case_review_group_on="22/4/2025",
                  case_review_group_outcome="Meets the criteria for a DHR and an adult practice review.",
                  independent_chair="Eleri Watkins", reviewers="Dafydd Hughes, Nia Roberts",
                  welsh_government_notified_on="6/5/2025", status="commissioned", decision_on="1/5/2025",
                  agreed_target_on="", commissioned_on="2/6/2025", submitted_on="", qa_feedback_on="",
                  approved_on="", published_on="", publication_url="")
    fields.update(overrides)
    return fields


def _offered(page, name):
    """The values a form offers for a field (radios, checkboxes or a select's options)."""
    html = page.get_data(as_text=True)
    inputs = [tag for tag in re.findall(r"<input[^>]*>", html) if f'name="{name}"' in tag]
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, flags=re.S)
    options = re.findall(r'<option[^>]*value="([^"]*)"', select.group(0)) if select else []
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs] + [o for o in options if o]


def _steps(page):
    """The review page's task list as "step status" text."""
    html = page.get_data(as_text=True)
    items = re.findall(r'<li class="govuk-task-list__item.*?</li>', html, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def test_a_welsh_partnership_offers_a_susr_and_its_criteria_and_nothing_else(wales):
    page = wales["coordinator"].get(f"/partnerships/{wales['p'].id}/reviews/new")
    assert _offered(page, "review_type") == ["susr"]
    assert _offered(page, "criteria") == [c.value for c in SafeguardingCriterion]
    words = text(page)
    assert "reviewed through a Single Unified Safeguarding Review" in words
    assert "Regional safeguarding board" in words and "Date the Welsh Government was notified" in words
    assert "Domestic Abuse Related Death Review" not in words
    listing = text(wales["coordinator"].get(f"/partnerships/{wales['p'].id}/reviews"))
    assert "Single Unified Safeguarding Reviews" in listing


def test_an_english_partnership_offers_no_susr(app, make, as_user):
    p = make.partnership()
    browser = as_user(make.member(p, "coordinator"))
    page = browser.get(f"/partnerships/{p.id}/reviews/new")
    assert _offered(page, "review_type") == ["dhr", "dardr"] and _offered(page, "criteria") == []
    refused = browser.post(f"/partnerships/{p.id}/reviews/new", _susr_form())
    assert 'id="review_type-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_the_service_refuses_a_type_of_review_of_another_nation(ctx, make):
    values = {**{key: value for key, value in _susr_form().items() if not key.endswith("_on")},
              "death_month": 3, "death_year": 2025}
    england, wales = make.partnership(), welsh_partnership(make)
    with pytest.raises(ValidationFailed) as refused:
        services.save_review(england, None, values, make.member(england, "coordinator"))
    assert refused.value.errors["review_type"].startswith("A Single Unified Safeguarding Review is for a "
                                                          "partnership in Wales")
    with pytest.raises(ValidationFailed) as refused:
        services.save_review(wales, None, {**values, "review_type": "dhr"}, make.member(wales, "coordinator"))
    assert refused.value.errors["review_type"].startswith("In Wales, a death that meets the criteria")


@pytest.mark.parametrize("changes, field, message", [
    ({"criteria": []}, "criteria", "Choose the review criteria the case meets: at least one"),
    ({"criteria": ["dhr", "arson"]}, "criteria", "Choose the review criteria from the list"),
    ({"regional_safeguarding_board": " "}, "regional_safeguarding_board",
     "Enter the regional safeguarding board that commissions the review"),
    ({"case_review_group_on": ""}, "case_review_group_on", "Enter the date of the case review group's decision"),
    ({"case_review_group_on": "1/7/2025"}, "commissioned_on", "cannot be before the stage that comes before it"),
    ({"criteria": ["child_practice"], "status": "submitted"}, "status",
     "Only a review that meets the Domestic Homicide Review criteria goes to the Home Office for quality "
     "assurance: choose another stage"),
    ({"criteria": ["mental_health_homicide"], "submitted_on": "1/10/2025"}, "submitted_on",
     "Only a review that meets the Domestic Homicide Review criteria goes to the Home Office: leave this date "
     "empty"),
    ({"review_type": "dhr"}, "review_type", "Not a valid choice"),
])
def test_a_susr_missing_what_it_must_say_is_refused_beside_the_field(app, wales, changes, field, message):
    response = wales["coordinator"].post(f"/partnerships/{wales['p'].id}/reviews/new", _susr_form(**changes))
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def _import_plan(browser, review, rows):
    """Upload an action plan as a CSV of the tracker's own columns, and confirm what the preview shows."""
    header = [f.header for f in EXPORTED if f.key in ("number", "text", "scope", "title", "lead_agency",
                                                        "deadline")]
    data = "\n".join([",".join(header), *rows]).encode()
    uploaded = browser.upload(f"/reviews/{review.id}/import", {"file": (io.BytesIO(data), "plan.csv")})
    assert uploaded.status_code == 302, text(uploaded)[:1500]
    url = uploaded.headers["Location"]
    preview = browser.get(url)
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    return text(preview), browser.post(url, {"fingerprint": fingerprint, "confirm": "yes"})


def _recommendation_id(app, review, number):
    with app.app_context():
        return db.session.scalar(sa.select(Recommendation.id).where(Recommendation.review_id == review.id,
                                                                    Recommendation.number == number))


def test_a_susr_goes_through_its_stages_to_an_action_plan_and_the_home_office(app, make, wales):
    chair, p = wales["chair"], wales["p"]
    started = chair.post(f"/partnerships/{p.id}/reviews/new", _susr_form())
    assert started.status_code == 302
    with app.app_context():
        review = db.session.scalar(sa.select(Review))
        assert review.review_type is ReviewType.SUSR and review.goes_to_home_office
        assert review.criteria == [SafeguardingCriterion.DHR, SafeguardingCriterion.ADULT_PRACTICE]
        assert (review.regional_safeguarding_board, review.case_review_group_on, review.reviewers,
                review.welsh_government_notified_on) == (BOARD, date(2025, 4, 22), "Dafydd Hughes, Nia Roberts",
                                                         date(2025, 5, 6))
        assert [(m.user_id, m.is_chair) for m in review.panel] == [(wales["chair_user"].id, True)]
        created = db.session.scalars(sa.select(AuditEntry.entity_label).where(
            AuditEntry.entity_type == "ReviewCriterion", AuditEntry.event == AuditEvent.CREATE)).all()
        assert sorted(created) == ["SUSR 2025-01: Adult Practice Review", "SUSR 2025-01: Domestic Homicide Review"]
    url = f"/reviews/{review.id}"
    page = chair.get(url)
    words = text(page)
    assert "Single Unified Safeguarding Review SUSR 2025-01" in words
    assert "Review criteria met Domestic Homicide Review Adult Practice Review" in words
    assert "Welsh Government notified 6 May 2025" in words
    assert "Needed: the review meets the Domestic Homicide Review criteria" in words
    assert _steps(page) == [
        "Record the case review group's decision Done", "Notify the Welsh Government Done",
        "Appoint the panel Done", "Record the recommendations To do",
        "Agree an action for every recommendation Record the recommendations first Cannot start yet",
        "Submit the report to the Home Office for quality assurance To do",
        "Record the Home Office's approval Submit the report to the Home Office first Cannot start yet",
        "Publish the review To do",
        "Deliver and close every action Agree an action for every recommendation first Cannot start yet"]

    for number, body, welsh, agency in (
            ("R1", "South Wales Police should check for an adult at risk report.",
             "Dylai Heddlu De Cymru wirio am adroddiad oedolyn sy'n wynebu risg.", wales["police"]),
            ("R2", "The health board should ask about domestic abuse at every assessment.", "", wales["health"])):
        saved = chair.post(f"/reviews/{review.id}/recommendations/new", {
            "number": number, "text": body, "welsh_text": welsh, "scope": "local", "agency_ids": [str(agency.id)],
            "new_bodies": "", "component": ""})
        assert saved.status_code == 302
    make.action(p, title="Brief every response officer on adult at risk reports", lead_agency=wales["police"],
                deadline=date(2026, 3, 31), source="dhr", recommendation_id=_recommendation_id(app, review, "R1"))
    preview, imported = _import_plan(chair, review, [
        "R2,The health board should ask about domestic abuse at every assessment.,Local,"
        "Add a question about domestic abuse to the assessment form,Cwm Taf Morgannwg University Health Board,"
        "30/06/2026"])
    assert "0 new recommendations, 1 new action" in preview
    assert imported.status_code == 302
    exported = chair.get(f"{url}/action-plan.csv").get_data(as_text=True)
    assert "Add a question about domestic abuse to the assessment form" in exported
    assert "Brief every response officer on adult at risk reports" in exported
    word = chair.get(f"{url}/action-plan.docx")
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    page = chair.get(url)
    assert '<span lang="cy">Dylai Heddlu De Cymru wirio am adroddiad oedolyn sy&#39;n wynebu risg.</span>' in \
        page.get_data(as_text=True)
    assert "Agree an action for every recommendation Done" in _steps(page)

    for stage, dates, expected in (
            ("submitted", {"submitted_on": "20/10/2025"}, [
                "Submit the report to the Home Office for quality assurance Done",
                "Record the Home Office's approval To do"]),
            ("qa_feedback", {"submitted_on": "20/10/2025", "qa_feedback_on": "15/12/2025"}, [
                "Record the Home Office's approval To do"]),
            ("approved", {"submitted_on": "20/10/2025", "qa_feedback_on": "15/12/2025",
                          "approved_on": "20/1/2026"}, ["Record the Home Office's approval Done"])):
        moved = chair.post(f"{url}/edit", _susr_form(status=stage, **dates))
        assert moved.status_code == 302, text(moved)
        page = chair.get(url)
        assert set(expected) <= set(_steps(page))
        assert ReviewStatus(stage).label in text(page)
    assert "Submitted to the Home Office on 20 October 2025" in text(page)
    published = chair.post(f"{url}/publish", {"published_on": "2/2/2026"})
    assert published.status_code == 302
    assert "Publish the review Done" in _steps(chair.get(url))


def test_a_susr_that_does_not_meet_the_dhr_criteria_is_approved_without_the_home_office(app, make, wales):
    review = make.review(wales["p"], reference="SUSR 2025-02", decision_on=date(2025, 5, 1),
                         panel=[(wales["chair_user"], True)], **susr(SafeguardingCriterion.CHILD_PRACTICE))
    url = f"/reviews/{review.id}"
    form = wales["chair"].get(f"{url}/edit")
    assert "submitted" not in _offered(form, "status") and "qa_feedback" not in _offered(form, "status")
    assert "Date submitted to the Home Office" not in text(form)
    assert "does not go to the Home Office for quality assurance" in text(form)
    page = wales["chair"].get(url)
    assert "Not needed: the review does not meet the Domestic Homicide Review criteria" in text(page)
    assert "Record the report's approval To do" in _steps(page)
    assert not [step for step in _steps(page) if "Home Office" in step]
    approved = wales["chair"].post(f"{url}/edit", _susr_form(
        reference="SUSR 2025-02", criteria=["child_practice"], status="approved", approved_on="1/10/2025"))
    assert approved.status_code == 302, text(approved)
    page = wales["chair"].get(url)
    assert "Record the report's approval Done" in _steps(page)
    assert "Approved on 1 October 2025" in text(page)  # the clock stops at approval, not at a Home Office submission
    with app.app_context():
        timing = services.timeliness(db.session.get(Review, review.id), today=date(2026, 6, 1))
        assert timing.is_submitted and timing.finished_on == date(2025, 10, 1)


def test_criteria_changed_are_audited_and_a_susr_turned_dhr_keeps_none(app, make, wales):
    review = make.review(wales["p"], reference="SUSR 2025-03", panel=[(wales["chair_user"], True)], **susr())
    changed = wales["chair"].post(f"/reviews/{review.id}/edit", _susr_form(reference="SUSR 2025-03",
                                                                          criteria=["dhr", "child_practice"]))
    assert changed.status_code == 302
    with app.app_context():
        record = db.session.get(Review, review.id)
        assert record.criteria == [SafeguardingCriterion.DHR, SafeguardingCriterion.CHILD_PRACTICE]
        entries = db.session.execute(sa.select(AuditEntry.event, AuditEntry.entity_label).where(
            AuditEntry.entity_type == "ReviewCriterion", AuditEntry.user_id == wales["chair_user"].id)).all()
        assert sorted(entries) == [(AuditEvent.CREATE, "SUSR 2025-03: Child Practice Review"),
                                   (AuditEvent.DELETE, "SUSR 2025-03: Adult Practice Review")]
        record.partnership.nation = "england"  # a partnership's nation corrected: its SUSR stays one, or may change
        db.session.commit()
        values = {key: None if key.endswith("_on") else value
                  for key, value in _susr_form(reference="SUSR 2025-03", review_type="dhr").items()}
        services.save_review(record.partnership, record, {**values, "death_month": 3, "death_year": 2025},
                             record.panel[0].user)
        assert record.review_type is ReviewType.DHR and record.criteria == []
        assert (record.regional_safeguarding_board, record.reviewers) == ("", "")


def test_the_welsh_text_of_a_recommendation_is_entered_beside_it_and_marked_as_welsh(app, make, wales):
    review = make.review(wales["p"], panel=[(wales["chair_user"], True)], **susr())
    recommendation = make.recommendation(review, number="N1", scope="national", external_body="Welsh Government",
                                         text="Fund advocates for families.",
                                         welsh_text="Ariannu eiriolwyr i deuluoedd.")
    form = wales["chair"].get(f"/recommendations/{recommendation.id}/edit").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="welsh_text"[^>]*lang="cy"[^>]*>\s*Ariannu eiriolwyr i deuluoedd.', form)
    saved = wales["chair"].post(f"/recommendations/{recommendation.id}/edit", {
        "number": "N1", "text": "Fund advocates for families.", "welsh_text": "Ariannu eiriolwyr i bob teulu.",
        "scope": "national", "new_bodies": "Welsh Government", "component": ""})
    assert saved.status_code == 302
    marked = '<span lang="cy">Ariannu eiriolwyr i bob teulu.</span>'
    assert marked in wales["chair"].get(f"/reviews/{review.id}").get_data(as_text=True)
    register = wales["coordinator"].get(f"/partnerships/{wales['p'].id}/external-recommendations")
    assert marked in register.get_data(as_text=True)


def test_a_welsh_reader_sees_the_susr_with_dates_in_welsh(app, make, as_user):
    from tracker.accounts.models import User

    p = welsh_partnership(make)
    chair = make.member(p, "panel_member")
    with app.app_context():
        db.session.get(User, chair.id).language = "cy"
        db.session.commit()
    review = make.review(p, panel=[(chair, True)], death_month=3, death_year=2025,
                         welsh_government_notified_on=date(2025, 5, 6), **susr())
    page = as_user(chair).get(f"/reviews/{review.id}")
    assert page.status_code == 200
    words = text(page)
    assert "Mawrth 2025" in words and "6 Mai 2025" in words
    assert as_user(chair).get(f"/reviews/{review.id}/edit").status_code == 200
