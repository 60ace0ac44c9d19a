"""Delivery drills against a real SMTP server: a long outage, a double retry, a crash between the relay and the
record, a relay that hangs, a recipient refused for good. Each says what the server received."""
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from tests.conftest import Browser, text
from tracker import ROOT
from tracker.actions.models import Action
from tracker.actions.state import london_today
from tracker.db import utcnow
from tracker.email import ALERT_KIND, CLAIM_LEASE, OutboxMessage, deliver_outbox, delivery_health
from tracker.enums import ActionStatus, OutboxStatus
from tracker.extensions import db
from tracker.reminders.calendar import is_working_day
from tracker.reminders.services import run_reminders

DAY = date(2027, 3, 10)  # a Wednesday, in winter time: 07:00 UTC is 07:00 in London


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Housing")
    people = dict(
        tom=make.member(p, "agency_lead", agency=police, name="Tom Owner", email="tom@example.org"),
        ann=make.member(p, "agency_lead", agency=housing, name="Ann Housing", email="ann@example.org"),
        lara=make.member(p, "agency_lead", agency=police, name="Lara Lead", email="lara@example.org"),
        cora=make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org"),
        admin=make.user(name="Ada Admin", email="admin@example.org", is_administrator=True),
    )

    def action(title, days, owner="tom", agency=police):
        return make.action(p, title=title, lead_agency=agency, owner=people[owner],
                           deadline=DAY + timedelta(days=days))

    return dict(p=p, housing=housing, people=people, action=action)


def statuses(app):
    with app.app_context():
        return dict(db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.status)).all())


def body(message):
    return message.get_body(("plain",)).get_content()


def test_a_two_day_outage_delivers_each_message_once_and_none_stale(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 1)
    moved = world["action"]("Train response officers", 7)
    closed = world["action"]("Review housing allocations", 1, owner="ann", agency=world["housing"])
    smtp_server.stop()
    seen = []
    with time_machine.travel(datetime(2027, 3, 10, 7, tzinfo=UTC), tick=False) as clock, mail_app.app_context():
        for hour in range(53):  # the scheduler: the 07:00 run on working days, delivery in between
            now = utcnow()
            if now.hour == 7 and is_working_day(london_today()):
                run_reminders(london_today())
            if hour == 26:  # the next day at 09:00, while mail is down
                db.session.get(Action, closed.id).status = ActionStatus.CLOSED
                db.session.get(Action, moved.id).deadline = DAY + timedelta(days=60)
                db.session.commit()
            if hour == 50:
                smtp_server.start()  # back at 09:00 on the second day
            deliver_outbox()
            seen.append(delivery_health(world["p"]))
            clock.shift(timedelta(hours=1))
        alerts = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == ALERT_KIND))
        assert delivery_health().is_healthy
    assert seen[1].is_healthy and all(not health.is_healthy for health in seen[2:50])  # after an hour, and on
    assert not any(health.failed for health in seen)  # never given up on
    assert alerts == 1  # held up with everything else, and not repeated while it waited

    received = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert set(received.values()) == {1}
    [to_tom] = smtp_server.to("tom@example.org")
    # the day's reminder and the day after's, about two actions: one moved since, so one item, as it is now
    assert "Publish the MARAC protocol" in body(to_tom) and "overdue by 1 day" in body(to_tom)
    assert "Train response officers" not in body(to_tom) and "due in" not in body(to_tom)
    assert to_tom["Subject"] == "Action tracker: 1 action needs your attention, 1 overdue"
    assert smtp_server.to("ann@example.org") == []  # her action closed during the outage
    [alert] = smtp_server.to("admin@example.org")
    assert "2 emails have waited more than an hour" in body(alert)
    assert sorted(statuses(mail_app).values()) == [OutboxStatus.SENT] * 2 + [OutboxStatus.SUPERSEDED] * 3

    coordinator = Browser(mail_app.test_client())
    coordinator.sign_in(world["people"]["cora"].email)
    page = text(coordinator.get(f"/partnerships/{world['p'].id}/reminders"))
    assert page.count("Not sent superseded") == 3 and "late: brought up to date as it went" in page


