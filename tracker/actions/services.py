"""Actions: creating and editing them, progress updates, deadline moves, sign-off, lists and the timeline."""
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import joinedload, load_only

from tracker.accounts.models import User
from tracker.actions import smart, state
from tracker.actions.evidence import evidence_problem, make_evidence
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate
from tracker.audit.models import AuditEntry
from tracker.audit.services import noting
from tracker.db import Keyset, paginate_rows, utcnow
from tracker.enums import (
    OPEN_STATUSES,
    ActionSource,
    ActionStatus,
    AuditEvent,
    ClosureOutcome,
    DeadlineApproval,
    DeliveryState,
    LeadAssessment,
    MoveStatus,
    Rag,
)
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import long_date
from tracker.partnerships.models import Agency, Membership, Partnership
from tracker.permissions import owned_or_led, visible_actions

#: fields a coordinator sets on the action form (the deadline, once set, moves only with a reason)
PLAN_FIELDS = ("title", "outcome", "measure", "lead_agency_id", "owner_id", "estimated_cost", "funding_source",
               "staff_time", "within_existing_resources", "review_arrangement", "component", "theme",
               "strategic_objective")


class StaleAction(ValidationFailed):
    """Someone else saved the action after this person opened it: their save is refused, nothing is lost."""

    def __init__(self, action):
        who = _last_editor(action)
        super().__init__({"__form__": gettext(
            "%(name)s saved this action while you were editing it. Your changes have not been saved: they are "
            "shown below. Check the action's current details, then save again.", name=who)})
        self.action = action


def _last_editor(action):
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.entity_type == "Action", AuditEntry.entity_id == action.id)
        .order_by(AuditEntry.id.desc()).limit(1))
    return entry.user.name if entry and entry.user else gettext("Someone else")


def check_version(action, expected_version):
    """Refuse a change made from a page older than the action's last save."""
    if action.id is not None and str(expected_version) != str(action.version):
        raise StaleAction(action)


def agency_members(partnership_id):
    """{agency id: [people]} of everyone tied to an agency of this partnership: the people who can own actions."""
    rows = db.session.execute(
        sa.select(Membership.agency_id, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.partnership_id == partnership_id, Membership.agency_id.is_not(None),
               User.is_active.is_(True))
        .order_by(sa.func.lower(User.name))
    ).all()
    members = {}
    for agency_id, user in rows:
        if user not in members.setdefault(agency_id, []):
            members[agency_id].append(user)
    return members


def is_agency_member(user_id, agency_id):
    """Read from the person's memberships, loaded once per session: a change to many actions (a bulk change, a
    reassignment) with the same owner reads them once, not once per action."""
    person = db.session.get(User, user_id)
    return person is not None and any(m.agency_id == agency_id for m in person.memberships)


def created_on(action):
    return state.london_today(action.created_at) if action.created_at else state.london_today()


def refresh_smart(action):
    action.smart_gaps = smart.gaps(smart.check_action(action, created_on(action)))


def _validate_plan(partnership, values):
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = gettext("Enter the action: what will be done")
    agency_id, owner_id = values.get("lead_agency_id"), values.get("owner_id")
    if agency_id is not None:
        agency = db.session.get(Agency, agency_id)
        if agency is None or agency.partnership_id != partnership.id:
            errors["lead_agency_id"] = gettext("Choose an agency of this partnership")
    if owner_id is not None:
        if agency_id is None:
            errors["owner_id"] = gettext("Choose the lead agency first: the owner must belong to it")
        elif "lead_agency_id" not in errors and not is_agency_member(owner_id, agency_id):
            errors["owner_id"] = gettext("The owner must be a member of the lead agency")
    cost = values.get("estimated_cost")
    if cost is not None and cost < 0:
        errors["estimated_cost"] = gettext("The cost cannot be negative")
    supporting = supporting_agencies(partnership, values.get("supporting_agency_ids") or [])
    if supporting is None:
        errors["supporting_agency_ids"] = gettext("Choose agencies of this partnership")
    elif agency_id is not None and agency_id in {a.id for a in supporting}:
        errors["supporting_agency_ids"] = gettext("The lead agency cannot also be a supporting agency")
    if errors:
        raise ValidationFailed(errors)
    return supporting


def supporting_agencies(partnership, agency_ids):
    """The partnership's agencies with these ids, or None when any id is not one of them. Each is looked up in the
    session before the database: an edit whose agencies are already loaded (the form's choices, a bulk change's
    actions) reads none again."""
    agencies = [db.session.get(Agency, agency_id) for agency_id in set(agency_ids)]
    return agencies if all(a is not None and a.partnership_id == partnership.id for a in agencies) else None


