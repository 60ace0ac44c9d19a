"""Actions through the pages people use: create, update with evidence, move deadlines, sign off, reassign."""
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Browser, text
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate
from tracker.actions.state import london_today
from tracker.audit.models import AuditEntry
from tracker.enums import ActionStatus
from tracker.extensions import db


@pytest.fixture
def plan(app, make, as_user):
    """A partnership with two agencies, a coordinator, an agency lead of each, a strategic member."""
    p = make.partnership(name="Milton Keynes")
    police = make.agency(p, name="Thames Valley Police")
    housing = make.agency(p, name="MK Housing", sector="housing")
    people = dict(
        coordinator=make.member(p, "coordinator", name="Priya Shah"),
        police_lead=make.member(p, "agency_lead", agency=police, name="Tom Reid"),
        housing_lead=make.member(p, "agency_lead", agency=housing, name="Ann Lee"),
        strategic=make.member(p, "strategic_member", name="Helen Marsh", is_chair=True),
    )
    return dict(p=p, police=police, housing=housing, people=people, browser=lambda who: as_user(people[who]))


def _get(app, model, **where):
    with app.app_context():
        row = db.session.scalar(sa.select(model).filter_by(**where))
        db.session.expunge_all()
        return row


def _form(plan, **overrides):
    deadline = london_today() + timedelta(days=90)
    fields = {
        "title": "Publish a protocol for sharing MARAC outcomes with GPs",
        "outcome": "GPs act on high-risk cases", "measure": "Protocol signed by all practices",
        "lead_agency_id": str(plan["police"].id), "owner_id": str(plan["people"]["police_lead"].id),
        "deadline": f"{deadline.day}/{deadline.month}/{deadline.year}", "estimated_cost": "",
        "funding_source": "", "staff_time": "", "within_existing_resources": "y",
        "review_arrangement": "Quarterly at the delivery group", "component": "policies", "theme": "",
        "strategic_objective": "", "milestones": "",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def test_coordinator_creates_an_action_and_the_smart_check_flags_what_is_missing(app, plan):
    coordinator = plan["browser"]("coordinator")
    url = f"/partnerships/{plan['p'].id}/actions/new"
    response = coordinator.post(url, _form(plan, title="Raise awareness of MARAC", measure="",
                                           within_existing_resources=None, owner_id=""))
    assert response.status_code == 302
    action = _get(app, Action, title="Raise awareness of MARAC")
    assert action.smart_gaps == "SMAR"
    page = text(coordinator.get(response.headers["Location"]))
    assert "4 of 5 letters need attention" in page
    assert "No measure of success" in page and "No named owner" in page and "No resources stated" in page
    assert "Action created" in page


def test_check_button_shows_the_smart_check_without_saving(app, plan):
    coordinator = plan["browser"]("coordinator")
    url = f"/partnerships/{plan['p'].id}/actions/new"
    response = coordinator.post(url, {**_form(plan, measure=""), "check": "1"})
    assert response.status_code == 200
    assert "1 of 5 letters needs attention" in text(response)
    assert _get(app, Action, title=_form(plan)["title"]) is None


@pytest.mark.parametrize("changes, field, message", [
    ({"deadline": "next Tuesday"}, "deadline", "Enter a real date, for example 31 3 2027"),
    ({"deadline": "31/2/2027"}, "deadline", "Enter a real date"),
    ({"estimated_cost": "-50"}, "estimated_cost", "The cost cannot be negative"),
    ({"estimated_cost": "a lot"}, "estimated_cost", "Enter the cost as a number of pounds"),
    ({"estimated_cost": "12.345"}, "estimated_cost", "pounds and pence"),
    ({"owner_id": "HOUSING_LEAD"}, "owner_id", "The owner must be a member of the lead agency"),
    ({"title": ""}, "title", "Enter the action: what will be done"),
])
def test_bad_action_input_is_refused_beside_the_field_and_kept(app, plan, changes, field, message):
    if changes.get("owner_id") == "HOUSING_LEAD":
        changes = {"owner_id": str(plan["people"]["housing_lead"].id)}
    coordinator = plan["browser"]("coordinator")
    response = coordinator.post(f"/partnerships/{plan['p'].id}/actions/new", _form(plan, **changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in body
    assert message in text(response)
    for name, value in changes.items():
        if name != "owner_id":
            assert f'value="{value}"' in body  # what was typed is still there
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0


def _action(make, plan, **fields):
    fields.setdefault("deadline", london_today() + timedelta(days=60))
    return make.action(plan["p"], lead_agency=plan["police"], owner=plan["people"]["police_lead"],
                       measure="A measure", outcome="An outcome", within_existing_resources=True, **fields)


def test_agency_lead_posts_an_update_with_evidence_and_everyone_sees_it(app, make, plan):
    action = _action(make, plan)
    lead = plan["browser"]("police_lead")
    pdf = b"%PDF-1.4\n% minutes of the delivery group\n"
    response = lead.upload(f"/actions/{action.id}/update", {
        "note": "Protocol drafted and agreed by the LMC", "status": "completed", "lead_assessment": "green",
        "version": "1", "evidence_file": (io.BytesIO(pdf), "signed-protocol.pdf")})
    assert response.status_code == 302, text(response)[:500]
    saved = _get(app, Action, id=action.id)
    assert saved.status is ActionStatus.COMPLETED and saved.completed_on == london_today()
    page = plan["browser"]("strategic").get(f"/actions/{action.id}")
    assert "Protocol drafted and agreed by the LMC" in text(page)
    link = re.search(r'href="(/actions/\d+/evidence/\d+)"', page.get_data(as_text=True)).group(1)
    download = plan["browser"]("strategic").get(link)
    assert download.data == pdf
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("filename, content, message", [
    ("payload.exe", b"MZ\x90\x00", "The file must be a PDF, Word"),
    ("fake.pdf", b"<html>not a pdf</html>", "contents are not a .pdf file"),
    ("empty.txt", b"", "The selected file is empty"),
    ("huge.txt", b"a" * (10 * 1024 * 1024 + 1), "The file must be smaller than 10 MB"),
])
def test_refused_evidence_files(app, make, plan, filename, content, message):
    action = _action(make, plan)
    lead = plan["browser"]("police_lead")
    response = lead.upload(f"/actions/{action.id}/update", {
        "note": "Here is the evidence", "status": "in_progress", "version": "1",
        "evidence_file": (io.BytesIO(content), filename)})
    assert response.status_code == 200
    assert 'id="evidence_file-error"' in response.get_data(as_text=True)
    assert message in text(response)
    assert "Here is the evidence" in text(response)
    assert _get(app, ProgressUpdate, action_id=action.id) is None


def test_completed_needs_evidence_or_what_was_delivered(app, make, plan):
    action = _action(make, plan)
    lead = plan["browser"]("police_lead")
    refused = lead.post(f"/actions/{action.id}/update", {"note": "Done", "status": "completed", "version": "1"})
    assert "attach evidence or describe what was delivered" in text(refused)
    accepted = lead.post(f"/actions/{action.id}/update", {
        "note": "Done", "status": "completed", "version": "1",
        "completion_note": "Protocol in force since 1 March"})
    assert accepted.status_code == 302


def test_blocked_needs_a_reason(make, plan):
    action = _action(make, plan)
    response = plan["browser"]("police_lead").post(
        f"/actions/{action.id}/update", {"note": "Stuck", "status": "blocked", "version": "1"})
    assert "Say what is blocking the action" in text(response)


def test_agency_lead_cannot_update_another_agencys_action_nor_sign_off(app, make, plan):
    action = _action(make, plan, status="completed")
    housing = plan["browser"]("housing_lead")
    assert housing.get(f"/actions/{action.id}/update").status_code == 403
    refused = housing.post(f"/actions/{action.id}/update", {"note": "Sneaky", "status": "in_progress",
                                                          "version": "1"}, form_url=f"/actions/{action.id}")
    assert refused.status_code == 403
    police = plan["browser"]("police_lead")
    assert police.get(f"/actions/{action.id}/sign-off").status_code == 403
    assert police.post(f"/actions/{action.id}/sign-off", {"outcome": "as_planned", "reference": "x",
                                                          "closed_on": "1/1/2027"},
                       form_url=f"/actions/{action.id}").status_code == 403
    assert _get(app, Action, id=action.id).status is ActionStatus.COMPLETED
    assert _get(app, ProgressUpdate, action_id=action.id) is None


def test_strategic_member_signs_off_with_a_reference_and_an_outcome(app, make, plan):
    action = _action(make, plan, status="completed")
    strategic = plan["browser"]("strategic")
    url = f"/actions/{action.id}/sign-off"
    today = london_today()
    check = today + timedelta(days=180)
    missing = strategic.post(url, {"outcome": "not_implemented", "reference": "", "closed_on": "", "version": "1"})
    assert "Enter the date of the sign-off" in text(missing)
    assert "Enter the meeting or minute reference" in text(missing)
    assert "Say why the action was not implemented" in text(missing)
    signed = strategic.post(url, {"outcome": "as_planned", "reference": "Strategic group, minute 6", "version": "1",
                                  "closed_on": f"{today:%d/%m/%Y}", "assurance_check_on": f"{check:%d/%m/%Y}"})
    assert signed.status_code == 302
    closed = _get(app, Action, id=action.id)
    assert closed.status is ActionStatus.CLOSED and closed.sign_off_reference == "Strategic group, minute 6"
    assert closed.closed_by_id == plan["people"]["strategic"].id
    assert (closed.closed_on, closed.assurance_check_on) == (today, check)
    page = text(strategic.get(f"/actions/{action.id}"))
    assert "Signed off: Strategic group, minute 6" in page and "Implemented as planned" in page


def test_reopening_needs_a_reason_and_clears_the_sign_off(app, make, plan):
    action = _action(make, plan, status="closed", sign_off_reference="minute 6", closure_outcome="as_planned")
    strategic = plan["browser"]("strategic")
    assert "Enter the reason" in text(strategic.post(f"/actions/{action.id}/reopen", {"reason": "", "version": "1"}))
    strategic.post(f"/actions/{action.id}/reopen", {"reason": "Audit found the protocol unused", "version": "1"})
    reopened = _get(app, Action, id=action.id)
    assert reopened.status is ActionStatus.IN_PROGRESS and reopened.closure_outcome is None
    assert "Reopened: Audit found the protocol unused" in text(strategic.get(f"/actions/{action.id}"))


def test_a_stale_edit_is_refused_and_the_typed_input_is_kept(app, make, plan):
    action = _action(make, plan)
    first, second = plan["browser"]("coordinator"), Browser(app.test_client())
    second.sign_in(_get_email(app, plan["people"]["coordinator"].id))
    form_first = first.get(f"/actions/{action.id}/edit").get_data(as_text=True)
    second.get(f"/actions/{action.id}/edit")
    version = re.search(r'name="version" type="hidden" value="(\d+)"|id="version" name="version" type="hidden" '
                        r'value="(\d+)"', form_first)
    version = next(v for v in version.groups() if v)
    fields = _form(plan, deadline=None, version=version)
    fields.pop("deadline", None)
    saved = second.post(f"/actions/{action.id}/edit", {**fields, "title": "Publish the GP protocol"})
    assert saved.status_code == 302
    refused = first.post(f"/actions/{action.id}/edit", {**fields, "title": "Train every GP practice"})
    assert refused.status_code == 200
    page = text(refused)
    assert "Priya Shah saved this action while you were editing it" in page
    assert 'value="Train every GP practice"' in refused.get_data(as_text=True)
    assert _get(app, Action, id=action.id).title == "Publish the GP protocol"


def _get_email(app, user_id):
    from tracker.accounts.models import User

    return _get(app, User, id=user_id).email


def _rule(app, plan, rule, days=28):
    from tracker.partnerships.models import Partnership

    with app.app_context():
        partnership = db.session.get(Partnership, plan["p"].id)
        partnership.deadline_approval, partnership.deadline_approval_days = rule, days
        db.session.commit()


def test_deadline_moves_keep_the_original_and_the_reason(app, make, plan):
    _rule(app, plan, "none")  # this partnership trusts its leads to move their own deadlines
    first = london_today() + timedelta(days=30)
    action = _action(make, plan, deadline=first)
    lead = plan["browser"]("police_lead")
    url = f"/actions/{action.id}/deadline"
    no_reason = lead.post(url, {"deadline": "30/6/2027", "reason": "", "version": "1"})
    assert "Say why the deadline is moving" in text(no_reason)
    assert lead.post(url, {"deadline": "30/6/2027", "reason": "Waiting for the new ICB contract",
                           "version": "1"}).status_code == 302
    assert lead.post(url, {"deadline": "30/9/2027", "reason": "Consultation extended",
                           "version": "2"}).status_code == 302
    moved = _get(app, Action, id=action.id)
    assert (moved.deadline, moved.original_deadline) == (date(2027, 9, 30), first)
    with app.app_context():
        changes = db.session.execute(sa.select(DeadlineChange.from_date, DeadlineChange.to_date,
                                               DeadlineChange.reason).order_by(DeadlineChange.id)).all()
    assert [tuple(c) for c in changes] == [(first, date(2027, 6, 30), "Waiting for the new ICB contract"),
                                           (date(2027, 6, 30), date(2027, 9, 30), "Consultation extended")]
    page = text(lead.get(f"/actions/{action.id}"))
    assert "Deadline moved: Consultation extended" in page and f"Originally {first.day}" in page


def test_deadline_field_cannot_be_changed_through_the_edit_form_once_set(app, make, plan):
    action = _action(make, plan, deadline=date(2027, 5, 1))
    coordinator = plan["browser"]("coordinator")
    coordinator.post(f"/actions/{action.id}/edit", {**_form(plan, deadline="1/1/2030"), "version": "1"})
    assert _get(app, Action, id=action.id).deadline == date(2027, 5, 1)


def test_bulk_reassignment_moves_only_chosen_actions_and_audits_each(app, make, plan):
    leaver = plan["people"]["police_lead"]
    successor = make.member(plan["p"], "agency_lead", agency=plan["police"], name="Sam New")
    keep, move1, move2 = (_action(make, plan, title=f"Action {n}") for n in range(3))
    coordinator = plan["browser"]("coordinator")
    listing = coordinator.get(f"/partnerships/{plan['p'].id}/actions/reassign?from_user_id={leaver.id}")
    assert "Action 0" in text(listing)
    response = coordinator.post(f"/partnerships/{plan['p'].id}/actions/reassign", {
        "from_user_id": str(leaver.id), "to_user_id": str(successor.id),
        "action_ids": [str(move1.id), str(move2.id)]},
        form_url=f"/partnerships/{plan['p'].id}/actions/reassign?from_user_id={leaver.id}")
    assert response.status_code == 302
    owners = {a.id: _get(app, Action, id=a.id).owner_id for a in (keep, move1, move2)}
    assert owners == {keep.id: leaver.id, move1.id: successor.id, move2.id: successor.id}
    with app.app_context():
        notes = db.session.scalars(sa.select(AuditEntry.note).where(AuditEntry.entity_type == "Action",
                                                                    AuditEntry.note == "Owner reassigned")).all()
    assert len(notes) == 2


def test_reassigning_to_someone_outside_the_lead_agency_is_refused(app, make, plan):
    action = _action(make, plan)
    coordinator = plan["browser"]("coordinator")
    url = f"/partnerships/{plan['p'].id}/actions/reassign"
    response = coordinator.post(url, {"from_user_id": str(plan["people"]["police_lead"].id),
                                      "to_user_id": str(plan["people"]["housing_lead"].id),
                                      "action_ids": [str(action.id)]},
                                form_url=f"{url}?from_user_id={plan['people']['police_lead'].id}")
    assert "not a member of the lead agency" in text(response)
    assert _get(app, Action, id=action.id).owner_id == plan["people"]["police_lead"].id


def test_a_sign_off_from_a_page_older_than_the_last_save_is_refused(app, make, plan):
    action = _action(make, plan, status="completed")
    strategic = plan["browser"]("strategic")
    with app.app_context():
        db.session.get(Action, action.id).measure = "Changed meanwhile"  # someone saves: version 2
        db.session.commit()
    response = strategic.post(f"/actions/{action.id}/sign-off", {
        "outcome": "as_planned", "reference": "Minute 6", "closed_on": f"{london_today():%d/%m/%Y}", "version": "1"})
    assert "saved this action while you were editing it" in text(response)
    assert 'value="Minute 6"' in response.get_data(as_text=True)
    assert _get(app, Action, id=action.id).status is ActionStatus.COMPLETED
