"""Hand-offs between people: deadline moves held for approval, news of each step to whoever acts next, the
queues on each home page, and several closures signed off at once."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tests.querycount import count_queries
from tracker.actions.models import Action, DeadlineChange
from tracker.actions.state import london_today
from tracker.email import OutboxMessage
from tracker.enums import OutboxStatus
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.notifications.services import check_responses, send_morning_emails
from tracker.partnerships.models import Membership, Partnership


@pytest.fixture
def team(app, make, as_user):
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    people = dict(coordinator=make.member(p, "coordinator", name="Priya Shah"),
                  lead=make.member(p, "agency_lead", agency=police, name="Tom Reid"),
                  owner=make.member(p, "agency_lead", agency=police, name="Olu Owner"),
                  chair=make.member(p, "strategic_member", name="Helen Marsh", is_chair=True))
    deadline = london_today() + timedelta(days=40)
    action = make.action(p, title="Publish the GP protocol", lead_agency=police, owner=people["owner"],
                         deadline=deadline)
    return dict(p=p, police=police, action=action, deadline=deadline, **people,
                as_=lambda who: as_user(people[who]))


def _rule(app, p, rule, days=28):
    with app.app_context():
        partnership = db.session.get(Partnership, p.id)
        partnership.deadline_approval, partnership.deadline_approval_days = rule, days
        db.session.commit()


def _action(app, action):
    with app.app_context():
        return db.session.get(Action, action.id)


def _told(app, user, kind):
    with app.app_context():
        return db.session.scalars(sa.select(Notification.text).where(Notification.user_id == user.id,
                                                                     Notification.kind == kind)).all()


def _move(team, who, to, version, reason="The consultation was extended"):
    browser = who if not isinstance(who, str) else team["as_"](who)
    return browser.post(f"/actions/{team['action'].id}/deadline",
                                 {"deadline": f"{to.day}/{to.month}/{to.year}", "reason": reason,
                                  "version": str(version)})


def test_a_leads_move_waits_for_approval_and_nothing_moves_until_then(app, team):
    later = team["deadline"] + timedelta(days=60)
    before = _action(app, team["action"])
    lead = team["as_"]("lead")
    response = _move(team, lead, later, before.version)
    assert response.status_code == 302
    page = text(lead.get(response.headers["Location"]))
    assert "has been sent for approval" in page
    assert f"Move to {later:%-d %B %Y} requested" in page
    after = _action(app, team["action"])
    assert (after.deadline, after.next_reminder_on) == (before.deadline, before.next_reminder_on)
    assert _told(app, team["coordinator"], "move_requested") == [
        f"Publish the GP protocol: Tom Reid asks to move the deadline to {later:%-d %B %Y}"]
    again = _move(team, "owner", later + timedelta(days=1), after.version)
    assert "is already awaiting approval" in text(again)
    coordinator_home = text(team["as_"]("coordinator").get("/"))
    assert "1 deadline move to approve" in coordinator_home
    with app.app_context():
        change = db.session.scalar(sa.select(DeadlineChange))
    approved = team["as_"]("coordinator").post(f"/deadline-requests/{change.id}", {"decision": "approve"})
    assert approved.status_code == 302
    moved = _action(app, team["action"])
    assert (moved.deadline, moved.original_deadline) == (later, team["deadline"])
    assert any("was approved by Priya Shah" in t for t in _told(app, team["lead"], "move_approved"))
    assert any("was approved" in t for t in _told(app, team["owner"], "move_approved"))


def test_a_refusal_needs_a_reason_and_keeps_the_deadline(app, team):
    _move(team, "lead", team["deadline"] + timedelta(days=90), _action(app, team["action"]).version)
    with app.app_context():
        change = db.session.scalar(sa.select(DeadlineChange))
    url = f"/deadline-requests/{change.id}"
    assert "Say why the move is refused" in text(team["as_"]("coordinator").post(url, {"decision": "refuse"}))
    assert team["as_"]("lead").get(url).status_code == 403, "the person who asks does not decide"
    team["as_"]("coordinator").post(url, {"decision": "refuse", "reason": "The board meets before then"})
    assert _action(app, team["action"]).deadline == team["deadline"]
    assert _told(app, team["lead"], "move_refused") == [
        f"Publish the GP protocol: the move of the deadline to {change.to_date:%-d %B %Y} was refused by Priya "
        "Shah: The board meets before then"]
    history = text(team["as_"]("lead").get(f"/actions/{team['action'].id}"))
    assert "Refused by Priya Shah: The board meets before then" in history


@pytest.mark.parametrize("rule, days, held", [
    ("none", 28, [False, False]),
    ("any", 28, [True]),
    ("longer", 28, [False, True]),  # 10 days at once; 60 more held
    ("repeated", 28, [False, True]),  # the first move at once; the second held
])
def test_the_partnerships_rule_decides_which_moves_wait(app, team, rule, days, held):
    _rule(app, team["p"], rule, days)
    moves = [team["deadline"] + timedelta(days=10), team["deadline"] + timedelta(days=70)]
    for to, is_held in zip(moves, held, strict=False):
        _move(team, "lead", to, _action(app, team["action"]).version)
        with app.app_context():
            waiting = db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineChange)
                                        .where(DeadlineChange.status == "requested"))
        assert bool(waiting) is is_held, (rule, to)
        if is_held:
            break
    coordinator_move = team["deadline"] + timedelta(days=200)
    if not held[-1]:
        _move(team, "coordinator", coordinator_move, _action(app, team["action"]).version)
        assert _action(app, team["action"]).deadline == coordinator_move, "a coordinator's move is never held"


def test_each_step_of_a_closure_reaches_whoever_acts_next(app, make, team):
    owner = team["as_"]("owner")
    action_id = team["action"].id
    owner.post(f"/actions/{action_id}/update", {"note": "Protocol published", "status": "completed",
                                                "completion_note": "Published on the intranet",
                                                "version": str(_action(app, team["action"]).version)})
    assert _action(app, team["action"]).status.value == "completed"
    assert _told(app, team["coordinator"], "closure_claimed") == [
        "Publish the GP protocol: marked completed by Olu Owner, awaiting sign-off"]
    chair = team["as_"]("chair")
    assert "1 action to decide on: signed off or not" in text(chair.get("/"))
    chair.post(f"/actions/{action_id}/reopen", {"reason": "No evidence of the launch",
                                                "version": str(_action(app, team["action"]).version)})
    for person in (team["owner"], team["lead"]):
        assert _told(app, person, "closure_refused") == [
            "Publish the GP protocol: closure was refused by Helen Marsh: No evidence of the launch"]
    assert "1 closure refused in the last 30 days" in text(team["as_"]("lead").get("/"))


def test_a_morning_email_bundles_what_waited_and_goes_once(app, make, team, mail_app, smtp_server):
    from tracker.accounts.models import User
    from tracker.email import deliver_outbox

    with app.app_context():
        db.session.get(User, team["coordinator"].id).handoff_frequency = "daily"
        db.session.commit()
    second = make.action(team["p"], title="Train response officers", lead_agency=team["police"],
                         owner=team["owner"], deadline=team["deadline"])
    for action in (team["action"], second):
        team["as_"]("owner").post(f"/actions/{action.id}/update", {
            "note": "Done", "status": "completed", "completion_note": "Delivered",
            "version": str(_action(app, action).version)})
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.to_address == team["coordinator"].email)) == 0
        assert send_morning_emails() == 1 and send_morning_emails() == 0
        deliver_outbox()
    [message] = smtp_server.to(team["coordinator"].email)
    assert message["Subject"] == "Action tracker: 2 things passed to you"
    body = message.get_body(("plain",)).get_content()
    assert "Publish the GP protocol: marked completed by Olu Owner" in body and "Train response officers" in body
    assert "https://tracker.example.gov.uk/actions/" in body


def test_responses_due_and_overdue_are_told_once_to_the_coordinator_and_panel_chair(app, make, team):
    panel_chair = make.member(team["p"], "panel_member", name="Ruth Chair")
    review = make.review(team["p"], reference="DHR 2025-02", status="published", panel=[(panel_chair, True)])
    today = london_today()
    make.recommendation(review, number="N1", scope="national", external_body="Home Office",
                        sent_on=today - timedelta(days=60), response_due_on=today - timedelta(days=4))
    make.recommendation(review, number="N2", scope="national", external_body="NHS England",
                        sent_on=today - timedelta(days=50), response_due_on=today + timedelta(days=6))
    with app.app_context():
        check_responses(today)
        check_responses(today)
    for person in (team["coordinator"], panel_chair):
        assert _told(app, person, "response_overdue") == [
            "The answer of Home Office to recommendation N1 of DHR 2025-02 was due on "
            f"{today - timedelta(days=4):%-d %B %Y}"]
        assert len(_told(app, person, "response_due")) == 1
    coordinator = team["as_"]("coordinator")
    with count_queries(app) as counted:
        home = text(coordinator.get("/"))
    # the coordinator's queue and the partnership's glance both say it, from one count
    assert "1 response from a national or regional body overdue" in home
    assert "1 response overdue from bodies outside the partnership" in home
    assert len([s for s in counted.statements if "FROM body_recommendation" in s and "count(*)" in s]) == 1
    assert "1 response overdue from bodies outside the partnership" in text(team["as_"]("chair").get("/"))


def test_the_strategic_chair_signs_off_several_closures_with_one_minute(app, make, team):
    others = [make.action(team["p"], title=f"Deliver output {n}", lead_agency=team["police"], status="completed",
                          completed_on=date(2026, 11, 1)) for n in (1, 2)]
    chair = team["as_"]("chair")
    url = f"/partnerships/{team['p'].id}/sign-off"
    page = text(chair.get(url))
    assert "2 actions marked completed are awaiting sign-off" in page
    refused = chair.post(url, {"action_ids": [str(a.id) for a in others], "reference": "", "closed_on": "1/11/2026"})
    assert "Enter the meeting or minute reference" in text(refused)
    assert {_action(app, a).status.value for a in others} == {"completed"}
    done = chair.post(url, {"action_ids": [str(a.id) for a in others], "reference": "SG 12 Nov 2026, minute 4",
                            "closed_on": "12/11/2026"})
    assert done.status_code == 302
    for action in others:
        closed = _action(app, action)
        assert (closed.status.value, closed.sign_off_reference, closed.closed_on) == (
            "closed", "SG 12 Nov 2026, minute 4", date(2026, 11, 12))
    lead = team["as_"]("lead")
    assert lead.post(url, {"action_ids": [str(team["action"].id)], "reference": "x",
                           "closed_on": "1/11/2026"}).status_code == 200, "an agency lead signs nothing off"


def test_a_long_sign_off_queue_pages_and_signs_off_what_its_page_shows(app, make, team):
    """A large partnership may have hundreds of closures waiting: a page at a time, earliest completed first,
    counted in full; what is signed off from page 2 is what page 2 listed."""
    waiting = [make.action(team["p"], title=f"Deliver output {n:02d}", lead_agency=team["police"],
                           status="completed", completed_on=date(2026, 10, 1) + timedelta(days=n)) for n in range(27)]
    chair = team["as_"]("chair")
    url = f"/partnerships/{team['p'].id}/sign-off"
    first, second = text(chair.get(url)), text(chair.get(url + "?page=2"))
    assert "27 actions marked completed are awaiting sign-off" in first
    assert "Deliver output 24" in first and "Deliver output 25" not in first
    assert "Deliver output 25" in second and "Deliver output 26" in second and "Deliver output 00" not in second
    done = chair.post(url + "?page=2", {"action_ids": [str(waiting[25].id), str(waiting[0].id)],
                                        "reference": "SG 12 Nov 2026, minute 5", "closed_on": "12/11/2026"})
    assert done.status_code == 302 and _action(app, waiting[25]).status.value == "closed"
    assert _action(app, waiting[0]).status.value == "completed", "page 2 did not list it: it is not signed off"


def test_the_coordinators_queue_links_each_hand_off(app, make, team):
    leaver = make.member(team["p"], "agency_lead", agency=team["police"], name="Lee Leaver")
    make.action(team["p"], title="Left behind", lead_agency=team["police"], owner=leaver,
                deadline=team["deadline"])
    with app.app_context():
        db.session.execute(sa.delete(Membership).where(Membership.user_id == leaver.id))
        db.session.add(OutboxMessage(dedupe_key="x", kind="reminders.digest", partnership_id=team["p"].id,
                                     to_address="someone@example.org", subject="s", body_text="b", body_html="b",
                                     message_id="<m@x>", status=OutboxStatus.FAILED,
                                     next_attempt_at=__import__("tracker.db", fromlist=["utcnow"]).utcnow()))
        db.session.commit()
    page = team["as_"]("coordinator").get("/")
    html = page.get_data(as_text=True)
    assert "1 open action without an owner" in text(page) and "waiting=owner" in html
    assert "1 email that could not be sent" in text(page)
    assert "Emails are not getting through for Milton Keynes 1 email could not be sent" in text(page)
    admin = make.user(is_administrator=True)
    from tests.conftest import Browser

    administrator = Browser(app.test_client())
    administrator.sign_in(admin.email)
    assert "Emails are not getting through 1 email could not be sent" in text(administrator.get("/"))
    assert "Emails are not getting through" not in text(team["as_"]("lead").get("/"))
    listed = text(team["as_"]("coordinator").get(f"/partnerships/{team['p'].id}/actions?waiting=owner"))
    assert "Left behind" in listed and "Publish the GP protocol" not in listed


def test_the_coordinator_sets_the_rule_and_a_bad_number_is_refused_beside_it(app, team):
    url = f"/partnerships/{team['p'].id}/deadline-rule"
    coordinator = team["as_"]("coordinator")
    refused = coordinator.post(url, {"deadline_approval": "longer", "deadline_approval_days": "0"})
    assert 'id="deadline_approval_days-error"' in refused.get_data(as_text=True)
    assert coordinator.post(url, {"deadline_approval": "longer", "deadline_approval_days": "14"}).status_code == 302
    with app.app_context():
        partnership = db.session.get(Partnership, team["p"].id)
        assert (partnership.deadline_approval.value, partnership.deadline_approval_days) == ("longer", 14)
    assert team["as_"]("lead").get(url).status_code == 403


def test_who_decides_a_closure_is_the_same_rule_in_sql_as_on_the_page(app, make, ctx):
    """The home page counts a person's closures to decide with the SQL twin of the sign-off rule: it must agree
    with the rule the sign-off page applies, action by action, for every kind of person."""
    from tracker.accounts.models import User
    from tracker.permissions import can, signs_off

    p, elsewhere = make.partnership(), make.partnership()
    police = make.agency(p)
    people = [make.member(p, role, agency=police if role == "agency_lead" else None, is_chair=chair)
              for role, chair in (("coordinator", False), ("strategic_member", True), ("strategic_member", False),
                                  ("agency_lead", False), ("panel_member", False), ("viewer", False))]
    people += [make.member(elsewhere, "coordinator"), make.user(is_administrator=True, two_factor=True)]
    panel_chair, panel_member = people[4], make.member(p, "panel_member")
    chaired = make.review(p, status="published", panel=[(panel_chair, True), (panel_member, False)])
    other = make.review(p, status="published")
    done = dict(status="completed", lead_agency=police, deadline=london_today())
    actions = [make.action(p, **done), make.action(p, **done),
               make.action(p, recommendation_id=make.recommendation(chaired).id, source="dhr", **done),
               make.action(p, recommendation_id=make.recommendation(other).id, source="dhr", **done)]
    people.append(panel_member)
    decided_somewhere = set()
    for person in people:
        user = db.session.get(User, person.id)
        by_rule = {a.id for a in actions if can(user, "sign_off", db.session.get(Action, a.id))}
        by_sql = set(db.session.scalars(sa.select(Action.id).where(Action.id.in_([a.id for a in actions]),
                                                                   signs_off(user))))
        assert by_sql == by_rule, user.name
        decided_somewhere |= by_rule
    assert decided_somewhere == {a.id for a in actions}