def answerable(user, partnership):
    """(recommendations, key issues) an action of the partnership can also answer, as (id, label) pairs: the
    recommendations of the reviews this person may open, and the key issues of its benchmarks."""
    from tracker.benchmarks.models import Benchmark, Finding
    from tracker.permissions import visible_reviews
    from tracker.reviews.models import Recommendation, Review
    from tracker.reviews.services import natural_key

    recommendations = db.session.execute(
        sa.select(Recommendation.id, Review.reference, Recommendation.number, Recommendation.text)
        .join(Review, Review.id == Recommendation.review_id)
        .where(Review.partnership_id == partnership.id, visible_reviews(user))).all()
    recommendations.sort(key=lambda r: (r.reference, natural_key(r.number)))
    findings = db.session.scalars(
        sa.select(Finding).join(Benchmark, Benchmark.id == Finding.benchmark_id)
        .where(Benchmark.partnership_id == partnership.id)
        .options(joinedload(Finding.component), joinedload(Finding.benchmark))
        .order_by(Benchmark.started_on.desc(), Finding.component_id.is_not(None), Finding.component_id,
                  Finding.position)).all()
    return ([(r.id, gettext("%(reference)s, recommendation %(number)s: %(text)s", reference=r.reference,
                            number=r.number, text=_shortened(r.text))) for r in recommendations],
            [(f.id, gettext("%(benchmark)s, %(component)s: %(text)s", benchmark=f.benchmark.title,
                            component=f.component.title if f.component else gettext("overall"),
                            text=_shortened(f.text))) for f in findings])


def _shortened(text, length=120):
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def _answers(partnership, action, values, editor):
    """The recommendations and key issues the action also answers, from the ids chosen: each must be the
    partnership's and one the editor may choose; a link the editor cannot see (a review closed to them) is kept
    as it was, never dropped unseen. None where not given (an import, a bulk change)."""
    from tracker.benchmarks.models import Finding
    from tracker.reviews.models import Recommendation

    if "also_recommendation_ids" not in values and "also_finding_ids" not in values:
        return None
    recommendations, findings = answerable(editor, partnership) if editor is not None else ([], [])
    open_recommendations, open_findings = {i for i, _ in recommendations}, {i for i, _ in findings}
    chosen_recommendations = set(values.get("also_recommendation_ids") or [])
    chosen_findings = set(values.get("also_finding_ids") or [])
    errors = {}
    if chosen_recommendations - open_recommendations:
        errors["also_recommendation_ids"] = gettext("Choose recommendations of this partnership's reviews")
    if chosen_findings - open_findings:
        errors["also_finding_ids"] = gettext("Choose key issues of this partnership's benchmarks")
    if action is not None:
        chosen_recommendations.discard(action.recommendation_id)
        chosen_findings.discard(action.finding_id)
    if errors:
        raise ValidationFailed(errors)
    kept_recommendations = [r for r in (action.also_recommendations if action else []) if r.id not in
                            open_recommendations]
    kept_findings = [f for f in (action.also_findings if action else []) if f.id not in open_findings]
    return ([*kept_recommendations, *(db.session.get(Recommendation, i) for i in sorted(chosen_recommendations))],
            [*kept_findings, *(db.session.get(Finding, i) for i in sorted(chosen_findings))])


def save_action(partnership, action, values, expected_version=None, deadline=None, origin=None, editor=None):
    """Create (action=None) or edit an action's plan; returns it. The SMART check is recorded, never enforced.
    A new action answering a review's recommendation or a benchmark's finding (the origin) takes it as source.
    What else it answers is chosen among what the editor may see; the milestones, where given, are a plan's lines."""
    if action is not None:
        check_version(action, expected_version)
    supporting = _validate_plan(partnership, values)
    answers = _answers(partnership, action, values, editor)
    is_new = action is None
    if is_new:
        action = Action(partnership_id=partnership.id, source=ActionSource.STRATEGY)
        if type(origin).__name__ == "Recommendation":
            action.source, action.recommendation = ActionSource.DHR, origin
        elif type(origin).__name__ == "Finding":
            action.source, action.finding = ActionSource.BENCHMARK, origin
        if deadline is not None:
            action.deadline = action.original_deadline = deadline
    for field in PLAN_FIELDS:
        value = values[field]
        setattr(action, field, value.strip() if isinstance(value, str) else value)
    action.supporting_agencies = list(supporting)
    if "survivor_involvement" in values:
        action.survivor_involvement = (values["survivor_involvement"] or "").strip()
    if "groups" in values:
        action.groups = values["groups"] or []
    if "milestones" in values:
        action.milestones = values["milestones"]
    if answers is not None:
        recommendations = [r for r in answers[0] if r is not action.recommendation]
        findings = [f for f in answers[1] if f is not action.finding]
        if not is_new and (set(recommendations), set(findings)) != (set(action.also_recommendations),
                                                                    set(action.also_findings)):
            action.updated_at = utcnow()  # a change of links alone is a new version too: an older form is refused
        action.also_recommendations, action.also_findings = recommendations, findings
    if not is_new and action.deadline is None and deadline is not None:
        action.deadline = action.original_deadline = deadline
    refresh_smart(action)
    db.session.add(action)
    db.session.commit()
    return action