def test_the_coordinator_and_the_administrator_see_mail_held_up_on_their_home_page(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 1)
    smtp_server.stop()
    with time_machine.travel(datetime(2027, 3, 10, 7, tzinfo=UTC), tick=False) as clock:
        with mail_app.app_context():
            run_reminders(DAY)
            deliver_outbox()  # the relay is down: the reminder waits
        clock.shift(timedelta(hours=2))
        for who in ("cora", "admin"):
            person = Browser(mail_app.test_client())
            person.sign_in(world["people"][who].email)
            page = text(person.get("/"))
            assert "Emails are not getting through" in page and "1 email has waited more than an hour" in page
        lead = Browser(mail_app.test_client())
        lead.sign_in(world["people"]["tom"].email)
        assert "Emails are not getting through" not in text(lead.get("/"))
    smtp_server.start()


def test_a_reminder_held_up_while_its_action_changed_hands_is_not_sent(mail_app, smtp_server, world):
    action = world["action"]("Publish the MARAC protocol", 7)
    smtp_server.refuse = True
    with mail_app.app_context():
        run_reminders(DAY)
        assert deliver_outbox() == (0, 1)
        db.session.get(Action, action.id).owner_id = world["people"]["lara"].id
        db.session.commit()
        smtp_server.refuse = False
        assert deliver_outbox(now=utcnow() + timedelta(minutes=1)) == (0, 0)
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.status is OutboxStatus.SUPERSEDED and message.rerendered_at is not None
    assert smtp_server.messages == []


def test_try_again_pressed_twice_sends_one_message(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    smtp_server.reject.add("tom@example.org")
    with mail_app.app_context():
        run_reminders(DAY)
        deliver_outbox()
        message_id = db.session.scalar(sa.select(OutboxMessage.id))
    smtp_server.reject.clear()
    coordinator = Browser(mail_app.test_client())
    coordinator.sign_in(world["people"]["cora"].email)
    page = f"/partnerships/{world['p'].id}/reminders"
    token = coordinator.csrf_token(page)
    said = []
    for _ in range(2):  # the same form, sent twice
        pressed = coordinator.post(f"{page}/messages/{message_id}/retry", {"csrf_token": token}, form_url=page)
        said.append(text(coordinator.get(pressed.headers["Location"])))
    assert "The message to tom@example.org has been queued again." in said[0]
    assert "This email was already sent." in said[1] and "queued again" not in said[1]
    assert len(smtp_server.to("tom@example.org")) == 1
    assert statuses(mail_app)[message_id] is OutboxStatus.SENT


CRASHING_WORKER = """
import sys
from tests.conftest import _testing_config
from tracker import create_app
from tracker.email import deliver_outbox

app = create_app(_testing_config(sys.argv[1], MAIL_SERVER="127.0.0.1", MAIL_PORT=int(sys.argv[2]),
                                 MAIL_SUPPRESS_SEND=False))
with app.app_context():
    deliver_outbox()
"""


def test_a_process_killed_mid_batch_repeats_at_most_the_message_in_flight(mail_app, smtp_server, world,
                                                                         database_url):
    for owner in ("tom", "ann", "lara"):
        world["action"](f"Publish the protocol of {owner}", 7, owner=owner)
    with mail_app.app_context():
        run_reminders(DAY)
        stored = dict(db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.message_id)).all())
    assert len(stored) == 3
    smtp_server.hold_after = 1  # the relay has the first message and the worker is waiting for its answer
    worker = subprocess.Popen([sys.executable, "-c", CRASHING_WORKER, database_url, str(smtp_server.port)],
                              cwd=ROOT)
    try:
        assert smtp_server.held.wait(60), "the worker never reached the relay"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        smtp_server.release.set()
    [in_flight] = [i for i, status in statuses(mail_app).items() if status is OutboxStatus.SENDING]
    with mail_app.app_context():
        assert deliver_outbox() == (2, 0)  # the others; the one in flight is held until its claim lapses
        assert deliver_outbox(now=utcnow() + CLAIM_LEASE + timedelta(seconds=1)) == (1, 0)
    received = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert received == {stored[i]: 2 if i == in_flight else 1 for i in stored}
    assert set(statuses(mail_app).values()) == {OutboxStatus.SENT}


