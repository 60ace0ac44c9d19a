"""Bulk changes from the action list: each kind of change made to many actions through the single edit's service,
audited per action; what cannot change is refused with its reason (no permission, not visible, its status, a move
awaiting approval, changed since chosen); deadline moves the partnership's rule holds become requests; the pages
carry the choice with CSRF, re-read "all that match" when the change is made, and a change costs a fixed number
of queries per action, whatever the number."""
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from tests.conftest import text
from tracker.actions import bulk, services
from tracker.actions.bulk import Change, ChangeKind
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate
from tracker.actions.state import london_today
from tracker.audit.models import AuditEntry
from tracker.enums import ActionSource, ActionStatus, AuditEvent, DeadlineApproval, MoveStatus
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.partnerships.models import Partnership

TODAY = london_today()
SOON = TODAY + timedelta(days=40)


@pytest.fixture
def world(app, make):
    p = make.partnership(name="Milton Keynes")
    police, housing = make.agency(p, name="Thames Valley Police"), make.agency(p, name="MK Homes")
    people = dict(coordinator=make.member(p, "coordinator", name="Priya Shah"),
                  tom=make.member(p, "agency_lead", agency=police, name="Tom Reid"),
                  pat=make.member(p, "agency_lead", agency=police, name="Pat Lane"),
                  ann=make.member(p, "agency_lead", agency=housing, name="Ann Cole"),
                  chair=make.member(p, "panel_member", name="Chris Chair"),
                  viewer=make.member(p, "viewer", name="Vic Viewer"))
    police_actions = [make.action(p, title=f"Train response officers, wave {n}", lead_agency=police,
                                  owner=people["tom"], deadline=SOON, status="in_progress") for n in range(3)]
    housing_action = make.action(p, title="Publish the housing protocol", lead_agency=housing, owner=people["ann"],
                                 deadline=SOON, status="in_progress")
    review = make.review(p, reference="DHR 2031-ZQ", status="in_progress", panel=[(people["chair"], True)])
    recommendation = make.recommendation(review, agencies=[housing])
    secret = make.action(p, title="Screen every Quillfeather caller", lead_agency=housing, owner=people["ann"],
                         deadline=SOON, source=ActionSource.DHR, recommendation_id=recommendation.id)
    elsewhere = make.partnership(name="Elsewhere")
    foreign = make.action(elsewhere, title="Another partnership's action", deadline=SOON)
    return dict(p=p, police=police, housing=housing, police_actions=police_actions, housing_action=housing_action,
                secret=secret, foreign=foreign, **people)


def _get(model, record):
    return db.session.get(model, record.id)


def _run(world, who, actions, change, preview=False):
    """The service as a page calls it, for this person and these actions (each held to its current version)."""
    user = _get(type(world["coordinator"]), world[who])
    partnership = _get(Partnership, world["p"])
    chosen = {a.id: _get(Action, a).version if _get(Action, a) else None for a in actions}
    return (bulk.preview if preview else bulk.apply)(user, partnership, chosen, change)


def _reasons(outcome):
    return {refusal.action_id: refusal.reason for refusal in outcome.refused}


def _audited(action_id):
    return db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity_type == "Action", AuditEntry.entity_id == action_id, AuditEntry.event == AuditEvent.UPDATE)
    ).all()


# Each kind of change, through the single edit's service


def test_a_new_owner_for_each_action_audited_one_entry_each(ctx, world):
    actions = world["police_actions"]
    outcome = _run(world, "coordinator", actions, Change(ChangeKind.OWNER, owner_id=world["pat"].id))
    assert [a.id for a in outcome.changed] == [a.id for a in actions] and not outcome.refused
    db.session.expire_all()
    for action in actions:
        assert _get(Action, action).owner_id == world["pat"].id
        [entry] = _audited(action.id)
        assert entry.changes["owner_id"] == [world["tom"].id, world["pat"].id]
        assert entry.user_id == world["coordinator"].id and entry.note == "Changed in bulk: owner"
    # the action's history says who made the change, as for a single edit
    [change] = [e for e in services.timeline(_get(Action, actions[0])) if e.kind == "change"]
    assert change.who == "Priya Shah" and ("Owner", "Tom Reid", "Pat Lane") in change.changes