def post_update(action, author, *, note, status, lead_assessment=None, blocked_reason="", evidence_url="",
                evidence_upload=None, completion_note="", expected_version=None):
    """An agency lead's (or coordinator's) progress report: a timeline entry that may change status and RAG."""
    check_version(action, expected_version)
    status = ActionStatus(status)
    errors = {}
    if not (note or "").strip():
        errors["note"] = gettext("Enter what has happened since the last update")
    if status not in (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED,
                      ActionStatus.COMPLETED):
        errors["status"] = gettext("Choose a status")
    if status is ActionStatus.BLOCKED and not (blocked_reason or "").strip():
        errors["blocked_reason"] = gettext("Say what is blocking the action")
    evidence = None
    if evidence_upload is not None:
        filename, data = evidence_upload
        problem = evidence_problem(filename, data)
        if problem:
            errors["evidence_file"] = problem
        else:
            evidence = make_evidence(filename, data)
    if status is ActionStatus.COMPLETED and action.status is not ActionStatus.COMPLETED:
        has_evidence = evidence is not None or evidence_url or any(
            u.evidence_file_id or u.evidence_url for u in action.updates)
        if not has_evidence and not (completion_note or "").strip():
            errors["completion_note"] = gettext("To mark the action completed, attach evidence or describe what "
                                                "was delivered")
    if errors:
        raise ValidationFailed(errors)

    now = utcnow()
    update = ProgressUpdate(action=action, author_id=author.id, at=now, note=note.strip(), status=status,
                            lead_assessment=LeadAssessment(lead_assessment) if lead_assessment else None,
                            evidence_url=(evidence_url or "").strip(), evidence_file=evidence)
    with noting("Progress update"):
        if status is ActionStatus.COMPLETED and action.status is not ActionStatus.COMPLETED:
            action.completed_on, action.completed_is_month = state.london_today(now), False
            action.completion_note = (completion_note or "").strip()
        elif status is not ActionStatus.COMPLETED:
            action.completed_on, action.completed_is_month = None, False
        action.status = status
        action.blocked_reason = (blocked_reason or "").strip() if status is ActionStatus.BLOCKED else ""
        if lead_assessment:
            action.lead_assessment = LeadAssessment(lead_assessment)
        action.last_progress_at = now
        db.session.add(update)
        if status is ActionStatus.COMPLETED:
            _tell_closure_claimed(action, author)
        db.session.commit()
    return update


def _handoff(people, action, kind, news, key):
    """Tell people of a step on the action: news(title) says it, in each person's language, of the action's title
    as an email may show it."""
    from tracker.notifications.services import tell
    from tracker.reminders.services import shown_title

    tell(people, kind=kind, partnership_id=action.partnership_id, action=action, path=f"/actions/{action.id}",
         text=lambda: news(shown_title(action)), key=key)


def _tell_closure_claimed(action, author):
    """Completed, awaiting sign-off: whoever signs it off hears (the coordinator; a review's panel chair)."""
    from tracker.notifications.services import coordinators_of, panel_chairs

    if _last_status(action) is ActionStatus.COMPLETED:
        return
    people = coordinators_of(action.partnership_id)
    if action.recommendation_id is not None:
        people += panel_chairs(action.recommendation.review_id)
    _handoff(people, action, "closure_claimed",
             lambda title: gettext("%(action)s: marked completed by %(name)s, awaiting sign-off", action=title,
                                   name=author.name),
             f"closure_claimed:{action.id}:{utcnow().isoformat()}")


def _last_status(action):
    history = sa.inspect(action).attrs.status.history
    return history.deleted[0] if history.deleted else action.status


def save_deadline_rule(partnership, rule, days):
    partnership.deadline_approval, partnership.deadline_approval_days = DeadlineApproval(rule), days
    db.session.commit()


def pending_move(action):
    """The deadline move waiting for approval, if any."""
    return db.session.scalar(sa.select(DeadlineChange).where(DeadlineChange.action_id == action.id,
                                                             DeadlineChange.status == MoveStatus.REQUESTED))


def needs_approval(action, actor, new_deadline):
    """Whether the partnership's rule holds this move for the coordinator's (or panel chair's) decision. Those
    who approve moves make their own at once; a first deadline is set, not moved."""
    from tracker.permissions import can

    if action.deadline is None or can(actor, "approve_deadline", action):
        return False
    rule, partnership = action.partnership.deadline_approval, action.partnership
    if rule is DeadlineApproval.ANY:
        return True
    if rule is DeadlineApproval.LONGER:
        return abs((new_deadline - action.deadline).days) > partnership.deadline_approval_days
    if rule is DeadlineApproval.REPEATED:
        return db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineChange).where(
            DeadlineChange.action_id == action.id, DeadlineChange.status == MoveStatus.APPROVED,
            DeadlineChange.from_date.is_not(None))) > 0
    return False


