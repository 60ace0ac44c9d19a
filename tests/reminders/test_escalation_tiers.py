"""Escalations say what happened: one entry per action for each person, naming the tier, and saying so wherever
a tier had nobody and the coordinator was told instead."""
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.conftest import text
from tracker.actions.state import london_today
from tracker.email import OutboxMessage, deliver_outbox
from tracker.enums import Role
from tracker.extensions import db
from tracker.partnerships.models import Membership
from tracker.reminders.calendar import is_working_day
from tracker.reminders.models import ReminderDelivery, ReminderLog
from tracker.reminders.services import run_reminders

DAY = date(2027, 3, 10)  # a Wednesday
FELL_BACK = ("You are receiving this as coordinator: the action is led by Thames Valley Police, which has no "
             "agency lead.")


@pytest.fixture
def world(app, make):
    """Thames Valley Police has nobody in either tier; MK Housing has both. Olu, who owns the police actions, is
    the housing agency lead."""
    p = make.partnership(name="Milton Keynes")
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Housing")
    people = dict(
        olu=make.member(p, "agency_lead", agency=housing, name="Olu Owner", email="olu@example.org"),
        hana=make.member(p, "agency_lead", agency=housing, name="Hana Lead", email="hana@example.org"),
        sam=make.member(p, "strategic_member", agency=housing, name="Sam Strategic", email="sam@example.org"),
        cora=make.member(p, "coordinator", name="Cora Coordinator", email="cora@example.org"),
    )

    def action(title, deadline, agency=police, owner="olu"):
        return make.action(p, title=title, lead_agency=agency, owner=people[owner], deadline=deadline)

    return dict(p=p, police=police, housing=housing, people=people, action=action)


def run(app, day=DAY):
    with app.app_context():
        run_reminders(day)
        deliver_outbox()
        db.session.remove()


def plain(message):
    return message.get_body(("plain",)).get_content()


def test_a_tier_with_nobody_falls_back_to_the_coordinator_who_is_told_so(mail_app, smtp_server, world):
    late = world["action"]("Train response officers", DAY - timedelta(days=7))
    run(mail_app)
    [escalation] = [m for m in smtp_server.to("cora@example.org") if "escalated" in m["Subject"]]
    assert escalation["Subject"] == "Action tracker: 1 overdue action escalated to you"
    body = plain(escalation)
    assert "escalated to the agency lead" in body and FELL_BACK in body
    assert "This action is overdue and escalated to you:" in body
    assert FELL_BACK in escalation.get_body(("html",)).get_content()
    with mail_app.app_context():
        log = db.session.scalar(sa.select(ReminderLog).where(ReminderLog.action_id == late.id,
                                                             ReminderLog.kind == "escalate:lead"))
        assert (log.fell_back_to, log.recipients) == ("coordinator", str(world["people"]["cora"].id))


def test_a_tier_that_has_someone_names_it_to_them(mail_app, smtp_server, world):
    world["action"]("Review housing allocations", DAY - timedelta(days=7), agency=world["housing"])
    run(mail_app)
    [to_hana] = smtp_server.to("hana@example.org")
    body = plain(to_hana)
    assert "escalated to you as agency lead" in body and "receiving this as" not in body
    assert smtp_server.to("cora@example.org") == []


def test_both_tiers_on_one_day_make_one_entry_per_person_naming_the_higher(mail_app, smtp_server, world, make):
    police_action = world["action"]("Train response officers", DAY - timedelta(days=21))
    # Sam holds both tiers for housing: one entry, as strategic group member
    make.save(Membership(user_id=world["people"]["sam"].id, partnership_id=world["p"].id, role=Role.AGENCY_LEAD,
                         agency_id=world["housing"].id))
    world["action"]("Review housing allocations", DAY - timedelta(days=21), agency=world["housing"])
    run(mail_app)

    [to_cora] = [m for m in smtp_server.to("cora@example.org") if "escalated" in m["Subject"]]
    assert to_cora["Subject"] == "Action tracker: 1 overdue action escalated to you"
    body = plain(to_cora)
    assert body.count("Train response officers") == 1
    assert "escalated to the strategic group member" in body and "agency lead\r\n" not in body
    assert ("You are receiving this as coordinator: the action is led by Thames Valley Police, which has no agency "
            "lead and no strategic group member.") in body

    [to_sam] = smtp_server.to("sam@example.org")
    assert to_sam["Subject"] == "Action tracker: 1 overdue action escalated to you"
    assert plain(to_sam).count("Review housing allocations") == 1
    assert "escalated to you as strategic group member" in plain(to_sam)

    with mail_app.app_context():  # the one entry carries both decisions, so the log shows both were delivered
        carried = db.session.scalars(
            sa.select(ReminderLog.kind).join(ReminderDelivery).join(OutboxMessage)
            .where(OutboxMessage.to_address == "cora@example.org", ReminderLog.action_id == police_action.id)
            .order_by(ReminderLog.kind)).all()
    assert carried == ["escalate:lead", "escalate:strategic"]


