"""Bulk changes from the action list: one change (owner, lead agency, theme, status, deadline or a progress note)
made to many actions at once.

Each action goes through the service function its own page uses (save_action, post_update, move_deadline), so it
is audited, notified and rescheduled exactly as a single edit is, commits on its own, and a deadline move the
partnership's rule holds becomes a request. What cannot change is refused action by action with its reason, never
dropped: an action the person cannot see, may not change, that someone changed since it was chosen, or whose status
does not allow the change. Everything the rules read (the actions, their reviews' panels, the people and agencies,
the waiting deadline requests) is loaded up front in a few queries, whatever the number of actions.
"""
import contextlib
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker.actions import services
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate
from tracker.audit.services import acting_as, noting
from tracker.enums import UPDATE_STATUSES, ActionStatus, LabelledEnum, MoveStatus, Role
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import record_id
from tracker.i18n import N_, long_date
from tracker.partnerships.models import Agency, Partnership
from tracker.permissions import can, roles_in, visible_actions
from tracker.reviews.models import Recommendation, Review

#: the most actions one bulk change may touch: more at once is far likelier a slip of the filters than a plan
MAX_ACTIONS = 1000


class ChangeKind(LabelledEnum):
    OWNER = "owner", N_("Owner")
    LEAD_AGENCY = "lead_agency", N_("Lead agency")
    THEME = "theme", N_("Theme")
    STATUS = "status", N_("Status")
    DEADLINE = "deadline", N_("Deadline")
    NOTE = "note", N_("Progress note")


#: the permission each kind of change needs on each action: the one its single page needs
VERB = {ChangeKind.OWNER: "edit", ChangeKind.LEAD_AGENCY: "edit", ChangeKind.THEME: "edit",
        ChangeKind.STATUS: "update", ChangeKind.NOTE: "update", ChangeKind.DEADLINE: "move_deadline"}
#: why an action is refused, in English (translated as the refusal is made)
NOT_ALLOWED = {
    "edit": N_("You may not change its plan: the coordinator does (and, for a review's action, its panel)"),
    "update": N_("You may not update it: its owner, its lead agency's lead or the coordinator does"),
    "move_deadline": N_("You may not move its deadline: its lead agency's lead or the coordinator does"),
}
NOT_VISIBLE = N_("You cannot open this action, or it is not one of this partnership's")
STALE = N_("Someone changed it after you chose it: open it to see what changed, then choose it again")
#: the roles that may change some actions of a partnership; others see the list without the boxes to tick
CHANGERS = {Role.COORDINATOR, Role.AGENCY_LEAD, Role.PANEL_MEMBER}


@dataclass(frozen=True)
class Change:
    """One change for every action chosen. `owner_id` with a lead agency is optional: the new owner too."""

    kind: ChangeKind
    owner_id: int | None = None
    agency_id: int | None = None
    theme: str = ""
    status: ActionStatus | None = None
    #: the progress note (status changes and notes), added to each action's timeline
    note: str = ""
    blocked_reason: str = ""
    completion_note: str = ""
    deadline: date | None = None
    #: why the deadlines move, kept with each original date
    reason: str = ""


def change_from(kind, values):
    """A Change from a form's values: empty text as "", a status by its value; a kind or status that is not one is
    refused beside its field."""
    try:
        kind = ChangeKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": gettext("Choose what to change")}) from None
    values = dict(values)
    if values.get("status"):
        try:
            values["status"] = ActionStatus(values["status"])
        except ValueError:
            raise ValidationFailed({"status": gettext("Choose the new status")}) from None
    for name in ("theme", "note", "blocked_reason", "completion_note", "reason"):
        if name in values:
            values[name] = (values[name] or "").strip()
    return Change(kind, **{name: value for name, value in values.items() if value not in (None, "")})


@dataclass(frozen=True)
class Refusal:
    """An action not changed and why. The title only where the person may open the action."""

    action_id: int | None
    title: str | None
    reason: str