def move_deadline(action, actor, new_deadline, reason, expected_version=None):
    """Move (or first set) the deadline, or ask for the move where the partnership's rule wants approval. The
    original date is kept and every move needs a reason. Returns the DeadlineChange."""
    check_version(action, expected_version)
    errors = {}
    if new_deadline is None:
        errors["deadline"] = gettext("Enter the new deadline")
    elif new_deadline == action.deadline:
        errors["deadline"] = gettext("The new deadline is the same as the current one")
    if action.deadline is not None and not (reason or "").strip():
        errors["reason"] = gettext("Say why the deadline is moving")
    if not action.is_open:
        errors["deadline"] = gettext("A completed or closed action's deadline cannot move: reopen it first")
    waiting = pending_move(action)
    if waiting is not None:
        errors["deadline"] = gettext("A move to %(date)s is already awaiting approval: it must be decided first",
                                     date=long_date(waiting.to_date))
    if errors:
        raise ValidationFailed(errors)
    reason = (reason or "").strip() or "First deadline set"
    change = DeadlineChange(action_id=action.id, changed_by_id=actor.id, from_date=action.deadline,
                            to_date=new_deadline, reason=reason)
    if needs_approval(action, actor, new_deadline):
        change.status = MoveStatus.REQUESTED
        db.session.add(change)
        db.session.flush()
        from tracker.notifications.services import approvers_of

        _handoff(approvers_of(action), action, "move_requested",
                 lambda title: gettext("%(action)s: %(name)s asks to move the deadline to %(date)s", action=title,
                                       name=actor.name, date=long_date(new_deadline)),
                 f"move_requested:{change.id}")
        db.session.commit()
        return change
    change.decided_by_id, change.decided_at = actor.id, utcnow()
    db.session.add(change)
    _apply_move(action, change)
    db.session.commit()
    return change


def _apply_move(action, change):
    with noting(f"Deadline moved: {change.reason}"):
        if action.original_deadline is None:
            action.original_deadline = change.to_date
        action.deadline, action.deadline_is_month = change.to_date, False
        refresh_smart(action)
        db.session.flush()


def decide_move(change, actor, approve, reason=""):
    """The coordinator's (or panel chair's) yes or no to a requested move; the requester, owner and lead hear."""
    from tracker.notifications.services import owner_and_leads

    action = change.action
    if change.status is not MoveStatus.REQUESTED:
        raise ValidationFailed({"__form__": gettext("This request was already %(decision)s",
                                                    decision=change.status.label.lower())})
    if approve and not action.is_open:
        raise ValidationFailed({"__form__": gettext("The action is no longer open: its deadline cannot move")})
    if not approve and not (reason or "").strip():
        raise ValidationFailed({"reason": gettext("Say why the move is refused")})
    change.status = MoveStatus.APPROVED if approve else MoveStatus.REFUSED
    change.decided_by_id, change.decided_at, change.decision_reason = actor.id, utcnow(), (reason or "").strip()
    if approve:
        change.from_date = action.deadline
        _apply_move(action, change)
    people = owner_and_leads(action) + ([change.changed_by] if change.changed_by else [])
    if approve:
        def said(title):
            return gettext("%(action)s: the move of the deadline to %(date)s was approved by %(name)s", action=title,
                           date=long_date(change.to_date), name=actor.name)
    else:
        def said(title):
            return gettext("%(action)s: the move of the deadline to %(date)s was refused by %(name)s: %(reason)s",
                           action=title, date=long_date(change.to_date), name=actor.name, reason=reason.strip())
    _handoff([p for p in people if p.id != actor.id], action, f"move_{change.status.value}", said,
             f"move_decided:{change.id}")
    db.session.commit()


def sign_off(action, actor, *, outcome, reference, closed_on, reason="", assurance_check_on=None):
    """Close a completed action on the strategic group's (or panel's) decision, with the meeting reference."""
    errors = {}
    if action.status is not ActionStatus.COMPLETED:
        errors["__form__"] = gettext("Only an action marked completed can be signed off")
    try:
        outcome = ClosureOutcome(outcome)
    except ValueError:
        errors["outcome"] = gettext("Choose the outcome")
        outcome = None
    if outcome is ClosureOutcome.NOT_IMPLEMENTED and not (reason or "").strip():
        errors["reason"] = gettext("Say why the action was not implemented")
    errors.update(_sign_off_errors(reference, closed_on))
    if not errors and assurance_check_on is not None and assurance_check_on <= closed_on:
        errors["assurance_check_on"] = gettext("The assurance check must be after the sign-off date")
    if errors:
        raise ValidationFailed(errors)
    _close(action, actor, outcome, reference, closed_on, reason, assurance_check_on)
    db.session.commit()


def _sign_off_errors(reference, closed_on):
    """What every sign-off needs: the meeting or minute that decided it, and a date that has come."""
    errors = {}
    if not (reference or "").strip():
        errors["reference"] = gettext("Enter the meeting or minute reference of the sign-off")
    if closed_on is None:
        errors["closed_on"] = gettext("Enter the date of the sign-off")
    elif closed_on > state.london_today():
        errors["closed_on"] = gettext("The sign-off date cannot be in the future")
    return errors