def test_a_new_lead_agency_with_its_owner(ctx, world):
    action = world["police_actions"][0]
    outcome = _run(world, "coordinator", [action],
                   Change(ChangeKind.LEAD_AGENCY, agency_id=world["housing"].id, owner_id=world["ann"].id))
    assert len(outcome.changed) == 1
    db.session.expire_all()
    changed = _get(Action, action)
    assert (changed.lead_agency_id, changed.owner_id) == (world["housing"].id, world["ann"].id)
    [entry] = _audited(action.id)
    assert set(entry.changes) >= {"lead_agency_id", "owner_id"}


def test_a_new_lead_agency_whose_owner_is_not_its_member_is_refused_with_why(ctx, world):
    outcome = _run(world, "coordinator", world["police_actions"][:1],
                   Change(ChangeKind.LEAD_AGENCY, agency_id=world["housing"].id))
    assert list(_reasons(outcome).values()) == [
        "Its owner, Tom Reid, is not a member of MK Homes: choose a new owner from MK Homes with the change"]
    assert _get(Action, world["police_actions"][0]).lead_agency_id == world["police"].id


def test_a_theme_for_each_action(ctx, world):
    actions = [*world["police_actions"], world["housing_action"]]
    outcome = _run(world, "coordinator", actions, Change(ChangeKind.THEME, theme="Training"))
    assert len(outcome.changed) == 4
    db.session.expire_all()
    assert {_get(Action, a).theme for a in actions} == {"Training"}
    assert all(len(_audited(a.id)) == 1 for a in actions)


def test_a_status_change_is_a_progress_update_on_each(ctx, world):
    actions = world["police_actions"][:2]
    outcome = _run(world, "tom", actions, Change(ChangeKind.STATUS, status=ActionStatus.BLOCKED,
                                                 note="Waiting for the training budget",
                                                 blocked_reason="No budget until April"))
    assert len(outcome.changed) == 2
    db.session.expire_all()
    for action in actions:
        changed = _get(Action, action)
        assert changed.status is ActionStatus.BLOCKED and changed.blocked_reason == "No budget until April"
        [update] = db.session.scalars(sa.select(ProgressUpdate).where(ProgressUpdate.action_id == action.id)).all()
        assert (update.note, update.author_id) == ("Waiting for the training budget", world["tom"].id)
        assert _audited(action.id)[0].changes["status"] == ["in_progress", "blocked"]


def test_marking_completed_needs_evidence_or_what_was_delivered_and_tells_the_coordinator(ctx, world, make):
    with_evidence, without = world["police_actions"][:2]
    make.update(_get(Action, with_evidence), _get(type(world["tom"]), world["tom"]), note="Slides",
                evidence=("slides.txt", b"Training slides"))
    outcome = _run(world, "tom", [with_evidence, without],
                   Change(ChangeKind.STATUS, status=ActionStatus.COMPLETED, note="All officers trained"))
    assert [a.id for a in outcome.changed] == [with_evidence.id]
    assert _reasons(outcome) == {without.id: "It has no evidence: to mark it completed, attach evidence on its page "
                                             "or say what was delivered"}
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "closure_claimed")).all()
    assert [(n.user_id, n.action_id) for n in told] == [(world["coordinator"].id, with_evidence.id)]
    # with what was delivered said, the other is marked completed too
    again = _run(world, "tom", [without], Change(ChangeKind.STATUS, status=ActionStatus.COMPLETED,
                                                 note="All officers trained", completion_note="Register of 212"))
    assert len(again.changed) == 1 and _get(Action, without).completion_note == "Register of 212"


def test_the_same_progress_note_on_each_keeps_their_statuses(ctx, world, make):
    blocked = make.action(world["p"], title="Fund the IDVA post", lead_agency=world["police"], owner=world["tom"],
                          status="blocked", blocked_reason="Budget frozen")
    actions = [world["police_actions"][0], _get(Action, blocked)]
    outcome = _run(world, "tom", actions, Change(ChangeKind.NOTE, note="Discussed at the delivery group"))
    assert len(outcome.changed) == 2
    db.session.expire_all()
    assert [_get(Action, a).status for a in actions] == [ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED]
    assert _get(Action, blocked).blocked_reason == "Budget frozen"
    notes = db.session.scalars(sa.select(ProgressUpdate.note).where(
        ProgressUpdate.action_id.in_([a.id for a in actions]))).all()
    assert notes == ["Discussed at the delivery group"] * 2