def test_a_relay_that_hangs_times_out_and_the_message_goes_later(make_app, smtp_server, world):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False,
                   MAIL_TIMEOUT_SECONDS=1)
    world["action"]("Publish the MARAC protocol", 7)
    smtp_server.hang = 1.5
    with app.app_context():
        run_reminders(DAY)
        assert deliver_outbox() == (0, 1)
        message = db.session.scalar(sa.select(OutboxMessage))
        assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 1)
        assert "timed out" in message.last_error
        smtp_server.hang = 0
        assert deliver_outbox(now=message.next_attempt_at) == (1, 0)
    [delivered] = smtp_server.messages
    assert delivered["Message-ID"] == message.message_id


def test_a_recipient_refused_for_good_fails_at_once_and_people_hear(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    smtp_server.reject.add("tom@example.org")
    with time_machine.travel(datetime(2027, 3, 10, 7, tzinfo=UTC), tick=False), mail_app.app_context():
        run_reminders(DAY)
        assert deliver_outbox() == (0, 1)
        message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "tom@example.org"))
        assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1) and "550" in message.last_error
        assert delivery_health(world["p"]) == (1, 0) and delivery_health() == (1, 0)
        deliver_outbox()  # the administrators' alert goes; the failure stays for a person to act on
        deliver_outbox()
        assert len(smtp_server.to("admin@example.org")) == 1  # at most one in six hours
        deliver_outbox(now=utcnow() + timedelta(hours=6))
        deliver_outbox(now=utcnow() + timedelta(hours=6))
        assert len(smtp_server.to("admin@example.org")) == 2
    assert "1 email could not be sent" in body(smtp_server.to("admin@example.org")[0])
    assert smtp_server.to("tom@example.org") == []
    coordinator = Browser(mail_app.test_client())
    coordinator.sign_in(world["people"]["cora"].email)
    page = text(coordinator.get(f"/partnerships/{world['p'].id}/reminders"))
    assert "Failed after 1 try: SMTPRecipientsRefused" in page and "550" in page


def test_the_outbox_command_lists_and_retries_only_what_failed(mail_app, smtp_server, world):
    world["action"]("Publish the MARAC protocol", 7)
    world["action"]("Review housing allocations", 7, owner="ann", agency=world["housing"])
    smtp_server.reject.add("tom@example.org")
    with mail_app.app_context():
        run_reminders(DAY)
        deliver_outbox()
        failed = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED))
    runner = mail_app.test_cli_runner()

    def outbox(*args):
        result = runner.invoke(args=["tracker", "outbox", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    listed = outbox("--status", "failed", "--partnership", "Milton Keynes")
    assert "tom@example.org" in listed and "ann@example.org" not in listed and "550" in listed
    assert "1 failed" in listed
    smtp_server.reject.clear()
    assert f"Queued again: {failed}." in outbox("--retry", str(failed))
    assert f"{failed} was not failed (sent): left as it is." in outbox("--retry", str(failed))
    assert "Queued again: none." in outbox("--retry-failed")
    assert len(smtp_server.to("tom@example.org")) == 1
    assert runner.invoke(args=["tracker", "outbox", str(failed)]).exit_code == 2  # ids without --retry


def test_delivery_leaves_the_callers_session_alone(mail_app, smtp_server, world):
    action = world["action"]("Publish the MARAC protocol", 7)
    with mail_app.app_context():
        run_reminders(DAY)
        loaded = db.session.get(Action, action.id)
        loaded.title = "Not saved"  # pending in the caller's session: delivery neither flushes nor commits it
        assert deliver_outbox() == (1, 0)
        assert not sa.inspect(loaded).expired and loaded in db.session.dirty
        db.session.rollback()
        assert db.session.get(Action, action.id).title == "Publish the MARAC protocol"