def _close(action, actor, outcome, reference, closed_on, reason="", assurance_check_on=None):
    from tracker.notifications.services import owner_and_leads

    with noting(f"Signed off: {reference.strip()}"):
        action.status = ActionStatus.CLOSED
        action.closure_outcome = outcome
        action.closure_reason = (reason or "").strip()
        action.sign_off_reference = reference.strip()
        action.closed_on = closed_on
        action.closed_by_id = actor.id
        action.assurance_check_on = assurance_check_on
        db.session.flush()
    _handoff(owner_and_leads(action), action, "signed_off",
             lambda title: gettext("%(action)s: signed off and closed by %(name)s (%(reference)s)", action=title,
                                   name=actor.name, reference=reference.strip()),
             f"signed_off:{action.id}:{closed_on}")


def sign_off_many(actions, actor, *, reference, closed_on):
    """Sign off several completed actions with one minute reference, all or nothing; each is audited."""
    from tracker.permissions import can

    errors = {}
    if not actions:
        errors["action_ids"] = gettext("Choose the actions to sign off")
    refused = [a.title for a in actions if a.status is not ActionStatus.COMPLETED or not can(actor, "sign_off", a)]
    if refused:
        errors["action_ids"] = gettext("These can no longer be signed off by you: %(actions)s",
                                       actions="; ".join(refused[:5]))
    errors.update(_sign_off_errors(reference, closed_on))
    if errors:
        raise ValidationFailed(errors)
    for action in actions:
        _close(action, actor, ClosureOutcome.AS_PLANNED, reference, closed_on)
    db.session.commit()
    return len(actions)


def reopen(action, actor, reason):
    if action.status not in (ActionStatus.COMPLETED, ActionStatus.CLOSED):
        raise ValidationFailed({"__form__": gettext("Only a completed or closed action can be reopened")})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": gettext("Say why the action is being reopened")})
    from tracker.notifications.services import owner_and_leads

    if action.status is ActionStatus.COMPLETED:
        def said(title):
            return gettext("%(action)s: closure was refused by %(name)s: %(reason)s", action=title, name=actor.name,
                           reason=reason.strip())
    else:
        def said(title):
            return gettext("%(action)s: was reopened by %(name)s: %(reason)s", action=title, name=actor.name,
                           reason=reason.strip())
    _handoff(owner_and_leads(action), action, "closure_refused", said, f"reopened:{action.id}:{utcnow().isoformat()}")
    with noting(f"Reopened: {reason.strip()}"):
        action.status = ActionStatus.IN_PROGRESS
        action.closure_outcome = None
        action.closure_reason = ""
        action.sign_off_reference = ""
        action.closed_on = None
        action.closed_by_id = None
        action.completed_on, action.completed_is_month = None, False
        action.assurance_check_on = None
        action.last_progress_at = utcnow()
        db.session.commit()


def confirm_assurance(action, actor, note):
    if action.status is not ActionStatus.CLOSED or action.assurance_check_on is None:
        raise ValidationFailed({"__form__": gettext("This action has no assurance check to confirm")})
    with noting(f"Assurance check confirmed: {(note or '').strip()}".rstrip(": ")):
        action.assurance_confirmed_on = state.london_today()
        db.session.commit()


def reassign_owner(partnership, from_user_id, to_user_id, action_ids):
    """Hand every chosen open action from one owner to another, all or nothing (each change is audited)."""
    actions = db.session.scalars(
        sa.select(Action).where(Action.partnership_id == partnership.id, Action.owner_id == from_user_id,
                                Action.id.in_(action_ids))
        .order_by(Action.id)).all()
    if not actions:
        raise ValidationFailed({"action_ids": gettext("Choose at least one action to reassign")})
    refused = [a for a in actions if not is_agency_member(to_user_id, a.lead_agency_id)]
    if refused:
        names = "; ".join(a.title for a in refused[:5])
        raise ValidationFailed({"to_user_id": gettext(
            "The new owner is not a member of the lead agency of: %(actions)s", actions=names)})
    with noting("Owner reassigned"):
        for action in actions:
            action.owner_id = to_user_id
            refresh_smart(action)
        db.session.commit()
    return actions


def answering(record):
    """Every action that answers a recommendation or key issue: those made for it, then those that also answer it."""
    return list(dict.fromkeys([*record.actions, *record.linked_actions]))


def delivery_state(actions):
    """Where a recommendation or finding stands, from the actions that answer it (see answering)."""
    if not actions:
        return DeliveryState.NO_ACTION
    if all(a.status is ActionStatus.CLOSED for a in actions):
        return DeliveryState.CLOSED
    if all(a.status in (ActionStatus.COMPLETED, ActionStatus.CLOSED) for a in actions):
        return DeliveryState.COMPLETED
    return DeliveryState.IN_PROGRESS


# Queries


@dataclass
class ActionFilters:
    agency_id: int | None = None
    owner_id: int | None = None
    status: ActionStatus | None = None
    rag: Rag | None = None
    overdue: bool = False
    source: ActionSource | None = None
    component: str | None = None
    waiting: str | None = None
    sort: str = "deadline"