@dataclass
class Outcome:
    """What a bulk change did (or, previewed, would do)."""

    change: Change
    #: changed (previewed: will change), in the order chosen
    changed: list = field(default_factory=list)
    #: deadline moves the partnership's rule holds: each is now (will be) a request awaiting approval
    requested: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    @property
    def chosen(self):
        return len(self.changed) + len(self.requested) + len(self.refused)


@dataclass
class Picks:
    """The actions a person chose, each with the version they saw (None: hold it to no version)."""

    versions: dict
    #: values sent that name no action; refused, not ignored
    unreadable: list = field(default_factory=list)

    def __len__(self):
        return len(self.versions) + len(self.unreadable)

    def as_text(self):
        """For a hidden field carrying the choice to the next step (what names no action too: it is refused there)."""
        return ",".join([*(str(i) if v is None else f"{i}:{v}" for i, v in self.versions.items()), *self.unreadable])


def read_picks(values):
    """Picks from what the pages send: "id:version" (a ticked row) or a bare id, one per value or several in one
    value separated by commas."""
    picks = Picks({})
    for value in values:
        for part in str(value).split(","):
            if not part.strip():
                continue
            action_id, _colon, version = part.strip().partition(":")
            try:
                picks.versions[record_id(action_id)] = record_id(version) if version else None
            except ValueError:
                picks.unreadable.append(part.strip()[:40])
    return picks


def as_picks(chosen):
    """Picks from a service caller's choice: Picks, {id: version}, or action ids (held to no version)."""
    if isinstance(chosen, Picks):
        return chosen
    if isinstance(chosen, dict):
        return Picks(dict(chosen))
    return Picks({action_id: None for action_id in chosen})


def offers_bulk_changes(user, partnership):
    """Whether the action list offers this person boxes to tick: they hold a role that changes actions. It only
    shapes the page; each action's own permission decides what changes."""
    return bool(getattr(user, "is_administrator", False) or roles_in(user, partnership.id) & CHANGERS)


def versions_of(action_ids):
    """{id: version} of the listed actions, for the boxes ticked on the list (one query)."""
    if not action_ids:
        return {}
    return dict(db.session.execute(sa.select(Action.id, Action.version).where(Action.id.in_(action_ids))).all())


def matching(user, partnership, filters, today, limit=None):
    """Every action the list's filters select that the person may see, in the list's order, as Picks holding each
    to its version now; and how many there are. Reads at most limit (MAX_ACTIONS) + 1 of them."""
    limit = MAX_ACTIONS if limit is None else limit
    query = services._filtered(
        sa.select(Action.id, Action.version).join(Partnership, Partnership.id == Action.partnership_id)
        .where(Action.partnership_id == partnership.id, visible_actions(user, within=partnership.id)),
        filters, today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(*services.SORTS.get(filters.sort, services.SORTS["deadline"]).order)
                              .limit(limit + 1)).all()
    return Picks(dict(rows)), total


def too_many(count):
    return gettext("At most %(most)s actions can be changed at once, and %(count)s were chosen. Narrow the filters or "
                   "choose fewer actions, and change them in parts.", most=format(MAX_ACTIONS, ","),
                   count=format(count, ","))


# The change itself


def change_options(partnership):
    """What the change's form offers: the partnership's agencies, the people who may own its actions (by agency)
    and its themes."""
    from tracker.reviews.services import themes_of

    return partnership.agencies, services.agency_members(partnership.id), [t.name for t in themes_of(partnership)]


