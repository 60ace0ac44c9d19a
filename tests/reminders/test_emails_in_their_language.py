"""Each email in its reader's language: a reminder digest, one held up and brought up to date as it goes (even when
a coordinator's "Try again" sends it from an English page), news of a hand-off, the morning email and the calendar
feed. The words come from the catalogue; the dates, from CLDR, are Welsh whatever it holds ("17 Mawrth 2027"), so
they show which language each was written in."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import force_locale, gettext, ngettext

from tests.conftest import Browser
from tracker.accounts.models import User
from tracker.actions import services as actions
from tracker.actions.models import Action
from tracker.db import utcnow
from tracker.email import OutboxMessage, deliver_outbox
from tracker.enums import DeadlineApproval
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.notifications.services import send_morning_emails
from tracker.partnerships.models import Partnership
from tracker.reminders.feed import calendar_for
from tracker.reminders.services import run_reminders

DAY = date(2027, 3, 10)  # a Wednesday


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Caerdydd")
    police, housing = make.agency(p, name="Heddlu De Cymru"), make.agency(p, name="Cartrefi")
    people = dict(
        tom=make.member(p, "agency_lead", agency=police, name="Tom Owner", email="tom@example.org"),
        ann=make.member(p, "agency_lead", agency=housing, name="Ann Housing", email="ann@example.org"),
        cora=make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org"),
        carys=make.member(p, "coordinator", name="Carys Cydlynydd", email="carys@example.org"),
    )
    with app.app_context():
        for who in ("tom", "carys"):
            db.session.get(User, people[who].id).language = "cy"
        db.session.commit()
    return dict(p=p, police=police, housing=housing, people=people)


def _welsh(day):
    return format_date(day, "d MMMM y", locale="cy")


def _english(day):
    return format_date(day, "d MMMM y", locale="en")


def _plain(message):
    return message.get_body(("plain",)).get_content()


def test_each_digest_is_in_its_readers_language(mail_app, smtp_server, make, world):
    make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    make.action(world["p"], title="Review housing allocations", lead_agency=world["housing"],
                owner=world["people"]["ann"], deadline=DAY + timedelta(days=7))
    with mail_app.app_context():
        run_reminders(DAY)
        deliver_outbox()
        with force_locale("cy"):
            welsh_subject = ngettext("Action tracker: %(num)d action needs your attention",
                                     "Action tracker: %(num)d actions need your attention", 1)
    [to_tom], [to_ann] = smtp_server.to("tom@example.org"), smtp_server.to("ann@example.org")
    deadline = DAY + timedelta(days=7)
    assert _welsh(deadline) in _plain(to_tom) and _english(deadline) not in _plain(to_tom)
    assert _welsh(deadline) in to_tom.get_body(("html",)).get_content()
    assert to_tom["Subject"] == welsh_subject
    assert welsh_subject.startswith("Traciwr camau gweithredu:")  # the catalogue's Welsh, not the English again
    assert _english(deadline) in _plain(to_ann) and to_ann["Subject"] == "Action tracker: 1 action needs your attention"


def test_a_held_up_digest_is_brought_up_to_date_in_its_readers_language(mail_app, smtp_server, make, world):
    make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    smtp_server.refuse = True
    with mail_app.app_context():
        run_reminders(DAY)
        assert deliver_outbox() == (0, 1)
    smtp_server.refuse = False
    # sent again from a page in English (a coordinator's "Try again"): the email is still the reader's
    with mail_app.test_request_context("/", headers={"Accept-Language": "en"}):
        deliver_outbox(now=utcnow() + timedelta(minutes=1))
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.rerendered_at is not None
        with force_locale("cy"):
            welsh_subject = ngettext("Action tracker: %(num)d action needs your attention",
                                     "Action tracker: %(num)d actions need your attention", 1)
    [to_tom] = smtp_server.to("tom@example.org")
    assert _welsh(DAY + timedelta(days=7)) in _plain(to_tom) and to_tom["Subject"] == welsh_subject


def test_news_of_a_hand_off_is_told_in_each_persons_language(app, make, world):
    with app.app_context():
        db.session.get(Partnership, world["p"].id).deadline_approval = DeadlineApproval.ANY
        db.session.commit()
    action = make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                         owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    later = DAY + timedelta(days=40)
    with app.test_request_context("/"):
        moved = db.session.get(Action, action.id)
        actions.move_deadline(moved, db.session.get(User, world["people"]["tom"].id), later, "Funding arrived late",
                              moved.version)
        told = dict(db.session.execute(sa.select(Notification.user_id, Notification.text)
                                       .where(Notification.kind == "move_requested")).all())
        subjects = dict(db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.subject)).all())
    cora, carys = world["people"]["cora"], world["people"]["carys"]
    assert _english(later) in told[cora.id] and _welsh(later) in told[carys.id]
    assert told[carys.id].startswith("Publish the MARAC protocol: ")
    assert _welsh(later) in subjects["carys@example.org"] and _english(later) in subjects["cora@example.org"]


def test_the_morning_email_is_in_its_readers_language(app, make, world):
    with app.app_context():
        db.session.get(User, world["people"]["carys"].id).handoff_frequency = "daily"
        db.session.commit()
    action = make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                         owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    tom = Browser(app.test_client())
    tom.sign_in(world["people"]["tom"].email)
    tom.post(f"/actions/{action.id}/update", {"note": "Done", "status": "completed", "completion_note": "Delivered",
                                              "version": "1"})
    with app.app_context():
        assert send_morning_emails() == 1
        message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "carys@example.org"))
        with force_locale("cy"):
            subject = ngettext("Action tracker: %(num)d thing passed to you",
                               "Action tracker: %(num)d things passed to you", 1)
            closing = gettext("Sign in to see the details. You can choose to hear of these as they happen or in one "
                              "email each morning: %(url)s",
                              url=app.config["TRACKER_BASE_URL"].rstrip("/") + "/account/preferences")
    assert message.subject == subject and closing in message.body_text


def test_the_calendar_feed_is_in_its_owners_language(app, make, world):
    make.action(world["p"], title="Publish the MARAC protocol", lead_agency=world["police"],
                owner=world["people"]["tom"], deadline=DAY + timedelta(days=7))
    # a calendar program signs in as nobody, here with an English browser's header
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        lines = calendar_for(db.session.get(User, world["people"]["tom"].id)).replace("\r\n ", "").split("\r\n")
        with force_locale("cy"):
            name = gettext("Action tracker deadlines")
            summary = gettext("Deadline: %(action)s", action="Publish the MARAC protocol")
    assert f"X-WR-CALNAME:{name}" in lines and f"SUMMARY:{summary}" in lines