def test_a_coordinators_deadline_move_is_made_at_once_keeping_the_original(ctx, world):
    later = SOON + timedelta(days=30)
    actions = world["police_actions"]
    outcome = _run(world, "coordinator", actions, Change(ChangeKind.DEADLINE, deadline=later,
                                                         reason="Training provider delayed"))
    assert len(outcome.changed) == 3 and not outcome.requested
    db.session.expire_all()
    for action in actions:
        moved = _get(Action, action)
        assert (moved.deadline, moved.original_deadline) == (later, SOON)
        assert _audited(action.id)[0].note == "Deadline moved: Training provider delayed"


# Deadline moves the partnership's rule holds


def test_a_held_deadline_move_becomes_a_request_per_action_and_nothing_moves(ctx, world):
    partnership = _get(Partnership, world["p"])
    partnership.deadline_approval = DeadlineApproval.ANY
    db.session.commit()
    later = SOON + timedelta(days=60)
    actions = world["police_actions"]
    previewed = _run(world, "tom", actions, Change(ChangeKind.DEADLINE, deadline=later, reason="Funding late"),
                     preview=True)
    assert len(previewed.requested) == 3 and not previewed.changed
    outcome = _run(world, "tom", actions, Change(ChangeKind.DEADLINE, deadline=later, reason="Funding late"))
    assert [a.id for a in outcome.requested] == [a.id for a in actions] and not outcome.changed
    db.session.expire_all()
    assert {_get(Action, a).deadline for a in actions} == {SOON}
    requests = db.session.scalars(sa.select(DeadlineChange).where(DeadlineChange.status == MoveStatus.REQUESTED))
    assert sorted(c.action_id for c in requests) == sorted(a.id for a in actions)
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "move_requested",
                                                            Notification.user_id == world["coordinator"].id)).all()
    assert len(told) == 3
    # a second bulk move waits for the first to be decided, action by action
    again = _run(world, "tom", actions, Change(ChangeKind.DEADLINE, deadline=later + timedelta(days=1),
                                               reason="Later still"))
    assert set(_reasons(again).values()) == {
        f"A move to {later.day} {later:%B %Y} is already awaiting approval: it must be decided first"}


# Refusals, each with its reason


def test_an_agency_lead_cannot_change_another_agencys_actions(ctx, world):
    mine, theirs = world["police_actions"][0], world["housing_action"]
    outcome = _run(world, "tom", [mine, theirs], Change(ChangeKind.NOTE, note="Checked"))
    assert [a.id for a in outcome.changed] == [mine.id]
    assert _reasons(outcome) == {theirs.id: bulk.NOT_ALLOWED["update"]}
    moved = _run(world, "tom", [theirs], Change(ChangeKind.DEADLINE, deadline=SOON + timedelta(days=9),
                                                reason="Because"))
    assert _reasons(moved) == {theirs.id: bulk.NOT_ALLOWED["move_deadline"]}
    # an agency lead changes no action's plan (owner, lead agency, theme): the coordinator does
    planned = _run(world, "tom", [mine], Change(ChangeKind.THEME, theme="Training"))
    assert _reasons(planned) == {mine.id: bulk.NOT_ALLOWED["edit"]}
    db.session.expire_all()
    assert not _get(Action, theirs).updates and _get(Action, mine).theme == ""


def test_a_confidential_reviews_action_is_refused_unnamed_to_those_who_cannot_open_it(ctx, world):
    secret = world["secret"]
    outcome = _run(world, "tom", [secret], Change(ChangeKind.NOTE, note="Looked"))
    assert outcome.refused == [bulk.Refusal(secret.id, None, bulk.NOT_VISIBLE)]
    # its panel's chair may change it; the lead of the agency delivering it may update it
    assert len(_run(world, "chair", [secret], Change(ChangeKind.THEME, theme="Training")).changed) == 1
    assert len(_run(world, "ann", [secret], Change(ChangeKind.NOTE, note="Started")).changed) == 1


