"""The Home Office's quality assurance, submission by submission: feedback, resubmission, outcome; the review's
dates and stage follow, so that reports, exports and the timeliness read what the submissions say."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions.state import london_today
from tracker.enums import QualityOutcome, ReviewStatus
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.reviews import quality, services
from tracker.reviews.models import QualitySubmission, Review

TODAY = london_today()


def _day(value):
    return f"{value.day}/{value.month}/{value.year}"


def _ago(days):
    return TODAY - timedelta(days=days)


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    people = dict(
        cora=make.member(p, "coordinator", name="Cora Coordinator"),
        chair=make.member(p, "panel_member", name="Ruth Chair"),
        member=make.member(p, "panel_member", name="Pat Panel"),
        lead=make.member(p, "agency_lead", agency=make.agency(p, name="Thames Valley Police"), name="Tom Lead"),
    )
    review = make.review(p, reference="DHR 2025-02", decision_on=_ago(400), commissioned_on=_ago(380),
                         panel=[(people["chair"], True), (people["member"], False)])
    return dict(p=p, review=review, **people)


def _review(review_id):
    return db.session.get(Review, review_id)


def test_submission_feedback_resubmission_and_approval_move_the_reviews_dates_and_stage(app, world, as_user):
    chair, base = as_user(world["chair"]), f"/reviews/{world['review'].id}/quality-assurance"
    assert chair.post(base, {"submitted_on": _day(_ago(100))}).status_code == 302
    with app.app_context():
        review = _review(world["review"].id)
        assert (review.submitted_on, review.status) == (_ago(100), ReviewStatus.SUBMITTED)
        first_id = review.quality_submissions[0].id
    # a resubmission waits for the Home Office's answer
    assert "Record the Home Office's outcome of the last submission" in text(chair.get(base))
    feedback = chair.post(f"{base}/{first_id}/feedback", {
        "feedback_on": _day(_ago(60)), "feedback": "Strengthen the analysis of the police contact.",
        "outcome": "resubmit", "outcome_on": ""})
    assert feedback.status_code == 302
    with app.app_context():
        review = _review(world["review"].id)
        assert (review.qa_feedback_on, review.approved_on, review.status) == (_ago(60), None,
                                                                               ReviewStatus.QA_FEEDBACK)
    assert chair.post(base, {"submitted_on": _day(_ago(30))}).status_code == 302
    with app.app_context():
        review = _review(world["review"].id)
        # the clock stopped when the report first went: the first submission keeps the review's date
        assert (review.submitted_on, review.status) == (_ago(100), ReviewStatus.SUBMITTED)
        assert services.timeliness(review).finished_on == _ago(100)
        second_id = review.quality_submissions[1].id
    assert chair.post(f"{base}/{second_id}/feedback", {
        "feedback_on": _day(_ago(10)), "feedback": "The panel is content.", "outcome": "approved",
        "outcome_on": _day(_ago(5))}).status_code == 302
    with app.app_context():
        review = _review(world["review"].id)
        assert (review.submitted_on, review.qa_feedback_on, review.approved_on, review.status) == (
            _ago(100), _ago(10), _ago(5), ReviewStatus.APPROVED)
    page = text(chair.get(base))
    assert "Submission 1" in page and "Resubmission 1" in page
    assert "Strengthen the analysis of the police contact." in page and "Resubmission requested on" in page
    assert "The Home Office has approved the report: there is nothing more to submit" in page
    refused = chair.post(base, {"submitted_on": _day(TODAY)})
    assert "nothing more to submit" in text(refused)
    review_page = text(chair.get(f"/reviews/{world['review'].id}"))
    assert "Home Office quality assurance" in review_page and "Approved" in review_page


@pytest.mark.parametrize("values, field, message", [
    (dict(feedback_on=_ago(101)), "feedback_on", "cannot come before the report was submitted"),
    (dict(feedback_on=TODAY + timedelta(days=1)), "feedback_on", "cannot be in the future"),
    (dict(feedback_on=None), "feedback_on", "Enter the date the feedback came"),
    (dict(feedback=" "), "feedback", "Summarise what the Home Office said"),
    (dict(outcome="", outcome_on=_ago(50)), "outcome", "Choose the outcome"),
    (dict(outcome="approved", outcome_on=_ago(70)), "outcome_on", "cannot come before the feedback"),
])
def test_bad_feedback_is_refused_beside_its_field(ctx, world, values, field, message):
    review = _review(world["review"].id)
    submission = quality.record_submission(review, _ago(100))
    with pytest.raises(ValidationFailed) as refused:
        quality.record_feedback(submission, {"feedback_on": _ago(60), "feedback": "Changes asked for",
                                             "outcome": "resubmit", "outcome_on": None, **values})
    assert message in refused.value.errors[field]
    db.session.rollback()
    assert submission.feedback_on is None and _review(world["review"].id).status is ReviewStatus.SUBMITTED


def test_the_page_shows_errors_beside_the_fields(app, world, as_user):
    chair, base = as_user(world["chair"]), f"/reviews/{world['review'].id}/quality-assurance"
    response = chair.post(base, {"submitted_on": _day(_ago(390))})
    assert 'id="submitted_on-error"' in response.get_data(as_text=True)
    assert "cannot be submitted before the review was commissioned" in text(response)
    chair.post(base, {"submitted_on": _day(_ago(100))})
    with app.app_context():
        submission_id = db.session.scalar(sa.select(QualitySubmission.id))
    response = chair.post(f"{base}/{submission_id}/feedback", {"feedback_on": "", "feedback": "", "outcome": ""})
    page = response.get_data(as_text=True)
    assert 'id="feedback_on-error"' in page and 'id="feedback-error"' in page


def test_a_resubmission_cannot_come_before_the_answer_to_the_last(ctx, world):
    review = _review(world["review"].id)
    first = quality.record_submission(review, _ago(100))
    quality.record_feedback(first, dict(feedback_on=_ago(60), feedback="Changes", outcome="not_approved"))
    with pytest.raises(ValidationFailed) as refused:
        quality.record_submission(review, _ago(61))
    assert "cannot be before the Home Office's answer" in refused.value.errors["submitted_on"]
    db.session.rollback()
    quality.record_submission(review, _ago(60))
    assert [s.outcome for s in review.quality_submissions] == [QualityOutcome.NOT_APPROVED, None]
    # only the latest submission's feedback can change
    with pytest.raises(ValidationFailed):
        quality.record_feedback(first, dict(feedback_on=_ago(59), feedback="Changed", outcome="approved"))


def test_the_reviews_form_edits_its_one_submission_and_keeps_to_several(app, world, as_user):
    """A review given a submission date on its form gets its one submission, which the form then edits; once there
    are several, the form cannot give the review's Home Office dates other values than theirs."""
    coordinator, edit = as_user(world["cora"]), f"/reviews/{world['review'].id}/edit"
    form = dict(review_type="dhr", reference="DHR 2025-02", pseudonyms="Adult A", status="approved",
                decision_on=_day(_ago(400)), commissioned_on=_day(_ago(380)), submitted_on=_day(_ago(100)),
                qa_feedback_on=_day(_ago(60)), approved_on=_day(_ago(50)))
    assert coordinator.post(edit, form).status_code == 302
    with app.app_context():
        [adopted] = _review(world["review"].id).quality_submissions
        assert (adopted.submitted_on, adopted.feedback_on, adopted.outcome, adopted.outcome_on) == (
            _ago(100), _ago(60), QualityOutcome.APPROVED, _ago(50))
    moved = dict(form, status="qa_feedback", submitted_on=_day(_ago(90)), approved_on="")
    assert coordinator.post(edit, moved).status_code == 302
    with app.app_context():
        [edited] = _review(world["review"].id).quality_submissions
        assert (edited.submitted_on, edited.feedback_on, edited.outcome) == (_ago(90), _ago(60), None)
        quality.record_feedback(edited, dict(feedback_on=_ago(60), feedback="Changes", outcome="resubmit"))
        quality.record_submission(_review(world["review"].id), _ago(20))
    response = coordinator.post(edit, dict(moved, status="submitted", submitted_on=_day(_ago(80))))
    assert 'id="submitted_on-error"' in response.get_data(as_text=True)
    assert "change it on the quality assurance page" in text(response)
    with app.app_context():
        assert _review(world["review"].id).submitted_on == _ago(90)
    assert coordinator.post(edit, dict(moved, status="submitted")).status_code == 302