#: soonest deadline first, none last. Said as NULLS LAST (PostgreSQL's own order of an ascending index) rather than
#: sorting on "deadline IS NULL" first, so that PostgreSQL reads a page in the order of the index on (partnership,
#: deadline, id) and stops at the page, instead of sorting every action of the partnership to show 25
SORTS = {
    "deadline": Keyset(((Action.deadline, False), (Action.id, False))),
    "-deadline": Keyset(((Action.deadline, True), (Action.id, False))),
    "title": Keyset(((sa.func.lower(Action.title), False), (Action.id, False))),
}


def _filtered(query, filters, today):
    if filters.agency_id:
        query = query.where(Action.lead_agency_id == filters.agency_id)
    if filters.owner_id:
        query = query.where(Action.owner_id == filters.owner_id)
    if filters.status:
        query = query.where(Action.status == filters.status)
    if filters.rag:
        query = query.where(state.rag_reason(today).in_(state.reasons_for(filters.rag)))
    if filters.overdue:
        query = query.where(state.is_overdue(today))
    if filters.source:
        query = query.where(Action.source == filters.source)
    if filters.component:
        query = query.where(Action.component == filters.component)
    if filters.waiting == "approval":
        query = query.where(sa.exists().where(DeadlineChange.action_id == Action.id,
                                              DeadlineChange.status == MoveStatus.REQUESTED))
    elif filters.waiting == "owner":
        query = query.where(Action.status.in_(OPEN_STATUSES), is_unowned())
    return query


def is_unowned(partnership_id=None):
    """An action nobody owns: no owner, or one whose account is closed or who holds no role in its partnership.
    Leaving keeps the name on the action (its history) but not the reminders, the feed or the queue. Given the
    partnership, its active members are read once rather than looked up for each of its actions."""
    if partnership_id is not None:
        return sa.or_(Action.owner_id.is_(None), Action.owner_id.not_in(
            sa.select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.partnership_id == partnership_id, User.is_active.is_(True))))
    return ~(sa.select(Membership.id).join(User, User.id == Membership.user_id)
             .where(Membership.user_id == Action.owner_id, Membership.partnership_id == Action.partnership_id,
                    User.is_active.is_(True))
             .correlate(Action).exists())


def _rows(page):
    page.items = [(action, state.DerivedState(reason, overdue)) for action, reason, overdue in page.items]
    return page


def _as_listed():
    """What a list of actions shows (templates/actions/_table.html): not the plan's long texts, and of the owner
    and lead agency only the name."""
    return (load_only(Action.partnership_id, Action.title, Action.smart_gaps, Action.deadline,
                      Action.deadline_is_month, Action.status, Action.lead_agency_id, Action.owner_id),
            joinedload(Action.owner).load_only(User.name), joinedload(Action.lead_agency).load_only(Agency.name))


def action_page(user, partnership, filters, today, page, per_page, after=None, before=None):
    """One page of the partnership's actions this person may see, with their derived state: a fixed number of
    queries however long the page, and however deep when reached from the page before or after it (the action it
    follows or precedes, `after` or `before`)."""
    query = state.with_state(sa.select(Action), today).where(Action.partnership_id == partnership.id,
                                                              visible_actions(user, within=partnership.id))
    keyset = replace(SORTS.get(filters.sort, SORTS["deadline"]), after=after, before=before)
    query = _filtered(query, filters, today).options(*_as_listed()).order_by(*keyset.order)
    return _rows(paginate_rows(query, page, per_page, keyset=keyset))


def export_header():
    """The action list's CSV columns, in the reader's language."""
    return [gettext("Action"), gettext("Source"), gettext("Lead agency"), gettext("Owner"), gettext("Deadline"),
            gettext("Original deadline"), gettext("Status"), gettext("RAG"), gettext("Why"), gettext("Days overdue"),
            gettext("Outcome sought"), gettext("Measure of success"), gettext("Estimated cost"),
            gettext("Funding source"), gettext("Staff time"), gettext("Within existing resources"),
            gettext("Component"), gettext("Theme"), gettext("Not SMART"), gettext("Completed on")]


def export_rows(user, partnership, filters, today, batch=1000):
    """Every action the filters select, one row at a time from a server-side cursor, so that a 100,000-row
    export streams in flat memory rather than being built whole."""
    owner, agency = sa.orm.aliased(User), sa.orm.aliased(Agency)
    query = _filtered(
        state.with_state(sa.select(Action.title, Action.source, agency.name, owner.name, Action.deadline,
                                   Action.original_deadline, Action.status, Action.outcome, Action.measure,
                                   Action.estimated_cost, Action.funding_source, Action.staff_time,
                                   Action.within_existing_resources, Action.component, Action.theme,
                                   Action.smart_gaps, Action.completed_on), today)
        .outerjoin(agency, agency.id == Action.lead_agency_id).outerjoin(owner, owner.id == Action.owner_id)
        .where(Action.partnership_id == partnership.id, visible_actions(user, within=partnership.id)), filters, today
    ).order_by(*SORTS["deadline"].order).execution_options(yield_per=batch)
    for (title, source, agency_name, owner_name, deadline, original, status, outcome, measure, cost, funding,
         staff, within, component, theme, gaps, completed_on, reason, overdue) in db.session.execute(query):
        derived = state.DerivedState(reason, overdue)
        yield [title, source.label, agency_name or "", owner_name or "", deadline, original, status.label,
               derived.rag.label, derived.reason_label, overdue or "", outcome, measure,
               "" if cost is None else f"{cost:.2f}", funding, staff, gettext("yes") if within else gettext("no"),
               component, theme,
               gaps, completed_on]