def test_ids_not_visible_or_not_actions_are_refused_not_dropped(ctx, world):
    user = _get(type(world["coordinator"]), world["coordinator"])
    partnership = _get(Partnership, world["p"])
    picks = bulk.read_picks([f"{world['police_actions'][0].id}", f"{world['foreign'].id}:1", "987654", "drop table"])
    # carried from page to page, what names no action goes on with the rest, to be refused where it is seen
    assert bulk.read_picks([picks.as_text()]) == picks
    outcome = bulk.apply(user, partnership, picks, Change(ChangeKind.THEME, theme="Housing"))
    assert len(outcome.changed) == 1
    assert [(r.action_id, r.title, r.reason) for r in outcome.refused] == [
        (None, None, "“drop table” does not name an action"),
        (world["foreign"].id, None, bulk.NOT_VISIBLE), (987654, None, bulk.NOT_VISIBLE)]
    assert _get(Action, world["foreign"]).theme == ""


def test_a_status_its_status_does_not_allow_is_refused(ctx, world, make):
    closed = make.action(world["p"], title="Closed one", lead_agency=world["police"], owner=world["tom"],
                         status="closed")
    current = world["police_actions"][0]
    outcome = _run(world, "coordinator", [closed, current],
                   Change(ChangeKind.STATUS, status=ActionStatus.IN_PROGRESS, note="Going"))
    assert _reasons(outcome) == {closed.id: "It is closed: reopen it to report more progress",
                                 current.id: "It is already in progress"}
    moved = _run(world, "coordinator", [closed], Change(ChangeKind.DEADLINE, deadline=SOON, reason="Why"))
    assert _reasons(moved) == {closed.id: "A completed or closed action's deadline cannot move: reopen it first"}


def test_a_change_no_action_could_take_is_refused_by_field(ctx, world):
    user = _get(type(world["coordinator"]), world["coordinator"])
    partnership = _get(Partnership, world["p"])
    ids = [world["police_actions"][0].id]
    for change, field in [(Change(ChangeKind.STATUS, status=ActionStatus.BLOCKED, note="x"), "blocked_reason"),
                          (Change(ChangeKind.NOTE), "note"), (Change(ChangeKind.DEADLINE, reason="x"), "deadline"),
                          (Change(ChangeKind.OWNER, owner_id=world["foreign"].id), "owner_id"),
                          (Change(ChangeKind.THEME, theme="Not a theme"), "theme"),
                          (Change(ChangeKind.STATUS, status=ActionStatus.CLOSED, note="x"), "status")]:
        with pytest.raises(ValidationFailed) as refused:
            bulk.apply(user, partnership, ids, change)
        assert field in refused.value.errors


def test_an_action_changed_since_it_was_chosen_is_refused_as_stale_not_overwritten(ctx, world):
    first, second = world["police_actions"][:2]
    seen = {a.id: _get(Action, a).version for a in (first, second)}
    # someone saves the first after the list was shown
    action = _get(Action, first)
    values = {name: getattr(action, name) for name in services.PLAN_FIELDS} | {"supporting_agency_ids": [],
                                                                               "title": "Train every officer"}
    services.save_action(action.partnership, action, values, action.version)
    user = _get(type(world["coordinator"]), world["coordinator"])
    outcome = bulk.apply(user, _get(Partnership, world["p"]), seen, Change(ChangeKind.THEME, theme="Training"))
    assert [a.id for a in outcome.changed] == [second.id]
    assert outcome.refused == [bulk.Refusal(first.id, "Train every officer", bulk.STALE)]
    db.session.expire_all()
    assert _get(Action, first).theme == "" and _get(Action, first).title == "Train every officer"


def test_an_action_saved_by_someone_else_while_the_change_runs_is_refused_as_stale(ctx, world, monkeypatch):
    """The race the version check cannot see: another save lands between loading the actions and writing one."""
    first, second = world["police_actions"][:2]
    real = bulk._apply_one

    def racing(user, partnership, action, change):
        if action.id == first.id:  # another person's save, committed on its own connection
            with db.engine.begin() as connection:
                connection.execute(sa.update(Action.__table__).where(Action.__table__.c.id == first.id)
                                   .values(title="Saved meanwhile", version=Action.__table__.c.version + 1))
        return real(user, partnership, action, change)

    monkeypatch.setattr(bulk, "_apply_one", racing)
    outcome = _run(world, "coordinator", [first, second], Change(ChangeKind.THEME, theme="Training"))
    assert [r.action_id for r in outcome.refused] == [first.id] and outcome.refused[0].reason == bulk.STALE
    assert [a.id for a in outcome.changed] == [second.id]
    db.session.expire_all()
    assert (_get(Action, first).title, _get(Action, first).theme) == ("Saved meanwhile", "")
    assert _get(Action, second).theme == "Training"