def check_change(partnership, change, members=None, themes=None):
    """Refuse a change no action could take (nothing chosen, a person or agency not of this partnership, a note or
    reason missing), with its reasons by field; the form shows them beside its fields. `members` and `themes`, when
    the caller has read them, save reading them again."""
    if members is None or themes is None:
        _agencies, members, themes = change_options(partnership)
    errors = {}
    kind = change.kind
    agencies = {a.id: a for a in partnership.agencies}
    if kind is ChangeKind.OWNER and not _member_of_any(members, change.owner_id):
        errors["owner_id"] = gettext("Choose the new owner from the people of this partnership's agencies")
    if kind is ChangeKind.LEAD_AGENCY:
        if change.agency_id not in agencies:
            errors["agency_id"] = gettext("Choose the new lead agency from this partnership's agencies")
        elif change.owner_id is not None and change.owner_id not in {p.id for p in members.get(change.agency_id, [])}:
            errors["owner_id"] = gettext("The new owner must be a member of %(agency)s",
                                         agency=agencies[change.agency_id].name)
    if kind is ChangeKind.THEME and change.theme not in themes:
        errors["theme"] = gettext("Choose a theme from the partnership's list")
    if kind is ChangeKind.STATUS:
        if change.status not in UPDATE_STATUSES:
            errors["status"] = gettext("Choose the new status (closing is a sign-off, from the closures to sign off)")
        elif change.status is ActionStatus.BLOCKED and not change.blocked_reason.strip():
            errors["blocked_reason"] = gettext("Say what is blocking the actions")
    if kind in (ChangeKind.STATUS, ChangeKind.NOTE) and not change.note.strip():
        errors["note"] = gettext("Enter what has happened since the last update")
    if kind is ChangeKind.DEADLINE:
        if change.deadline is None:
            errors["deadline"] = gettext("Enter the new deadline")
        if not change.reason.strip():
            errors["reason"] = gettext("Say why the deadlines are moving")
    if errors:
        raise ValidationFailed(errors)


def _member_of_any(members, user_id):
    return any(person.id == user_id for people in members.values() for person in people)


def describe(change, partnership, members=None):
    """The change in words: "Owner: Ann Smith"."""
    kind = change.kind
    if kind in (ChangeKind.OWNER, ChangeKind.LEAD_AGENCY):
        people = {p.id: p.name for group in (members or services.agency_members(partnership.id)).values()
                  for p in group}
        owner = people.get(change.owner_id, "")
        if kind is ChangeKind.OWNER:
            return gettext("Owner: %(name)s", name=owner)
        agency = next((a.name for a in partnership.agencies if a.id == change.agency_id), "")
        if owner:
            return gettext("Lead agency: %(agency)s, with %(name)s as owner", agency=agency, name=owner)
        return gettext("Lead agency: %(agency)s", agency=agency)
    if kind is ChangeKind.THEME:
        return gettext("Theme: %(theme)s", theme=change.theme)
    if kind is ChangeKind.STATUS:
        return gettext("Status: %(status)s, with the progress note", status=change.status.label)
    if kind is ChangeKind.DEADLINE:
        return gettext("Deadline: %(date)s", date=long_date(change.deadline))
    return gettext("A progress note on each action")


# Each action


@dataclass
class _Known:
    """What the rules read, loaded once for every action chosen."""

    agencies: dict
    #: the person the change names and the actions' owners, with their memberships (is_agency_member reads them)
    people: dict
    #: the deadline moves awaiting approval, by action
    pending: dict


def _load(partnership, action_ids, change):
    """The chosen actions of this partnership with what the permission rules and the service functions read of
    them: a fixed number of queries however many actions."""
    options = [joinedload(Action.owner), selectinload(Action.supporting_agencies),
               selectinload(Action.recommendation).selectinload(Recommendation.review).selectinload(Review.panel)]
    if change.kind is ChangeKind.STATUS and change.status is ActionStatus.COMPLETED:
        # marking completed looks for evidence among the action's updates
        options.append(selectinload(Action.updates).load_only(
            ProgressUpdate.action_id, ProgressUpdate.at, ProgressUpdate.evidence_file_id, ProgressUpdate.evidence_url))
    return db.session.scalars(
        sa.select(Action).where(Action.partnership_id == partnership.id, Action.id.in_(list(action_ids)))
        .options(*options).execution_options(populate_existing=True)).unique().all()


