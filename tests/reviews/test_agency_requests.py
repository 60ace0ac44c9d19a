"""Requests to agencies for a review's scoping returns, chronologies and IMRs: sent to several agencies at once,
received, chased, withdrawn; their status agency by agency; and the reminders that chase them by email."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions.state import london_today
from tracker.email import OutboxMessage, deliver_outbox
from tracker.enums import RequestKind
from tracker.extensions import db
from tracker.reviews import requests
from tracker.reviews.models import AgencyRequest, AgencyRequestChase

TODAY = london_today()


def _day(value):
    return f"{value.day}/{value.month}/{value.year}"


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Housing")
    people = dict(
        cora=make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org"),
        chair=make.member(p, "panel_member", name="Ruth Chair", email="ruth@example.org"),
        member=make.member(p, "panel_member", name="Pat Panel", email="pat@example.org"),
        tom=make.member(p, "agency_lead", agency=police, name="Tom Lead", email="tom@example.org"),
        ann=make.member(p, "agency_lead", agency=housing, name="Ann Housing", email="ann@example.org"),
    )
    review = make.review(p, reference="DHR 2026-07", pseudonyms="Adult Z",
                         panel=[(people["chair"], True), (people["member"], False)])
    return dict(p=p, police=police, housing=housing, review=review, **people)


def _request(world, agency="police", kind=RequestKind.CHRONOLOGY, sent=-20, due=5, **fields):
    record = AgencyRequest(review_id=world["review"].id, agency_id=world[agency].id, kind=kind,
                           sent_on=TODAY + timedelta(days=sent), due_on=TODAY + timedelta(days=due), **fields)
    db.session.add(record)
    db.session.commit()
    return record


def _send(client, world, **overrides):
    data = dict(kind="chronology", agency_ids=[world["police"].id, world["housing"].id],
                sent_on=_day(TODAY), due_on=_day(TODAY + timedelta(days=28)), contact_id="", note="")
    data.update(overrides)
    return client.post(f"/reviews/{world['review'].id}/requests", data)


def test_the_chair_asks_two_agencies_at_once_and_sees_each_ones_status(app, world, as_user):
    chair = as_user(world["chair"])
    response = _send(chair, world, note="From January 2024 to the death")
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalars(sa.select(AgencyRequest).order_by(AgencyRequest.agency_id)).all()
        assert [(r.agency_id, r.kind, r.due_on, r.contact_id) for r in made] == [
            (world["police"].id, RequestKind.CHRONOLOGY, TODAY + timedelta(days=28), None),
            (world["housing"].id, RequestKind.CHRONOLOGY, TODAY + timedelta(days=28), None)]
    page = text(chair.get(response.headers["Location"]))
    assert "The requests have been recorded." in page
    assert "MK Housing Chronology From January 2024 to the death" in page
    assert "Thames Valley Police Chronology" in page and page.count("Due in 28 days") == 2
    # the review page says the same in brief
    review_page = text(chair.get(f"/reviews/{world['review'].id}"))
    assert "Requests to agencies Agency Asked for Status MK Housing Chronology Due in 28 days" in review_page


@pytest.mark.parametrize("changes, field, message", [
    ({"due_on": _day(TODAY - timedelta(days=1))}, "due_on", "cannot be before the date the request was sent"),
    ({"due_on": ""}, "due_on", "Enter the date the agency should reply by"),
    ({"sent_on": _day(TODAY + timedelta(days=1))}, "sent_on", "cannot be in the future"),
    ({"agency_ids": []}, "agency_ids", "Choose at least one agency"),
    ({"kind": ""}, "kind", "Choose what is asked for"),
    ({"due_on": "soon"}, "due_on", "Enter a real date"),
])
def test_a_bad_request_is_refused_beside_its_field(app, world, as_user, changes, field, message):
    response = _send(as_user(world["cora"]), world, **changes)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True) and message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyRequest)) == 0


def test_an_agency_is_not_asked_twice_for_what_it_has_not_yet_sent(app, world, as_user, make):
    with app.app_context():
        _request(world)
    response = _send(as_user(world["cora"]), world)
    assert "Thames Valley Police has already been asked for this and has not replied" in text(response)
    other = make.agency(make.partnership(), name="Elsewhere Police")
    response = _send(as_user(world["cora"]), world, agency_ids=[other.id])
    assert "Choose agencies of this partnership" in text(response)


def test_the_contact_must_be_a_person_of_the_partnership(app, world, as_user, make):
    stranger = make.member(make.partnership(), "viewer", name="Stranger")
    response = _send(as_user(world["cora"]), world, contact_id=str(stranger.id))
    assert 'id="contact_id-error"' in response.get_data(as_text=True)
    assert _send(as_user(world["cora"]), world, contact_id=str(world["tom"].id)).status_code == 302


def test_received_chased_changed_and_withdrawn(app, world, as_user):
    with app.app_context():
        first, second = _request(world), _request(world, agency="housing", kind=RequestKind.IMR, due=-10)
        first_id, second_id = first.id, second.id
    chair, base = as_user(world["chair"]), f"/reviews/{world['review'].id}/requests"
    assert chair.post(f"{base}/{second_id}/chase", {"chased_on": _day(TODAY - timedelta(days=2)),
                                                    "note": "Called the safeguarding lead"}).status_code == 302
    page = text(chair.get(base))
    assert "Overdue by 10 days Chased 1 time, last on" in page
    refused = chair.post(f"{base}/{first_id}/received", {"received_on": _day(TODAY - timedelta(days=30))})
    assert "It cannot be received before the request was sent" in text(refused)
    assert chair.post(f"{base}/{first_id}/received", {"received_on": _day(TODAY)}).status_code == 302
    assert f"Received on {TODAY.day}" in text(chair.get(base))
    changed = chair.post(f"{base}/{second_id}/edit", {"due_on": _day(TODAY + timedelta(days=14)),
                                                      "contact_id": str(world["ann"].id), "note": "More time agreed"})
    assert changed.status_code == 302
    assert "Due in 14 days" in text(chair.get(base))
    # withdrawing asks first, and only a POST withdraws
    confirm = chair.get(f"{base}/{second_id}/withdraw")
    assert "Withdraw the request for: Individual Management Review from MK Housing?" in text(confirm)
    with app.app_context():
        assert db.session.get(AgencyRequest, second_id).withdrawn_on is None
    assert chair.post(f"{base}/{second_id}/withdraw").status_code == 302
    with app.app_context():
        withdrawn = db.session.get(AgencyRequest, second_id)
        assert withdrawn.withdrawn_on == TODAY and len(withdrawn.chases) == 1
    assert "Withdrawn on" in text(chair.get(base))
    again = chair.post(f"{base}/{second_id}/chase", {"chased_on": _day(TODAY)})
    assert "This request was withdrawn: it can no longer be changed" in text(again)


def test_changes_are_in_the_audit_log(app, world, as_user):
    from tracker.audit.models import AuditEntry

    _send(as_user(world["cora"]), world, agency_ids=[world["police"].id])
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "AgencyRequest")).all()
        assert [(e.event.value, e.user_id, e.partnership_id) for e in entries] == [
            ("create", world["cora"].id, world["p"].id)]


def test_only_those_who_see_the_review_see_its_requests_and_only_its_chair_and_coordinator_record(app, world,
                                                                                                  as_user):
    with app.app_context():
        request_id = _request(world).id
    base = f"/reviews/{world['review'].id}/requests"
    # an agency lead off the panel cannot open a confidential review, nor its requests
    tom = as_user(world["tom"])
    assert tom.get(base).status_code == 403
    assert tom.client.post(base).status_code in (400, 403)
    assert tom.get(f"{base}/{request_id}/chase").status_code == 403
    # a panel member reads them, but the chair and the coordinator record
    member = as_user(world["member"])
    page = member.get(base)
    assert page.status_code == 200 and "Thames Valley Police" in text(page) and "Ask agencies" not in text(page)
    assert member.get(f"{base}/{request_id}/received").status_code == 403
    assert _send(member, world, csrf_token=member.csrf_token(base)).status_code == 403
    assert as_user(world["cora"]).get(f"{base}/{request_id}/received").status_code == 200


def test_a_request_of_another_review_is_not_found_through_this_one(app, world, as_user, make):
    other = make.review(world["p"], reference="DHR 2026-08", panel=[(world["chair"], True)])
    with app.app_context():
        request_id = _request(world).id
    assert as_user(world["chair"]).get(f"/reviews/{other.id}/requests/{request_id}/chase").status_code == 404


# Reminders


def _remind(app, day=TODAY):
    with app.app_context():
        queued = requests.remind_agency_requests(day)
        deliver_outbox()
        db.session.remove()
        return queued


def test_the_contact_hears_a_week_before_the_due_date_once_by_reference_only(mail_app, smtp_server, world):
    with mail_app.app_context():
        _request(world, due=5, contact_id=world["tom"].id)
        _request(world, agency="housing", due=20)  # not yet
        _request(world, agency="housing", kind=RequestKind.SCOPING, sent=-2, due=5)  # given under a week
    assert _remind(mail_app) == 1
    assert _remind(mail_app) == 0
    [message] = smtp_server.messages
    assert message["To"] == "tom@example.org"
    due = TODAY + timedelta(days=5)
    assert message["Subject"] == f"Action tracker: Chronology for DHR 2026-07 due on {due.day} {due:%B} {due.year}"
    body = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Thames Valley Police was asked on" in body and "DHR 2026-07" in body
    assert "Adult Z" not in body + html + message["Subject"]
    # Tom is not on the panel: the link is to the tracker, not to a review he cannot open
    assert "https://tracker.example.gov.uk/" in body.splitlines() and "/reviews/" not in body


def test_an_overdue_request_is_chased_each_week_and_counted(mail_app, smtp_server, world):
    with mail_app.app_context():
        request_id = _request(world, due=-3, contact_id=world["member"].id).id
    assert _remind(mail_app) == 1
    assert _remind(mail_app, TODAY + timedelta(days=2)) == 0  # the same week
    assert _remind(mail_app, TODAY + timedelta(days=5)) == 1  # the next week
    assert len(smtp_server.messages) == 2
    message = smtp_server.messages[0]
    assert "overdue since" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "overdue by 3 days" in body
    # a panel member can open the review: the link is to its requests
    assert f"https://tracker.example.gov.uk/reviews/{world['review'].id}/requests" in body
    with mail_app.app_context():
        chased = db.session.get(AgencyRequest, request_id)
        assert [c.chased_on for c in chased.chases] == [TODAY, TODAY + timedelta(days=5)]
        assert chased.last_chased_on == TODAY + timedelta(days=5)
        assert requests.request_state(chased, TODAY + timedelta(days=5)).chased.startswith("Chased 2 times")


def test_an_occasion_another_run_has_taken_is_not_taken_again(mail_app, smtp_server, world):
    """Two schedulers at once: the one that comes second finds the chase for this week already there."""
    with mail_app.app_context():
        request = _request(world, due=-3, contact_id=world["tom"].id)
        db.session.add(AgencyRequestChase(request_id=request.id, chased_on=TODAY,
                                          occasion=requests._occasion(request, TODAY)))
        db.session.commit()
    assert _remind(mail_app) == 0
    assert smtp_server.messages == []
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyRequestChase)) == 1


def test_received_withdrawn_and_archived_requests_are_not_reminded(mail_app, smtp_server, world, make):
    from tracker.db import utcnow

    archived = make.review(world["p"], reference="DHR 2019-01", archived_at=utcnow(), archive_reason="Retention")
    with mail_app.app_context():
        _request(world, due=-3, received_on=TODAY - timedelta(days=1))
        _request(world, agency="housing", due=-3, withdrawn_on=TODAY - timedelta(days=1))
        db.session.add(AgencyRequest(review_id=archived.id, agency_id=world["police"].id, kind=RequestKind.IMR,
                                     sent_on=TODAY - timedelta(days=40), due_on=TODAY - timedelta(days=3)))
        db.session.commit()
    assert _remind(mail_app) == 0 and smtp_server.messages == []


def test_the_agency_leads_are_reminded_in_their_language_and_coordinators_when_nobody_answers(mail_app, smtp_server,
                                                                                              world, make):
    welsh = make.member(world["p"], "agency_lead", agency=world["police"], name="Gareth Llewelyn",
                        email="gareth@example.org")
    with mail_app.app_context():
        from tracker.accounts.models import User

        db.session.get(User, welsh.id).language = "cy"
        db.session.commit()
        _request(world, due=4)
        nobody = make.agency(world["p"], name="MK Schools")
        db.session.add(AgencyRequest(review_id=world["review"].id, agency_id=nobody.id, kind=RequestKind.SCOPING,
                                     sent_on=TODAY - timedelta(days=30), due_on=TODAY - timedelta(days=1)))
        db.session.commit()
    _remind(mail_app)
    assert sorted(m["To"] for m in smtp_server.messages) == ["cora@example.org", "gareth@example.org",
                                                             "tom@example.org"]
    [cymraeg] = smtp_server.to("gareth@example.org")
    body = cymraeg.get_body(("plain",)).get_content()
    due = TODAY + timedelta(days=4)
    with mail_app.test_request_context():
        from flask_babel import force_locale

        from tracker.i18n import long_date

        with force_locale("cy"):
            welsh_due = long_date(due)
    assert body.startswith("Helo Gareth Llewelyn,") and welsh_due in body
    [coordinator] = smtp_server.to("cora@example.org")
    assert "Nobody in the tracker answers for this agency" in coordinator.get_body(("plain",)).get_content()
    assert "MK Schools" in coordinator.get_body(("plain",)).get_content()


def test_the_daily_run_sends_the_reminders(mail_app, smtp_server, world):
    from tracker.scheduler import daily_run

    with mail_app.app_context():
        _request(world, due=-1, contact_id=world["tom"].id)
        day = TODAY if TODAY.weekday() < 5 else TODAY + timedelta(days=7 - TODAY.weekday())
        daily_run(day)
        assert db.session.scalar(sa.select(OutboxMessage.kind)) == "reviews.request_reminder"
        db.session.remove()
    assert [m["To"] for m in smtp_server.messages] == ["tom@example.org"]


def test_states_say_how_a_request_stands(ctx, make):
    p = make.partnership()
    review = make.review(p)
    request = AgencyRequest(review_id=review.id, agency_id=make.agency(p).id, kind=RequestKind.IMR,
                            sent_on=date(2026, 1, 5), due_on=date(2026, 2, 2))
    db.session.add(request)
    db.session.commit()
    assert requests.request_state(request, date(2026, 1, 10)) == ("Due in 23 days", "blue", "")
    assert requests.request_state(request, date(2026, 1, 28)).colour == "yellow"
    assert requests.request_state(request, date(2026, 2, 2)).label == "Due today"
    assert requests.request_state(request, date(2026, 2, 3)) == ("Overdue by 1 day", "red", "")


def test_archiving_the_review_anonymises_its_requests_and_submissions(ctx, world):
    from tracker.reviews import quality, retention
    from tracker.reviews.models import Review

    review = db.session.get(Review, world["review"].id)
    request = _request(world, note="Contact with Adult Z since 2022")
    request.chases.append(AgencyRequestChase(chased_on=TODAY, note="Asked about Adult Z again"))
    submission = quality.record_submission(review, TODAY - timedelta(days=30))
    quality.record_feedback(submission, dict(feedback_on=TODAY, feedback="Say more about Adult Z's GP",
                                             outcome="resubmit"))
    retention.archive_review(review, db.session.get(type(world["cora"]), world["cora"].id), "Retention ended")
    db.session.expire_all()
    texts = [request.note, request.chases[0].note, submission.feedback]
    assert texts == ["Contact with (anonymised) since 2022", "Asked about (anonymised) again",
                     "Say more about (anonymised)'s GP"]