def test_too_many_actions_at_once_are_refused_with_the_limit(ctx, world, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ACTIONS", 2)
    with pytest.raises(ValidationFailed) as refused:
        _run(world, "coordinator", world["police_actions"], Change(ChangeKind.THEME, theme="Training"))
    assert refused.value.errors["__form__"].startswith("At most 2 actions can be changed at once, and 3 were chosen")


# Bounded: a fixed number of queries per action, the loading done once


def _statements(app, run):
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    return statements


@pytest.mark.parametrize("change, per_action", [
    # the action's update and its audit entry (each action then commits, as on its page): the service's checks of
    # the owner's membership and of the supporting agencies read what was loaded up front
    (Change(ChangeKind.OWNER, owner_id=0), 2),
    (Change(ChangeKind.THEME, theme="Training"), 2),
    # the update's insert, the action's update, its audit entry
    (Change(ChangeKind.NOTE, note="Checked"), 3),
    # the service's look for a waiting request and the reminders' read of the schedule as the deadline moves; the
    # move's insert, the action's update, its audit entry
    (Change(ChangeKind.DEADLINE, deadline=SOON + timedelta(days=3), reason="Because"), 5),
])
def test_the_queries_grow_by_a_fixed_few_per_action_and_the_loading_not_at_all(app, ctx, make, world, change,
                                                                                per_action):
    from tracker.reviews.services import themes_of

    if change.kind is ChangeKind.OWNER:
        change = Change(ChangeKind.OWNER, owner_id=world["pat"].id)
    user = _get(type(world["coordinator"]), world["coordinator"])
    partnership = _get(Partnership, world["p"])
    themes_of(partnership)  # the partnership's first look at its themes writes the defaults: not a bulk cost

    def cost(count):
        ids = [make.action(partnership, lead_agency=world["police"], owner=world["tom"], deadline=SOON).id
               for _ in range(count)]
        db.session.expire_all()
        return _statements(app, lambda: bulk.apply(db.session.get(type(user), user.id),
                                                    db.session.get(Partnership, partnership.id), ids, change))

    few, many = cost(5), cost(25)
    reads_of_actions = [[s for s in run if re.search(r"^\s*SELECT\b.*\bFROM action\b", s, re.S)] for run in (few, many)]
    assert len(reads_of_actions[0]) == len(reads_of_actions[1]), "the actions are loaded once, in one go"
    assert len(many) - len(few) == per_action * 20, (len(few), len(many))


# The pages: the list's boxes, the change, the check, the summary


def _hidden(response):
    """The hidden fields of the page's last form, as a browser would send them on."""
    html = response.get_data(as_text=True)
    form = html[html.rindex("<form"):]
    fields = []
    for tag in re.findall(r"<input [^>]*>", form):
        if 'type="hidden"' in tag:
            fields.append((unescape(re.search(r'name="([^"]+)"', tag).group(1)),
                           unescape(re.search(r'value="([^"]*)"', tag).group(1))))
    return fields


def _ticked(page, *actions):
    html = page.get_data(as_text=True)
    return [re.search(rf'name="chosen" value="({a.id}:\d+)"', html).group(1) for a in actions]


def test_the_whole_journey_from_ticked_rows_to_the_summary(app, world, as_user):
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    listing = coordinator.get(url)
    html = listing.get_data(as_text=True)
    first, second = world["police_actions"][:2]
    # each box is labelled with the action it chooses
    assert f'<label class="govuk-label govuk-checkboxes__label" for="choose-{first.id}"><span ' \
           f'class="govuk-visually-hidden">Choose {first.title}</span></label>' in html
    chosen = _ticked(listing, first, second)
    step = coordinator.post(f"{url}/bulk", {"chosen": chosen, "step": "choose", "filters": ""}, form_url=url)
    assert step.status_code == 200 and "Change 2 actions" in text(step)
    kind = coordinator.post(f"{url}/bulk", {**dict(_hidden(step)), "kind": "owner"}, form_url=url)
    assert "A new owner" in text(kind) and 'name="owner_id"' in kind.get_data(as_text=True)
    check = coordinator.post(f"{url}/bulk", {**dict(_hidden(kind)), "owner_id": str(world["pat"].id)},
                             form_url=url)
    page = text(check)
    assert "Check the change" in page and "Owner: Pat Lane" in page and "Will change 2" in page
    with app.app_context():
        assert {db.session.get(Action, a.id).owner_id for a in (first, second)} == {world["tom"].id}
    done = coordinator.post(f"{url}/bulk/apply", dict(_hidden(check)), form_url=url)
    summary = text(done)
    assert "2 actions changed." in summary and "Changed: 2" in summary and first.title in summary
    with app.app_context():
        assert {db.session.get(Action, a.id).owner_id for a in (first, second)} == {world["pat"].id}
        assert len(_audited(first.id)) == 1


def test_the_summary_says_what_was_refused_and_why_without_naming_what_they_cannot_open(app, world, as_user):
    tom = as_user(world["tom"])
    url = f"/partnerships/{world['p'].id}/actions"
    mine = world["police_actions"][0]
    chosen = [f"{mine.id}:1", f"{world['housing_action'].id}:1", f"{world['secret'].id}:1"]
    data = {"picks": ",".join(chosen), "kind": "note", "note": "Reviewed at the delivery group"}
    done = tom.post(f"{url}/bulk/apply", data, form_url=url)
    summary = text(done)
    assert "1 action changed, 2 not changed." in summary
    assert f"Publish the housing protocol {bulk.NOT_ALLOWED['update']}" in summary
    assert f"Action {world['secret'].id} {bulk.NOT_VISIBLE}" in summary
    assert "Quillfeather" not in summary


def test_a_held_deadline_move_is_said_to_be_sent_for_approval(app, world, as_user):
    with app.app_context():
        db.session.get(Partnership, world["p"].id).deadline_approval = DeadlineApproval.ANY
        db.session.commit()
    later = SOON + timedelta(days=90)
    url = f"/partnerships/{world['p'].id}/actions"
    data = {"picks": ",".join(str(a.id) for a in world["police_actions"]), "kind": "deadline",
            "deadline": f"{later.day}/{later.month}/{later.year}", "reason": "Provider delayed"}
    summary = text(as_user(world["tom"]).post(f"{url}/bulk/apply", data, form_url=url))
    assert "0 actions changed, 3 deadline moves sent for approval." in summary
    assert "Until a move is approved, the current deadline stands." in summary


def test_a_bad_value_is_shown_beside_its_field_and_nothing_typed_is_lost(app, world, as_user):
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    data = {"picks": str(world["police_actions"][0].id), "step": "check", "kind": "status", "status": "blocked",
            "status_note": "Budget frozen until April", "deadline": "not a date"}
    page = coordinator.post(f"{url}/bulk", data, form_url=url)
    html = page.get_data(as_text=True)
    assert 'id="blocked_reason-error"' in html and "Say what is blocking the actions" in html
    assert "Budget frozen until April</textarea>" in html and 'value="blocked" checked' in html
    # a field of another choice is neither checked nor in the way
    assert 'id="deadline-error"' not in html


def test_the_forms_need_their_csrf_token(app, world, as_user):
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    action = world["police_actions"][0]
    for path, data in ((f"{url}/bulk", {"chosen": f"{action.id}:1", "step": "choose"}),
                       (f"{url}/bulk/apply", {"picks": str(action.id), "kind": "theme", "theme": "Training"})):
        refused = coordinator.client.post(path, data=data)
        assert refused.status_code == 400, path
    with app.app_context():
        assert db.session.get(Action, action.id).theme == ""


def test_all_that_match_the_filters_is_read_again_when_the_change_is_made(app, world, as_user, make):
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    query = f"agency={world['police'].id}"
    listing = coordinator.get(f"{url}?{query}")
    assert "All 3 actions that match these filters, on every page" in text(listing)
    step = coordinator.post(f"{url}/bulk", {"all_matching": "y", "filters": query, "step": "choose"},
                            form_url=f"{url}?{query}")
    assert "Change 3 actions" in text(step)
    kind = coordinator.post(f"{url}/bulk", {**dict(_hidden(step)), "kind": "theme"}, form_url=url)
    check = coordinator.post(f"{url}/bulk", {**dict(_hidden(kind)), "theme": "Training"}, form_url=url)
    assert "Actions chosen 3 (all that match the filters)" in text(check)
    confirmed = dict(_hidden(check))
    late = make.action(world["p"], title="A late police action", lead_agency=world["police"], owner=world["tom"])
    again = coordinator.post(f"{url}/bulk/apply", confirmed, form_url=url)
    page = text(again)
    assert "have changed since you checked: 4 match now, 3 matched then" in page and "Will change 4" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Action.theme == "Training")) == 0
    done = coordinator.post(f"{url}/bulk/apply", dict(_hidden(again)), form_url=url)
    assert "4 actions changed." in text(done)
    with app.app_context():
        assert db.session.get(Action, late.id).theme == "Training"
        assert db.session.get(Action, world["housing_action"].id).theme == ""