def _known(partnership, actions, change):
    from tracker.accounts.models import User

    agencies = {a.id: a for a in db.session.scalars(sa.select(Agency).where(Agency.partnership_id == partnership.id))}
    people, pending = {}, {}
    if change.kind in (ChangeKind.OWNER, ChangeKind.LEAD_AGENCY):
        ids = {change.owner_id, *(a.owner_id for a in actions)} - {None}
        people = {p.id: p for p in db.session.scalars(
            sa.select(User).where(User.id.in_(ids)).options(selectinload(User.memberships)))}
    if change.kind is ChangeKind.DEADLINE:
        pending = {c.action_id: c for c in db.session.scalars(sa.select(DeadlineChange).where(
            DeadlineChange.action_id.in_([a.id for a in actions]), DeadlineChange.status == MoveStatus.REQUESTED))}
    return _Known(agencies, people, pending)


def _refusal(user, action, change, version, known):
    """Why this action cannot take the change, or None. The rules of its single page, read from what is loaded."""
    if not can(user, "view", action):
        return Refusal(action.id, None, gettext(NOT_VISIBLE))
    verb = VERB[change.kind]
    if not can(user, verb, action):
        return Refusal(action.id, action.title, gettext(NOT_ALLOWED[verb]))
    if version is not None and version != action.version:
        return Refusal(action.id, action.title, gettext(STALE))
    reason = _rule(action, change, known)
    return Refusal(action.id, action.title, reason) if reason else None


def _rule(action, change, known):
    kind = change.kind
    if kind is ChangeKind.OWNER:
        owner = known.people[change.owner_id]
        if action.owner_id == change.owner_id:
            return gettext("%(name)s already owns it", name=owner.name)
        if action.lead_agency_id is None:
            return gettext("It has no lead agency, and its owner must belong to it: set its lead agency first")
        if not services.is_agency_member(owner.id, action.lead_agency_id):
            return gettext("%(name)s is not a member of its lead agency, %(agency)s", name=owner.name,
                           agency=known.agencies[action.lead_agency_id].name)
    if kind is ChangeKind.LEAD_AGENCY:
        agency = known.agencies[change.agency_id]
        if action.lead_agency_id == change.agency_id and change.owner_id in (None, action.owner_id):
            return gettext("%(agency)s already leads it", agency=agency.name)
        if change.agency_id in {a.id for a in action.supporting_agencies}:
            return gettext("%(agency)s is one of its supporting agencies, and cannot also lead it", agency=agency.name)
        if change.owner_id is None and action.owner_id is not None and \
                not services.is_agency_member(action.owner_id, change.agency_id):
            return gettext("Its owner, %(name)s, is not a member of %(agency)s: choose a new owner from %(agency)s "
                           "with the change", name=action.owner.name, agency=agency.name)
    if kind is ChangeKind.THEME and action.theme == change.theme:
        return gettext("Its theme is already %(theme)s", theme=change.theme)
    if kind in (ChangeKind.STATUS, ChangeKind.NOTE) and action.status is ActionStatus.CLOSED:
        return gettext("It is closed: reopen it to report more progress")
    if kind is ChangeKind.STATUS:
        if action.status is change.status:
            return gettext("It is already %(status)s", status=change.status.label.lower())
        if change.status is ActionStatus.COMPLETED and not change.completion_note.strip() and not any(
                u.evidence_file_id or u.evidence_url for u in action.updates):
            return gettext("It has no evidence: to mark it completed, attach evidence on its page or say what was "
                           "delivered")
    if kind is ChangeKind.DEADLINE:
        if not action.is_open:
            return gettext("A completed or closed action's deadline cannot move: reopen it first")
        if action.deadline == change.deadline:
            return gettext("The new deadline is the same as the current one")
        waiting = known.pending.get(action.id)
        if waiting is not None:
            return gettext("A move to %(date)s is already awaiting approval: it must be decided first",
                           date=long_date(waiting.to_date))
    return None