def test_the_text_part_keeps_one_line_per_item(mail_app, smtp_server, world, make):
    world["action"]("Train response officers", DAY - timedelta(days=7))
    world["action"]("Publish the MARAC protocol", DAY + timedelta(days=7))
    nobodys = make.action(world["p"], title="Nobody's job", lead_agency=world["police"], deadline=DAY)
    run(mail_app)
    [digest] = smtp_server.to("olu@example.org")
    lines = plain(digest).splitlines()
    start = lines.index("- Train response officers")
    assert lines[start:start + 4] == ["- Train response officers", "  Milton Keynes",
                                      "  Deadline 3 March 2027, overdue by 7 days",
                                      "  https://tracker.example.gov.uk/actions/" + lines[start + 3].rsplit("/", 1)[1]]
    assert lines[start + 4] == "- Publish the MARAC protocol"
    [to_cora_digest] = [m for m in smtp_server.to("cora@example.org") if "attention" in m["Subject"]]
    lines = plain(to_cora_digest).splitlines()
    start = lines.index("- Nobody's job")
    assert lines[start + 1:start + 5] == [
        "  Milton Keynes", "  Deadline 10 March 2027, due today",
        "  You are receiving this as coordinator: the action has no owner. Please give it an owner.",
        f"  https://tracker.example.gov.uk/actions/{nobodys.id}"]
    [escalation] = [m for m in smtp_server.to("cora@example.org") if "escalated" in m["Subject"]]
    lines = plain(escalation).splitlines()
    start = lines.index("- Train response officers")
    assert lines[start + 1:start + 4] == ["  Thames Valley Police, owner Olu Owner",
                                          "  Overdue by 7 days: escalated to the agency lead", "  " + FELL_BACK]


def test_with_no_coordinator_an_administrator_hears_and_is_told_why(mail_app, smtp_server, make):
    p = make.partnership(name="Bedford")
    police = make.agency(p, name="Bedfordshire Police")
    owner = make.member(p, "agency_lead", agency=make.agency(p, name="Bedford Housing"))
    make.user(name="Ada Admin", email="ada@example.org", is_administrator=True)
    make.action(p, title="Train response officers", lead_agency=police, owner=owner, deadline=DAY - timedelta(days=7))
    run(mail_app)
    [escalation] = smtp_server.to("ada@example.org")
    assert ("You are receiving this as an administrator: the action is led by Bedfordshire Police, which has no "
            "agency lead, and Bedford has no coordinator.") in plain(escalation)


def _last_working_day():
    day = london_today()
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def test_the_reminders_page_says_where_an_escalation_fell_back(app, world, as_user):
    world["action"]("Train response officers", london_today() - timedelta(days=30))
    coordinator = as_user(world["people"]["cora"])
    url = f"/partnerships/{world['p'].id}/reminders"
    preview = text(coordinator.get(url)).split("Sent and queued emails")[0]
    assert re.search(r"Cora Coordinator Escalation Train response officers : overdue by \d+ days, owner Olu Owner\. "
                     r"Escalation to the strategic group member fell back to the coordinator: the action is led by "
                     r"Thames Valley Police, which has no agency lead and no strategic group member\.", preview)
    assert preview.count("Train response officers") == 2  # the owner's reminder and one escalation entry

    with app.app_context():
        run_reminders(_last_working_day())
        db.session.remove()
    sent = text(coordinator.get(url)).split("Sent and queued emails")[1]
    assert ("cora@example.org Action tracker: 1 overdue action escalated to you Train response officers : "
            "Escalation to the strategic group member fell back to the coordinator") in sent
    assert "Escalated to" not in sent


def test_the_overdue_report_and_the_pack_say_it_fell_back(app, world, as_user):
    # twelve days late: the first tier is due by the last working day, whatever the weekend or bank holiday
    world["action"]("Train response officers", london_today() - timedelta(days=12))
    world["action"]("Review housing allocations", london_today() - timedelta(days=12), agency=world["housing"])
    with app.app_context():
        run_reminders(_last_working_day())
        db.session.remove()
    coordinator = as_user(world["people"]["cora"])
    report = text(coordinator.get(f"/partnerships/{world['p'].id}/reports/overdue"))
    assert "Escalation to the agency lead fell back to the coordinator" in report
    assert "Escalated to the agency lead" in report  # the housing action, whose agency has a lead
    pack = coordinator.get(f"/partnerships/{world['p'].id}/reports/pack.pdf")
    content = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pack.data)).pages).split())
    assert "Escalation to the agency lead fell back to the coordinator" in content