def _mine(user):
    return sa.and_(owned_or_led(user), Action.status != ActionStatus.CLOSED)


def my_action_counts(user, today):
    """How many of the person's open actions are red, amber and green (one query)."""
    reason = state.rag_reason(today)
    rows = db.session.execute(
        sa.select(reason, sa.func.count()).select_from(Action)
        .join(Partnership, Partnership.id == Action.partnership_id).where(_mine(user)).group_by(reason)).all()
    counts = {Rag.RED: 0, Rag.AMBER: 0, Rag.GREEN: 0}
    for code, number in rows:
        counts[state.REASONS[code][0]] += number
    return counts


def my_actions(user, today, page, per_page):
    """Open actions the person owns, and those of the agencies they lead."""
    # SORTS["deadline"]'s order, written so that no index can supply it: a person's few actions are then read
    # through the owner and lead-agency indexes and sorted, never found by walking the country's by deadline
    soonest_first = (Action.deadline.is_(None), Action.deadline, Action.id)
    query = (
        state.with_state(sa.select(Action), today)
        .where(_mine(user))
        .options(*_as_listed(), joinedload(Action.partnership))
        .order_by(*soonest_first)
    )
    return _rows(paginate_rows(query, page, per_page))


def owners_in(partnership):
    """People who own at least one action here, as (id, name), for reassignment."""
    owners = sa.select(Action.owner_id).where(Action.partnership_id == partnership.id)
    return db.session.execute(sa.select(User.id, User.name).where(User.id.in_(owners))
                              .order_by(sa.func.lower(User.name), User.id)).all()


def filter_options(partnership):
    """The partnership's agencies and its members who own any of its actions, as (id, name) pairs, for the action
    list's filters: both in one query of the columns shown. Each member is checked through the owner's index, not
    by reading every owner of a large partnership's actions; a leaver's actions are those "waiting for an owner"."""
    agencies = sa.select(sa.literal_column("'agency'").label("kind"), Agency.id, Agency.name,
                         Agency.name.label("sort_key")).where(Agency.partnership_id == partnership.id)
    owns = sa.select(Action.id).where(Action.owner_id == User.id, Action.partnership_id == partnership.id) \
        .correlate(User).exists()
    owners = sa.select(sa.literal_column("'owner'"), User.id, User.name, sa.func.lower(User.name)).where(
        User.id.in_(sa.select(Membership.user_id).where(Membership.partnership_id == partnership.id)), owns)
    both = sa.union_all(agencies, owners)
    options = {"agency": [], "owner": []}
    for kind, record_id, name, _sort_key in db.session.execute(
            both.order_by(both.selected_columns.kind, both.selected_columns.sort_key, both.selected_columns.id)):
        options[kind].append((record_id, name))
    return options["agency"], options["owner"]


def open_actions_of(partnership, owner_id):
    return db.session.scalars(
        sa.select(Action).where(Action.partnership_id == partnership.id, Action.owner_id == owner_id,
                                Action.status != ActionStatus.CLOSED)
        .options(joinedload(Action.lead_agency)).order_by(*SORTS["deadline"].order)).all()


@dataclass
class TimelineEntry:
    at: datetime
    who: str
    kind: str  # "created", "update", "change"
    note: str = ""
    update: ProgressUpdate | None = None
    #: (field label, before, after) in words people read
    changes: list | None = None


FIELD_LABELS = {
    "title": lazy_gettext("Action"), "outcome": lazy_gettext("Outcome"), "measure": lazy_gettext("Measure of success"),
    "lead_agency_id": lazy_gettext("Lead agency"), "owner_id": lazy_gettext("Owner"),
    "deadline": lazy_gettext("Deadline"), "original_deadline": lazy_gettext("Original deadline"),
    "estimated_cost": lazy_gettext("Estimated cost"), "review_arrangement": lazy_gettext("Review"),
    "within_existing_resources": lazy_gettext("Within existing resources"),
    "closed_by_id": lazy_gettext("Signed off by"), "closed_on": lazy_gettext("Signed off on"),
    "sign_off_reference": lazy_gettext("Sign-off reference"), "lead_assessment": lazy_gettext("Lead's assessment"),
    "smart_gaps": lazy_gettext("SMART letters needing attention"), "last_progress_at": lazy_gettext("Last progress"),
}
ENUM_FIELDS = {"status": ActionStatus, "closure_outcome": ClosureOutcome, "lead_assessment": LeadAssessment,
               "source": ActionSource}
PEOPLE_FIELDS = ("owner_id", "closed_by_id")
HIDDEN_FIELDS = {"last_progress_at", "partnership_id"}