def _assess(user, partnership, chosen, change):
    """The chosen actions split into those that can take the change, in the order chosen, and the refusals."""
    picks = as_picks(chosen)
    if len(picks) > MAX_ACTIONS:
        raise ValidationFailed({"__form__": too_many(len(picks))})
    actions = {a.id: a for a in _load(partnership, picks.versions, change)}
    known = _known(partnership, list(actions.values()), change)
    ready, refused = [], [Refusal(None, None, gettext("“%(value)s” does not name an action", value=value))
                          for value in picks.unreadable]
    for action_id, version in picks.versions.items():
        action = actions.get(action_id)
        refusal = Refusal(action_id, None, gettext(NOT_VISIBLE)) if action is None else \
            _refusal(user, action, change, version, known)
        if refusal is None:
            ready.append(action)
        else:
            refused.append(refusal)
    return ready, refused, actions


def preview(user, partnership, chosen, change):
    """What apply() would do now, without changing anything: for the confirmation page."""
    check_change(partnership, change)
    ready, refused, _actions = _assess(user, partnership, chosen, change)
    outcome = Outcome(change, refused=refused)
    for action in ready:
        held = change.kind is ChangeKind.DEADLINE and services.needs_approval(action, user, change.deadline)
        (outcome.requested if held else outcome.changed).append(action)
    return outcome


def apply(user, partnership, chosen, change):
    """Make the change to each chosen action through its single page's service function, each committed on its own;
    returns the Outcome. `chosen`: Picks, {action id: version seen} or action ids. Raises ValidationFailed only for a
    change no action could take (see check_change) or too many actions."""
    check_change(partnership, change)
    ready, refused, actions = _assess(user, partnership, chosen, change)
    outcome = Outcome(change, refused=refused)
    with acting_as(user.id), noting(f"Changed in bulk: {change.kind.english_label.lower()}"), \
            _each_commit_keeps_the_rest():
        for action in ready:
            try:
                held = _apply_one(user, partnership, action, change)
            except (services.StaleAction, StaleDataError):
                _start_again(partnership, actions, change)
                outcome.refused.append(Refusal(action.id, action.title, gettext(STALE)))
            except ValidationFailed as failure:
                _start_again(partnership, actions, change)
                outcome.refused.append(Refusal(action.id, action.title, "; ".join(failure.errors.values())))
            else:
                (outcome.requested if held else outcome.changed).append(action)
    return outcome


def _apply_one(user, partnership, action, change):
    """One action's change through the service its page uses; True when it became a request awaiting approval."""
    kind = change.kind
    if kind in (ChangeKind.OWNER, ChangeKind.LEAD_AGENCY, ChangeKind.THEME):
        values = {name: getattr(action, name) for name in services.PLAN_FIELDS}
        values["supporting_agency_ids"] = [a.id for a in action.supporting_agencies]
        if kind is ChangeKind.OWNER:
            values["owner_id"] = change.owner_id
        elif kind is ChangeKind.LEAD_AGENCY:
            values["lead_agency_id"] = change.agency_id
            values["owner_id"] = change.owner_id or action.owner_id
        else:
            values["theme"] = change.theme
        services.save_action(partnership, action, values, action.version)
        return False
    if kind in (ChangeKind.STATUS, ChangeKind.NOTE):
        status = change.status if kind is ChangeKind.STATUS else action.status
        services.post_update(
            action, user, note=change.note, status=status.value, expected_version=action.version,
            blocked_reason=change.blocked_reason if kind is ChangeKind.STATUS else action.blocked_reason,
            completion_note=change.completion_note)
        return False
    moved = services.move_deadline(action, user, change.deadline, change.reason, action.version)
    return moved.status is MoveStatus.REQUESTED


@contextlib.contextmanager
def _each_commit_keeps_the_rest():
    """Each action's service commits, as on its page. Those commits should not expire the other actions loaded
    (and the person's memberships), or each would be read again, one query apiece."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


def _start_again(partnership, actions, change):
    """After a refusal mid-way: roll back what that action began, and read the actions again in one go, rather
    than one by one as each is next touched."""
    db.session.rollback()
    _load(partnership, actions, change)