def test_too_many_at_once_is_said_before_anything_is_asked(app, world, as_user, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ACTIONS", 2)
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    page = coordinator.post(f"{url}/bulk", {"all_matching": "y", "filters": f"agency={world['police'].id}",
                                            "step": "choose"}, form_url=url)
    assert "At most 2 actions can be changed at once, and 3 were chosen" in text(page)
    assert 'name="kind"' not in page.get_data(as_text=True)


def test_nothing_chosen_goes_back_to_the_list_saying_so(app, world, as_user):
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    back = coordinator.post(f"{url}/bulk", {"step": "choose", "filters": "status=blocked"}, form_url=url)
    assert back.status_code == 302 and back.headers["Location"].endswith(f"{url}?status=blocked")
    assert "Choose the actions to change" in text(coordinator.get(back.headers["Location"]))


def test_people_who_change_no_actions_are_offered_no_boxes_and_others_partnerships_are_refused(app, world,
                                                                                                 as_user, make):
    url = f"/partnerships/{world['p'].id}/actions"
    viewer = as_user(world["viewer"])
    assert 'name="chosen"' not in viewer.get(url).get_data(as_text=True)
    summary = text(viewer.post(f"{url}/bulk/apply", {"picks": str(world["police_actions"][0].id), "kind": "note",
                                                     "note": "Hello"}, form_url=url))
    assert "0 actions changed, 1 not changed." in summary and bulk.NOT_ALLOWED["update"] in summary
    outsider = as_user(make.member(make.partnership(), "coordinator"))
    assert outsider.post(f"{url}/bulk/apply", {"picks": "1", "kind": "note", "note": "x"},
                         form_url="/").status_code == 403


@pytest.mark.parametrize("odd", ["99999999999", "-1", "1e999", "nan", "", "1:x", "²", "0:0"])
def test_odd_values_are_refused_plainly_and_change_nothing(app, world, as_user, odd):
    coordinator = as_user(world["coordinator"])
    url = f"/partnerships/{world['p'].id}/actions"
    action = world["police_actions"][0]
    for path in (f"{url}/bulk", f"{url}/bulk/apply"):
        for data in ({"picks": odd, "kind": "theme", "theme": "Training", "step": "check"},
                     {"picks": str(action.id), "kind": odd, "step": "check"},
                     {"picks": str(action.id), "kind": "owner", "owner_id": odd, "step": "check"},
                     {"picks": str(action.id), "kind": "lead_agency", "agency_id": odd, "agency_owner_id": odd},
                     {"picks": str(action.id), "kind": "status", "status": odd, "status_note": "x"},
                     {"picks": str(action.id), "kind": "deadline", "deadline": odd, "reason": "x"},
                     {"all_matching": "y", "filters": f"agency={odd}&rag={odd}", "kind": "theme", "theme": odd},
                     {"chosen": [odd, odd], "step": "choose"}):
            response = coordinator.post(path, data, form_url=url)
            assert response.status_code in (200, 302), (path, data)
    with app.app_context():
        changed = db.session.get(Action, action.id)
        assert (changed.theme, changed.owner_id, changed.deadline) == ("", world["tom"].id, SOON)
