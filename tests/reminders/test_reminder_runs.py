"""Reminder runs against a real SMTP server: the right people, one digest each, exactly once, never lost."""
import socket
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Browser, text
from tracker.actions.models import Action
from tracker.email import OutboxMessage, deliver_outbox
from tracker.enums import OutboxStatus
from tracker.extensions import db
from tracker.reminders.services import run_reminders

DAY = date(2027, 3, 10)  # a Wednesday


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Housing")
    people = dict(
        tom=make.member(p, "agency_lead", agency=police, name="Tom Owner", email="tom@example.org"),
        lara=make.member(p, "agency_lead", agency=police, name="Lara Lead", email="lara@example.org"),
        sam=make.member(p, "strategic_member", agency=police, name="Sam Strategic", email="sam@example.org"),
        ann=make.member(p, "agency_lead", agency=housing, name="Ann Housing", email="ann@example.org"),
        cora=make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org"),
    )

    def action(title, days, owner="tom", agency=police, **fields):
        return make.action(p, title=title, lead_agency=agency, owner=people[owner] if owner else None,
                           deadline=DAY + timedelta(days=days), **fields)

    return dict(p=p, police=police, housing=housing, people=people, action=action)


def run(app, day=DAY):
    with app.app_context():
        plan = run_reminders(day)
        deliver_outbox()
        db.session.remove()
        return plan


def test_one_digest_per_person_with_every_item_link_and_both_parts(mail_app, smtp_server, world):
    week = world["action"]("Publish the MARAC protocol", 7)
    late = world["action"]("Train response officers", -7)
    world["action"]("Review housing allocations", 28, owner="ann", agency=world["housing"])
    world["action"]("Far away", 100)
    run(mail_app)
    assert sorted(m["To"] for m in smtp_server.messages) == ["ann@example.org", "lara@example.org",
                                                             "tom@example.org"]
    [digest] = smtp_server.to("tom@example.org")
    assert digest["Subject"] == "Action tracker: 2 actions need your attention, 1 overdue"
    body = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    for action, words in ((week, "due in 7 days"), (late, "overdue by 7 days")):
        assert f"https://tracker.example.gov.uk/actions/{action.id}" in body
        assert f'href="https://tracker.example.gov.uk/actions/{action.id}"' in html
        assert action.title in body and words in body
    assert "Far away" not in body
    [escalation] = smtp_server.to("lara@example.org")
    assert "escalated to you" in escalation["Subject"]
    assert "owner Tom Owner" in escalation.get_body(("plain",)).get_content()
    assert "Overdue by 7 days" in escalation.get_body(("plain",)).get_content()


def test_nothing_due_means_no_email_at_all(mail_app, smtp_server, world):
    world["action"]("Far away", 100)
    plan = run(mail_app)
    assert plan.message_count == 0 and smtp_server.messages == []


