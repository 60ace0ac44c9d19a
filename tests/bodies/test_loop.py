"""The loop with a body beyond the partnership, end to end through the pages: the panel addresses a recommendation
to a body chosen from the instance's list, the coordinator sends it, the body's contact is told and reminded by
email, answers in the tracker, and the partnership (or a national reviewer) assesses the answer."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions.state import london_today
from tracker.bodies import services
from tracker.bodies.models import BodyRecommendation, ExternalBody, ResponseStep
from tracker.email import OutboxMessage, deliver_outbox
from tracker.enums import ResponseAssessment, ResponseStance
from tracker.extensions import db

TODAY = london_today()


def _day(value):
    return f"{value.day}/{value.month}/{value.year}"


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    cora = make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org")
    chair = make.member(p, "panel_member", name="Ruth Chair", email="ruth@example.org")
    lead = make.member(p, "agency_lead", agency=police, name="Tom Lead")
    review = make.review(p, reference="DHR 2026-07", pseudonyms="Adult Z", panel=[(chair, True)])
    home_office = make.body_contact("Home Office", name="Hana Home", email="hana@homeoffice.example.gov.uk")
    other = make.body_contact("Department of Health and Social Care", name="Dev Health")
    recommendation = make.recommendation(review, number="N1", scope="national", external_body="Home Office",
                                         text="Adult Z's GP should have asked about abuse: the Home Office should "
                                              "fund routine enquiry training.")
    make.action(p, title="Brief every GP surgery", lead_agency=police, recommendation_id=recommendation.id,
                source="dhr")
    with app.app_context():
        item_id = db.session.scalar(sa.select(BodyRecommendation.id))
    return dict(p=p, cora=cora, chair=chair, lead=lead, review=review, hana=home_office, dev=other,
                recommendation=recommendation, item_id=item_id)


def _item(app, item_id):
    with app.app_context():
        return db.session.get(BodyRecommendation, item_id)


def _send(client, world, sent_on=TODAY, shared="The Home Office should fund routine enquiry training."):
    return client.post(f"/external/{world['item_id']}/send", {"sent_on": _day(sent_on), "shared_text": shared},
                       form_url="/")


# The list of bodies


def test_names_that_differ_only_in_case_spacing_or_a_leading_the_are_one_body(app):
    with app.app_context():
        first = services.bodies_named(["The Home Office"], None)
        again = services.bodies_named(["home  office.", "HOME OFFICE", "NHS England"], None)
        assert [b.id for b in again] == [first[0].id, again[1].id] and len(again) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExternalBody)) == 2
        assert services.name_key("Ministry of Housing, Communities & Local Government") == \
            "ministry of housing communities and local government"


def test_the_panel_chooses_bodies_from_the_list_or_adds_one(app, world, as_user):
    chair = as_user(world["chair"])
    with app.app_context():
        home_office = db.session.scalar(sa.select(ExternalBody.id).where(ExternalBody.name == "Home Office"))
    form = chair.get(f"/reviews/{world['review'].id}/recommendations/new").get_data(as_text=True)
    assert "Department of Health and Social Care" in form and "Home Office" in form
    saved = chair.post(f"/reviews/{world['review'].id}/recommendations/new", {
        "number": "N2", "text": "Publish guidance on coercive control.", "scope": "national",
        "body_ids": [str(home_office)], "new_bodies": "the Ministry of Justice; NHS England", "component": ""})
    assert saved.status_code == 302
    with app.app_context():
        names = sorted(i.body.name for i in db.session.scalars(sa.select(BodyRecommendation)
                                                              .where(BodyRecommendation.id != world["item_id"])))
        assert names == ["Home Office", "NHS England", "the Ministry of Justice"]
    page = text(chair.get(f"/reviews/{world['review'].id}"))
    assert "Home Office Not yet sent NHS England Not yet sent the Ministry of Justice Not yet sent" in page


def test_a_body_the_recommendation_was_sent_to_cannot_be_taken_off_it(app, world, as_user):
    cora = as_user(world["cora"])
    _send(cora, world)
    refused = cora.post(f"/recommendations/{world['recommendation'].id}/edit", {
        "number": "N1", "text": "Fund routine enquiry training.", "scope": "national", "new_bodies": "NHS England",
        "component": ""})
    assert "was sent to Home Office on" in text(refused) and "it stays addressed to it" in text(refused)
    assert _item(app, world["item_id"]).sent_on == TODAY


def test_an_administrator_adds_a_body_and_a_contact_who_is_invited(app, make, as_user):
    admin = as_user(make.user(is_administrator=True))
    saved = admin.post("/bodies/new", {"name": "College of Policing", "kind": "national_agency"})
    assert saved.status_code == 302
    duplicate = admin.post("/bodies/new", {"name": "the college of policing", "kind": "national_agency"})
    assert "College of Policing is already in the list" in text(duplicate)
    with app.app_context():
        body = db.session.scalar(sa.select(ExternalBody))
    refused = admin.post(f"/bodies/{body.id}/contacts", {"email": "new@college.example.gov.uk", "name": ""})
    assert "Enter the person's full name: they have no account yet" in text(refused)
    admin.post(f"/bodies/{body.id}/contacts", {"email": "new@college.example.gov.uk", "name": "Nia New"})
    with app.app_context():
        [message] = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.to_address == "new@college.example.gov.uk")).all()
        assert message.subject == "Action tracker: you answer for College of Policing"
        assert "/set-password/" in message.body_text or "set your password" in message.body_text.lower()
    page = text(admin.get(f"/bodies/{body.id}/contacts"))
    assert "Nia New" in page and "Invited, has not signed in yet" in page


def test_a_body_s_contact_must_sign_in_with_a_second_factor(app, make):
    from tracker.accounts.models import User
    from tracker.accounts.services import two_factor_required

    person = make.body_contact("Home Office", two_factor=False)
    observer = make.user(national_role="observer", two_factor=False)
    with app.app_context():
        assert two_factor_required(db.session.get(User, person.id))
        assert two_factor_required(db.session.get(User, observer.id))


# Sending


def test_the_coordinator_sends_it_and_the_body_s_contact_is_told_with_a_link_only(mail_app, smtp_server, world,
                                                                                   as_user):
    cora = as_user(world["cora"])
    page = text(cora.get(f"/external/{world['item_id']}/send"))
    assert "Hana Home answers for Home Office in the tracker and will be told by email" in page
    refused = _send(cora, world, shared="")
    assert "Enter what the body may read before the review is published" in text(refused)
    assert _send(cora, world).status_code == 302
    item = _item(mail_app, world["item_id"])
    assert (item.sent_on, item.response_due_on) == (TODAY, TODAY + timedelta(days=56))
    with mail_app.app_context():
        deliver_outbox()
    [message] = smtp_server.messages
    assert message["To"] == "hana@homeoffice.example.gov.uk"
    body = message.get_body(("plain",)).get_content()
    assert any(line.endswith(f"/answers/{world['item_id']}") for line in body.splitlines())
    # an email leaves the sign-in: no text of the recommendation, no pseudonym, no unpublished review named
    assert "routine enquiry" not in body + message["Subject"] and "Adult Z" not in body + message["Subject"]
    assert "DHR 2026-07" not in body + message["Subject"] and "Milton Keynes" in message["Subject"]
    assert "Milton Keynes has sent Home Office a recommendation of a review it has not yet published." in body
    # it goes once: the send page now leads back to the loop, which says when it went
    assert _send(cora, world).headers["Location"] == f"/external/{world['item_id']}"
    with mail_app.app_context():
        deliver_outbox()
    assert len(smtp_server.messages) == 1
    assert f"Sent {TODAY.day} {TODAY:%B} {TODAY.year} (Cora Coordinator)" in text(
        cora.get(f"/external/{world['item_id']}"))


def test_several_recommendations_of_a_published_review_are_sent_at_once(app, world, make, as_user):
    make.recommendation(world["review"], number="N2", scope="national", external_body="NHS England; Home Office")
    cora = as_user(world["cora"])
    # before publication each goes on its own, with the text the partnership chooses to share
    page = text(cora.get(f"/reviews/{world['review'].id}/send-to-bodies"))
    assert "Send each recommendation on its own" in page and "Recommendation N2 to NHS England" in page
    with app.app_context():
        ids = db.session.scalars(sa.select(BodyRecommendation.id)).all()
    refused = cora.post(f"/reviews/{world['review'].id}/send-to-bodies",
                        {"sent_on": _day(TODAY), "item_ids": [str(i) for i in ids]})
    assert "Before the review is published, send each recommendation on its own" in text(refused)
    assert "GP should have asked" not in text(cora.get(f"/external/{world['item_id']}/send")).split(
        "What the body may read before publication")[1]  # nothing of the text is offered to share
    with app.app_context():
        from tracker.reviews.models import Review

        db.session.get(Review, world["review"].id).status = "published"
        db.session.commit()
    assert cora.post(f"/reviews/{world['review'].id}/send-to-bodies",
                     {"sent_on": _day(TODAY), "item_ids": [str(i) for i in ids]}).status_code == 302
    with app.app_context():
        items = db.session.scalars(sa.select(BodyRecommendation)).all()
        assert {i.sent_on for i in items} == {TODAY} and len(items) == 3


# Reminders


def _remind(app, day):
    with app.app_context():
        queued = services.remind_bodies(day)
        deliver_outbox()
        db.session.remove()
        return queued


def test_contacts_are_reminded_28_and_7_days_before_and_each_week_overdue_once_each(mail_app, smtp_server, world,
                                                                                     as_user):
    _send(as_user(world["cora"]), world)
    due = TODAY + timedelta(days=56)
    assert _remind(mail_app, due - timedelta(days=29)) == 0
    assert _remind(mail_app, due - timedelta(days=28)) == 1
    assert _remind(mail_app, due - timedelta(days=27)) == 0
    assert _remind(mail_app, due - timedelta(days=7)) == 1
    assert _remind(mail_app, due - timedelta(days=7)) == 0  # a second run the same day
    assert _remind(mail_app, due + timedelta(days=1)) == 1
    assert _remind(mail_app, due + timedelta(days=6)) == 0
    assert _remind(mail_app, due + timedelta(days=8)) == 1
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert len(subjects) == 5 and "is due on" in subjects[1] and "was due on" in subjects[3]
    assert "overdue by 1 day." in smtp_server.messages[3].get_body(("plain",)).get_content()


def test_once_answered_the_body_is_not_reminded(mail_app, smtp_server, world, as_user):
    _send(as_user(world["cora"]), world, sent_on=TODAY - timedelta(days=60))
    as_user(world["hana"]).post(f"/answers/{world['item_id']}", {
        "stance": "accepted", "response_text": "We will fund it from April.", "version": "2"})
    assert _remind(mail_app, TODAY) == 0


# The body's own view


def test_the_contact_sees_only_what_was_shared_until_publication(app, world, make, as_user):
    hana = as_user(world["hana"])
    # nothing is shown before it is sent
    assert hana.get(f"/answers/{world['item_id']}").status_code == 403
    _send(as_user(world["cora"]), world)
    page = text(hana.get(f"/answers/{world['item_id']}"))
    assert "The Home Office should fund routine enquiry training." in page
    assert "Adult Z" not in page and "GP should have asked" not in page and "Brief every GP surgery" not in page
    inbox = text(hana.get(f"/bodies/{_body_id(app, 'Home Office')}/recommendations"))
    assert "Milton Keynes DHR 2026-07" in inbox and "Review not yet published" in inbox and "Adult Z" not in inbox
    # the review's own pages, its actions and the partnership stay closed to the body
    for url in (f"/reviews/{world['review'].id}", f"/external/{world['item_id']}",
                f"/partnerships/{world['p'].id}", f"/partnerships/{world['p'].id}/actions"):
        assert hana.get(url).status_code == 403, url
    # after publication the body reads the recommendation as published
    with app.app_context():
        from tracker.reviews.models import Review

        review = db.session.get(Review, world["review"].id)
        review.status, review.published_on = "published", TODAY
        db.session.commit()
    assert "Adult Z's GP should have asked about abuse" in text(hana.get(f"/answers/{world['item_id']}"))


def test_a_contact_of_another_body_sees_nothing_of_this_one(app, world, as_user):
    _send(as_user(world["cora"]), world)
    dev = as_user(world["dev"])
    assert dev.get(f"/answers/{world['item_id']}").status_code == 403
    assert dev.get(f"/bodies/{_body_id(app, 'Home Office')}/recommendations").status_code == 403
    assert dev.post(f"/answers/{world['item_id']}", {"stance": "rejected", "response_text": "No"},
                    form_url="/").status_code == 403
    assert "No partnership has sent a recommendation to Department of Health and Social Care yet." in text(
        dev.get(f"/bodies/{_body_id(app, 'Department of Health and Social Care')}/recommendations"))


def _body_id(app, name):
    with app.app_context():
        return db.session.scalar(sa.select(ExternalBody.id).where(ExternalBody.name == name))


def test_the_body_answers_plans_and_reports_progress_and_the_partnership_sees_it_at_once(app, world, as_user):
    cora = as_user(world["cora"])
    _send(cora, world, sent_on=TODAY - timedelta(days=60))
    assert "No response, 4 days past due" in text(cora.get(f"/external/{world['item_id']}"))
    hana = as_user(world["hana"])
    refused = hana.post(f"/answers/{world['item_id']}", {"stance": "", "response_text": "", "version": "2"})
    assert "Choose whether the recommendation is accepted" in text(refused) and "Give the reasons" in text(refused)
    assert hana.post(f"/answers/{world['item_id']}", {
        "stance": "accepted_in_part", "response_text": "We will fund training; routine enquiry is for the NHS.",
        "version": "2"}).status_code == 302
    stale = hana.post(f"/answers/{world['item_id']}", {"stance": "rejected", "response_text": "Changed our mind",
                                                        "version": "2"})
    assert "Someone else changed this recommendation's answer" in text(stale)
    answer = f"/answers/{world['item_id']}"
    hana.post(f"{answer}/steps", {"text": "Commission the training", "due_on": "1/4/2027"}, form_url=answer)
    hana.post(f"{answer}/progress", {"note": "Supplier chosen."}, form_url=answer)
    with app.app_context():
        step_id = db.session.scalar(sa.select(ResponseStep.id))
    hana.post(f"{answer}/steps/{step_id}/done", {}, form_url=answer)
    page = text(cora.get(f"/external/{world['item_id']}"))
    assert "Response received, not yet assessed" in page and "days past due" not in page
    assert "Accepted in part" in page and "routine enquiry is for the NHS" in page
    assert "Commission the training – by 1 April 2027 Done" in page and "Supplier chosen." in page
    item = _item(app, world["item_id"])
    assert (item.stance, item.response_received_on) == (ResponseStance.ACCEPTED_IN_PART, TODAY)


# Assessing


def test_the_coordinator_assesses_on_the_fixed_scale_with_a_reason_and_a_date_to_look_again(app, world, as_user):
    cora = as_user(world["cora"])
    _send(cora, world, sent_on=TODAY - timedelta(days=10))
    refused = cora.post(f"/external/{world['item_id']}/assess", {"assessment": "open_acceptable",
                                                                 "assessment_reason": "", "version": "2"})
    assert "Record the body's answer before judging it" in text(refused) and "Give the reason" in text(refused)
    as_user(world["hana"]).post(f"/answers/{world['item_id']}", {
        "stance": "accepted", "response_text": "Funding from April.", "version": "2"})
    assert cora.post(f"/external/{world['item_id']}/assess", {
        "assessment": "open_acceptable", "assessment_reason": "Funded, not yet delivered", "assessed_on": "",
        "recheck_on": "", "version": "3"}).status_code == 302
    item = _item(app, world["item_id"])
    assert item.assessment is ResponseAssessment.OPEN_ACCEPTABLE and item.assessed_on == TODAY
    assert item.recheck_on == TODAY + timedelta(days=services.RECHECK_DAYS)
    cora.post(f"/external/{world['item_id']}/assess", {
        "assessment": "closed_implemented", "assessment_reason": "Training delivered", "version": "4"})
    item = _item(app, world["item_id"])
    assert item.assessment is ResponseAssessment.CLOSED_IMPLEMENTED and item.recheck_on is None
    assert "Closed: implemented" in text(cora.get(f"/partnerships/{world['p'].id}/external-recommendations"))


def test_a_national_reviewer_assesses_without_opening_the_review(app, world, make, as_user):
    reviewer = as_user(make.user(national_role="reviewer"))
    assert reviewer.get(f"/external/{world['item_id']}/assess").status_code == 403  # not sent yet
    _send(as_user(world["cora"]), world)
    page = text(reviewer.get(f"/external/{world['item_id']}/assess"))
    assert "The Home Office should fund routine enquiry training." in page and "Adult Z" not in page
    assert reviewer.get(f"/reviews/{world['review'].id}").status_code == 403
    saved = reviewer.post(f"/external/{world['item_id']}/assess", {
        "assessment": "open_awaited", "assessment_reason": "Chased by the commissioner", "version": "2"})
    assert saved.headers["Location"] == f"/register/recommendations/{world['item_id']}"
    observer = as_user(make.user(national_role="observer"))
    assert observer.get(f"/external/{world['item_id']}/assess").status_code == 403


def test_loop_states_in_order(app, world):
    with app.app_context():
        item = db.session.get(BodyRecommendation, world["item_id"])
        assert services.loop_state(item, TODAY).label == "Not yet sent"
        item.sent_on, item.response_due_on = TODAY - timedelta(days=60), TODAY - timedelta(days=4)
        item.assessment = ResponseAssessment.OPEN_AWAITED
        assert services.loop_state(item, TODAY) == ("No response, 4 days past due", True, "red")
        item.response_received_on, item.assessment = TODAY, None
        assert services.loop_state(item, TODAY).label == "Response received, not yet assessed"
        item.assessment, item.recheck_on = ResponseAssessment.OPEN_UNACCEPTABLE, TODAY
        assert services.loop_state(item, TODAY).colour == "red" and services.recheck_due(item, TODAY)
        item.assessment = ResponseAssessment.CLOSED_SUPERSEDED
        assert services.loop_state(item, TODAY).colour == "green" and not services.recheck_due(item, TODAY)


def test_an_open_assessment_due_to_be_looked_at_again_is_news_once(app, world, as_user):
    from tracker.notifications.models import Notification
    from tracker.notifications.services import check_rechecks

    cora = as_user(world["cora"])
    _send(cora, world, sent_on=TODAY - timedelta(days=200))
    cora.post(f"/external/{world['item_id']}/response", {
        "response_received_on": _day(TODAY - timedelta(days=190)), "stance": "accepted",
        "response_text": "We will fund it.", "version": "2"})
    cora.post(f"/external/{world['item_id']}/assess", {
        "assessment": "open_acceptable", "assessment_reason": "Funded",
        "assessed_on": _day(TODAY - timedelta(days=100)), "recheck_on": _day(TODAY - timedelta(days=1)),
        "version": "3"})
    with app.app_context():
        assert check_rechecks(TODAY) == 1
        check_rechecks(TODAY)
        told = db.session.scalars(sa.select(Notification.text).where(Notification.kind == "recheck_due")).all()
    # the coordinator and the panel chair, once each; the review is confidential: not named
    assert told == ["Look again at how Home Office is delivering a recommendation of a confidential review"] * 2
    assert "Due to be looked at again" in text(cora.get(f"/external/{world['item_id']}"))


def test_a_body_s_contact_finds_nothing_of_the_partnership_anywhere(app, world, as_user):
    """Every page a signed-in person without a partnership reaches (home, my actions, search, calendar, account):
    nothing of the review, its actions or its pseudonym."""
    _send(as_user(world["cora"]), world)
    hana = as_user(world["hana"])
    seen = " ".join(text(hana.get(url)) for url in (
        "/", "/my-actions", "/search?q=GP", "/search?q=Adult", "/search?q=Brief", "/account/preferences",
        f"/bodies/{_body_id(app, 'Home Office')}/recommendations", f"/answers/{world['item_id']}"))
    for secret in ("Adult Z", "GP should have asked", "Brief every GP surgery", "Thames Valley Police", "Tom Lead",
                   "Ruth Chair"):
        assert secret not in seen, secret
    assert "Recommendations to Home Office" in seen


def test_one_answer_serves_likely_duplicates_the_body_chooses(app, world, make, as_user):
    _send(as_user(world["cora"]), world, shared="The Home Office should fund routine enquiry training for GPs.")
    other = make.partnership(name="Bedford")
    review = make.review(other, reference="DHR B1", status="published", published_on=TODAY)
    make.recommendation(review, number="7", scope="national", external_body="Home Office", sent_on=TODAY,
                        response_due_on=TODAY + timedelta(days=56),
                        text="The Home Office should fund routine enquiry training for all GPs.")
    make.recommendation(review, number="8", scope="national", external_body="Home Office", sent_on=TODAY,
                        response_due_on=TODAY + timedelta(days=56), text="Publish statistics on homicide.")
    with app.app_context():
        twin = db.session.scalar(sa.select(BodyRecommendation.id).join(BodyRecommendation.recommendation)
                                 .where(BodyRecommendation.recommendation.has(number="7")))
    hana = as_user(world["hana"])
    page = text(hana.get(f"/answers/{world['item_id']}"))
    assert "Give the same answer to these recommendations too" in page and "Recommendation 7 of DHR B1" in page
    assert "Recommendation 8 of DHR B1" not in page  # says something else
    assert hana.post(f"/answers/{world['item_id']}", {"stance": "accepted", "response_text": "Funded from April.",
                                                      "version": "2", "also_ids": [str(twin)]}).status_code == 302
    for item_id in (world["item_id"], twin):
        answered = _item(app, item_id)
        assert (answered.stance, answered.response_text) == (ResponseStance.ACCEPTED, "Funded from April.")
    # answered now: no longer offered
    assert "Give the same answer" not in text(hana.get(f"/answers/{world['item_id']}"))


def test_closed_without_an_answer_is_not_overdue_anywhere(app, world, as_user):
    from tracker.register.services import state_of

    cora = as_user(world["cora"])
    _send(cora, world, sent_on=TODAY - timedelta(days=100))
    assert "No response, 44 days past due" in text(cora.get(f"/external/{world['item_id']}"))
    cora.post(f"/external/{world['item_id']}/assess", {
        "assessment": "closed_superseded", "assessment_reason": "National guidance replaced it", "version": "2"})
    assert "Closed: superseded" in text(cora.get(f"/external/{world['item_id']}"))
    with app.app_context():
        assert db.session.scalar(sa.select(state_of(TODAY)).where(BodyRecommendation.id == world["item_id"])) \
            == "closed_superseded"
        assert services.remind_bodies(TODAY) == 0
    assert "0 overdue" in text(as_user(world["hana"]).get(f"/bodies/{_body_id(app, 'Home Office')}/recommendations"))


def test_a_sent_recommendation_is_kept_and_an_archived_review_is_answered_no_more(app, world, as_user):
    from tracker.actions.models import Action
    from tracker.db import utcnow
    from tracker.errors import ValidationFailed
    from tracker.reviews.models import Recommendation, Review
    from tracker.reviews.services import delete_recommendation

    _send(as_user(world["cora"]), world)
    with app.app_context():
        db.session.execute(sa.delete(Action))  # without its action, only the sending keeps it
        db.session.commit()
        with pytest.raises(ValidationFailed, match="sent to a body beyond the partnership"):
            delete_recommendation(db.session.get(Recommendation, world["recommendation"].id))
        db.session.rollback()
        db.session.get(Review, world["review"].id).archived_at = utcnow()
        db.session.commit()
    refused = as_user(world["hana"]).post(f"/answers/{world['item_id']}", {
        "stance": "accepted", "response_text": "Yes", "version": "2"})
    assert refused.status_code == 403