def _describe_changes(audit_entries):
    """Turn stored values (ids, codes, ISO dates) into names and labels, with one query for all the names."""
    from datetime import date as date_type

    user_ids, agency_ids = set(), set()
    for entry in audit_entries:
        for field, values in entry.changes.items():
            target = user_ids if field in PEOPLE_FIELDS else agency_ids if field == "lead_agency_id" else None
            if target is not None:
                target.update(v for v in values if v is not None)
    names = {("user", u.id): u.name for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
    names.update({("agency", a.id): a.name
                  for a in db.session.scalars(sa.select(Agency).where(Agency.id.in_(agency_ids)))})

    def word(field, value):
        if value in (None, ""):
            return gettext("(empty)")
        if field in ENUM_FIELDS:
            return ENUM_FIELDS[field](value).label
        if field in PEOPLE_FIELDS:
            return names.get(("user", value)) or gettext("a former member")
        if field == "lead_agency_id":
            return names.get(("agency", value)) or gettext("a deleted agency")
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if field == "estimated_cost":
            return f"£{float(value):,.2f}"
        if field.endswith(("_on", "deadline")):
            return long_date(date_type.fromisoformat(value))
        return str(value)

    return {
        entry.id: [(FIELD_LABELS.get(field, field.replace("_", " ").capitalize()), word(field, before),
                    word(field, after))
                   for field, (before, after) in entry.changes.items() if field not in HIDDEN_FIELDS]
        for entry in audit_entries
    }


def timeline(action):
    """Progress updates and recorded changes, oldest first. Changes an update made are shown with it."""
    entries = [TimelineEntry(u.at, u.author.name, "update", u.note, update=u) for u in
               db.session.scalars(sa.select(ProgressUpdate).where(ProgressUpdate.action_id == action.id)
                                  .options(joinedload(ProgressUpdate.author),
                                           joinedload(ProgressUpdate.evidence_file).load_only(
                                               *_evidence_summary_columns())))]
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity_type == "Action", AuditEntry.entity_id == action.id)
        .order_by(AuditEntry.id)).all()
    changes = [entry for entry in audit if entry.event is AuditEvent.UPDATE and entry.note != "Progress update"]
    described = _describe_changes(changes)
    for entry in audit:
        who = entry.user.name if entry.user else gettext("System")
        if entry.event is AuditEvent.CREATE:
            entries.append(TimelineEntry(entry.at, who, "created", gettext("Action created. %(note)s", note=entry.note)
                                         if entry.note else gettext("Action created")))
        elif entry in changes:
            entries.append(TimelineEntry(entry.at, who, "change", entry.note, changes=described[entry.id]))
    return sorted(entries, key=lambda e: e.at)


def _evidence_summary_columns():
    from tracker.actions.models import EvidenceFile

    return (EvidenceFile.filename, EvidenceFile.size, EvidenceFile.content_type)


# One action per agency


@dataclass
class AgencyShare:
    """One agency a recommendation names, with the actions it leads that answer the recommendation."""

    agency: Agency
    actions: list
    #: of those, the ones the reader may open (an action made for a review closed to them counts, unnamed)
    shown: list

    @property
    def state(self):
        return delivery_state(self.actions)


def shares_of(recommendation, reader):
    """Per agency the recommendation names: its actions answering it and where they stand (the roll-up)."""
    from tracker.permissions import can

    actions = answering(recommendation)
    shares = []
    for agency in recommendation.agencies:
        led = [a for a in actions if a.lead_agency_id == agency.id]
        shares.append(AgencyShare(agency, led, [a for a in led if can(reader, "view", a)]))
    return shares


def actions_per_agency(recommendation, agency_ids, values, deadline):
    """An "all agencies should…" recommendation turned into one action for each agency chosen among those it
    names, all or none: the same title, outcome, measure and deadline, each led by its agency, owners left for
    the agencies to name. Returns the actions."""
    from tracker.reviews.services import review_action_values

    named = {agency.id: agency for agency in recommendation.agencies}
    errors = {}
    if not agency_ids:
        errors["agency_ids"] = gettext("Choose the agencies that each get an action")
    elif set(agency_ids) - set(named):
        errors["agency_ids"] = gettext("Choose agencies the recommendation names")
    if not (values.get("title") or "").strip():
        errors["title"] = gettext("Enter the action: what will be done")
    if errors:
        raise ValidationFailed(errors)
    starting = review_action_values(recommendation)
    created = []
    with noting(f"One action per agency named by recommendation {recommendation.number}"):
        for agency_id in sorted(set(agency_ids), key=lambda i: named[i].name):
            action = Action(partnership_id=recommendation.review.partnership_id, source=ActionSource.DHR,
                            recommendation=recommendation, lead_agency=named[agency_id],
                            title=values["title"].strip(), outcome=(values.get("outcome") or "").strip(),
                            measure=(values.get("measure") or "").strip(), deadline=deadline,
                            original_deadline=deadline, component=starting["component"], theme=starting["theme"][:100])
            refresh_smart(action)
            db.session.add(action)
            created.append(action)
        db.session.commit()
    return created