def test_running_twice_the_same_day_sends_nothing_new(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    run(mail_app)
    run(mail_app)
    assert len(smtp_server.messages) == 1
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_escalation_to_the_strategic_member_after_three_weeks(mail_app, smtp_server, world):
    world["action"]("Train response officers", -21)
    run(mail_app)
    [to_sam] = smtp_server.to("sam@example.org")
    content = to_sam.get_body(("plain",)).get_content()
    assert "Train response officers" in content and "owner Tom Owner" in content and "21 days" in content


def test_an_action_without_an_owner_goes_to_the_coordinator(mail_app, smtp_server, world):
    world["action"]("Nobody's job", 7, owner=None)
    run(mail_app)
    [message] = smtp_server.messages
    assert message["To"] == "cora@example.org"
    assert "You are receiving this as coordinator: the action has no owner. Please give it an owner." in \
        message.get_body(("plain",)).get_content()


def test_a_closed_or_completed_action_gets_nothing(mail_app, smtp_server, world):
    world["action"]("Done already", -7, status="completed")
    world["action"]("Closed already", 7, status="closed")
    run(mail_app)
    assert smtp_server.messages == []


def test_moving_the_deadline_starts_a_new_series_and_stops_the_old(mail_app, smtp_server, world, make):
    action = world["action"]("Publish the MARAC protocol", 7)
    run(mail_app)  # "due in 7 days" for the old deadline
    with mail_app.app_context():
        record = db.session.get(Action, action.id)
        record.deadline = DAY + timedelta(days=61)
        db.session.commit()
    # the old deadline's "1 day before" would have fallen on the 16th: nothing goes
    run(mail_app, DAY + timedelta(days=6))
    assert len(smtp_server.messages) == 1
    run(mail_app, DAY + timedelta(days=33))  # 28 days before the new deadline, a Monday
    assert len(smtp_server.messages) == 2
    assert "due in 28 days" in smtp_server.messages[-1].get_body(("plain",)).get_content()


def test_a_confidential_reviews_action_is_not_described_in_email(mail_app, smtp_server, world, make):
    review = make.review(world["p"])
    recommendation = make.recommendation(review, text="Secret recommendation about Adult A")
    world["action"]("Share records about Adult A", 7, recommendation_id=recommendation.id, source="dhr")
    run(mail_app)
    body = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "Adult A" not in body and "confidential Domestic Homicide Review" in body


def test_smtp_down_keeps_messages_queued_then_delivers_each_once(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    world["action"]("Review housing allocations", 7, owner="ann", agency=world["housing"])
    smtp_server.stop()
    run(mail_app)
    with mail_app.app_context():
        states = db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts,
                                              OutboxMessage.last_error).order_by(OutboxMessage.id)).all()
        assert [s.status for s in states] == [OutboxStatus.QUEUED] * 2
        # the relay cannot be reached: the first records it, the rest wait for the next run instead of each
        # waiting out the connection timeout in turn
        assert [(s.attempts, bool(s.last_error)) for s in states] == [(1, True), (0, False)]
        later = db.session.scalar(sa.select(sa.func.max(OutboxMessage.next_attempt_at)))
    smtp_server.start()
    with mail_app.app_context():
        assert deliver_outbox(now=later) == (2, 0)
        assert deliver_outbox(now=later + timedelta(hours=1)) == (0, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == ["ann@example.org", "tom@example.org"]


def test_a_refusing_server_leads_to_retries_for_three_days_then_failed_then_a_manual_retry(mail_app, smtp_server,
                                                                                           world):
    world["action"]("Publish the MARAC protocol", 7)
    smtp_server.refuse = True
    run(mail_app)
    with mail_app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        for _ in range(100):
            if message.status is not OutboxStatus.QUEUED:
                break
            deliver_outbox(now=message.next_attempt_at)
            db.session.refresh(message)
        # the first try, five quick retries (1 to 240 minutes apart), then one an hour until 72 hours had passed
        assert (message.status, message.attempts) == (OutboxStatus.FAILED, 73)
        assert "451" in message.last_error
    coordinator = Browser(mail_app.test_client())
    coordinator.sign_in(world["people"]["cora"].email)
    page = coordinator.get(f"/partnerships/{world['p'].id}/reminders")
    assert "Failed after 73 tries" in text(page)
    smtp_server.refuse = False
    retried = coordinator.post(f"/partnerships/{world['p'].id}/reminders/messages/{message.id}/retry", {},
                               form_url=f"/partnerships/{world['p'].id}/reminders")
    assert "has been queued again" in text(coordinator.get(retried.headers["Location"]))
    assert len(smtp_server.to("tom@example.org")) == 1


def test_a_crash_after_queueing_and_before_sending_loses_nothing(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    with mail_app.app_context():
        run_reminders(DAY)  # decided and queued, then the process dies before delivering
        db.session.remove()
    assert smtp_server.messages == []
    run(mail_app, DAY + timedelta(days=1))  # the next run decides nothing new and sends what was queued
    assert len(smtp_server.messages) == 1


def test_a_worker_that_died_holding_a_message_lets_it_go_after_the_lease(mail_app, smtp_server, world):
    from tracker.email import CLAIM_LEASE, _claim

    world["action"]("Publish the MARAC protocol", 7)
    with mail_app.app_context():
        run_reminders(DAY)
        message_id = db.session.scalar(sa.select(OutboxMessage.id))
        from tracker.db import utcnow

        now = utcnow()
        assert _claim(message_id, now)  # claimed, then the worker dies
        assert deliver_outbox(now=now + timedelta(minutes=1)) == (0, 0)  # still held: not sent twice
        assert deliver_outbox(now=now + CLAIM_LEASE + timedelta(seconds=1)) == (1, 0)
    assert len(smtp_server.messages) == 1


def test_each_message_has_a_stable_message_id(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    smtp_server.refuse = True
    run(mail_app)
    smtp_server.refuse = False
    with mail_app.app_context():
        stored = db.session.scalar(sa.select(OutboxMessage.message_id))
        deliver_outbox(now=db.session.scalar(sa.select(OutboxMessage.next_attempt_at)))
    assert smtp_server.messages[0]["Message-ID"] == stored


def test_weekly_readers_get_upcoming_reminders_on_monday(mail_app, smtp_server, world):
    from tracker.accounts.models import User

    with mail_app.app_context():
        db.session.get(User, world["people"]["tom"].id).upcoming_frequency = "weekly"
        db.session.commit()
    world["action"]("Publish the MARAC protocol", 7)  # 7 days before falls on Wednesday the 10th
    run(mail_app)
    assert smtp_server.messages == []
    run(mail_app, date(2027, 3, 15))  # Monday
    [message] = smtp_server.messages
    assert "due in 2 days" in message.get_body(("plain",)).get_content()


def test_no_run_on_a_bank_holiday_and_the_next_working_day_catches_up(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 23)  # 7 days before is Good Friday, 26 March 2027
    run(mail_app, date(2027, 3, 26))
    run(mail_app, date(2027, 3, 29))  # Easter Monday
    assert smtp_server.messages == []
    run(mail_app, date(2027, 3, 30))
    [message] = smtp_server.messages
    assert "due in 3 days" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("deadline, run_day, words", [
    (date(2027, 3, 30), date(2027, 3, 30), "due today"),  # the first working day after the clocks go forward
    (date(2027, 11, 1), date(2027, 11, 1), "due today"),  # the first working day after they go back
])
def test_reminders_land_on_the_right_london_day_across_clock_changes(mail_app, smtp_server, world, make,
                                                                      deadline, run_day, words):
    import time_machine

    from tracker.actions.state import london_today

    make.action(world["p"], title="Clock change", lead_agency=world["police"], owner=world["people"]["tom"],
                deadline=deadline)
    # 06:00 UTC is 07:00 in London in summer time, and 06:00 in winter: either way the London day is run_day
    with time_machine.travel(f"{run_day.isoformat()} 06:00:00+00:00", tick=False):
        today = london_today()
    assert today == run_day
    with time_machine.travel(f"{(run_day - timedelta(days=1)).isoformat()} 23:30:00+00:00", tick=False):
        assert london_today() == (run_day if deadline.month == 3 else run_day - timedelta(days=1))
    run(mail_app, today)
    assert words in smtp_server.messages[-1].get_body(("plain",)).get_content()


def test_the_smtp_connection_times_out_instead_of_hanging(make_app, world):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_SUPPRESS_SEND=False,
                   MAIL_TIMEOUT_SECONDS=1)
    world["action"]("Publish the MARAC protocol", 7)
    try:
        with app.app_context():
            run_reminders(DAY)
            assert deliver_outbox() == (0, 1)
            message = db.session.scalar(sa.select(OutboxMessage))
            assert message.status is OutboxStatus.QUEUED and "timed out" in message.last_error.lower()
    finally:
        for connection, _ in held:
            connection.close()
        listener.close()


def test_tls_is_verified_not_skipped(make_app, smtp_server, world):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False,
                   MAIL_USE_SSL=True, MAIL_TIMEOUT_SECONDS=2)
    world["action"]("Publish the MARAC protocol", 7)
    with app.app_context():
        run_reminders(DAY)
        assert deliver_outbox() == (0, 1)
        assert "SSL" in db.session.scalar(sa.select(OutboxMessage.last_error))
    assert smtp_server.messages == []


def test_the_coordinator_is_reminded_once_of_an_assurance_check(mail_app, smtp_server, world):
    world["action"]("Train response officers", -60, status="closed", assurance_check_on=DAY - timedelta(days=1))
    world["action"]("Already confirmed", -60, status="closed", assurance_check_on=DAY - timedelta(days=1),
                    assurance_confirmed_on=DAY - timedelta(days=1))
    run(mail_app)
    run(mail_app, DAY + timedelta(days=1))
    [message] = smtp_server.messages
    assert message["To"] == "cora@example.org"
    body = message.get_body(("plain",)).get_content()
    assert "Train response officers" in body and "assurance check is due" in body
    assert "Already confirmed" not in body