def test_only_those_who_see_the_review_see_its_quality_assurance(app, world, as_user):
    base = f"/reviews/{world['review'].id}/quality-assurance"
    assert as_user(world["lead"]).get(base).status_code == 403
    member = as_user(world["member"])
    page = member.get(base)
    assert page.status_code == 200 and "Record the submission" not in text(page)
    assert member.post(base, {"submitted_on": _day(_ago(10))}, form_url=base).status_code == 403
    assert as_user(world["cora"]).post(base, {"submitted_on": _day(_ago(10))}).status_code == 302


def test_a_susr_that_does_not_meet_the_dhr_criteria_has_none(app, make, as_user):
    from tests.reviews.wales import susr, welsh_partnership
    from tracker.enums import SafeguardingCriterion

    p = welsh_partnership(make)
    coordinator = make.member(p, "coordinator")
    review = make.review(p, **susr(SafeguardingCriterion.ADULT_PRACTICE))
    assert as_user(coordinator).get(f"/reviews/{review.id}/quality-assurance").status_code == 404
    review_page = as_user(coordinator).get(f"/reviews/{review.id}").get_data(as_text=True)
    assert 'id="quality-assurance"' not in review_page and 'id="agency-requests"' in review_page


def test_the_migration_makes_one_submission_of_a_reviews_dates(app, make, fresh):
    from tests.test_migrations import _db

    copy = fresh.app(fresh("qa"))
    _db(copy, "upgrade", "d18a00000001")
    with copy.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO partnership (name, area, nation, created_at, updated_at) "
                                   "VALUES ('P', 'A', 'england', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        pid = connection.scalar(sa.text("SELECT id FROM partnership"))
        for reference, submitted, feedback, approved in (("A", date(2025, 1, 6), date(2025, 3, 3), date(2025, 4, 1)),
                                                         ("B", date(2025, 2, 3), None, None),
                                                         ("C", None, None, None)):
            connection.execute(sa.text(
                "INSERT INTO review (partnership_id, review_type, reference, pseudonyms, independent_chair, status, "
                "submitted_on, qa_feedback_on, approved_on, publication_url, created_at, updated_at) VALUES "
                "(:p, 'dhr', :r, 'X', '', 'approved', :s, :f, :a, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                dict(p=pid, r=reference, s=submitted, f=feedback, a=approved))
    _db(copy, "upgrade", "d18b00000002")
    with copy.app_context(), db.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT r.reference, q.submitted_on, q.feedback_on, q.outcome, q.outcome_on FROM quality_submission q "
            "JOIN review r ON r.id = q.review_id ORDER BY r.reference")).all()
    assert [(r[0], str(r[1]), r[2] and str(r[2]), r[3], r[4] and str(r[4])) for r in rows] == [
        ("A", "2025-01-06", "2025-03-03", "approved", "2025-04-01"), ("B", "2025-02-03", None, None, None)]
