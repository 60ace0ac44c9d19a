"""The reminder run: decide what is due, record each decision with its message in one transaction, deliver.

Idempotent by the reminder log's unique key (action, kind, deadline): a second run, a repeated run or a second
scheduler finds the decisions already taken and does nothing twice.
"""
import logging
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, object_session

from tracker.accounts.models import User
from tracker.actions.models import Action
from tracker.actions.services import is_unowned
from tracker.db import utcnow
from tracker.email import OutboxMessage, compose, partnership_messages, queue_many, retry_failed
from tracker.enums import OPEN_STATUSES, ActionStatus, DigestFrequency, ReminderOutcome, Role
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import N_, in_language_of
from tracker.partnerships.models import Membership
from tracker.reminders import schedule
from tracker.reminders.calendar import is_working_day
from tracker.reminders.models import ReminderDelivery, ReminderLog, ReminderPolicy
from tracker.reviews.models import Recommendation

log = logging.getLogger(__name__)


# Policy


def policy_record(partnership_id):
    return db.session.scalar(sa.select(ReminderPolicy).where(ReminderPolicy.partnership_id == partnership_id))


def policy_for(partnership_id):
    return schedule.Policy.of(policy_record(partnership_id))


def save_policy(partnership, values):
    """Validate and save the partnership's reminder policy, then reschedule its open actions."""
    errors = {}
    offsets = []
    for part in (values.get("days_before") or "").replace(" ", "").split(","):
        if not part:
            continue
        try:
            offsets.append(int(part))
        except ValueError:
            errors["days_before"] = gettext("Enter whole numbers of days separated by commas, for example 28, 7, 1")
            break
    if "days_before" not in errors:
        if any(n <= 0 for n in offsets):
            errors["days_before"] = gettext("Days before the deadline must be 1 or more (the day itself is set below)")
        elif len(set(offsets)) != len(offsets):
            errors["days_before"] = gettext("Each number of days can appear only once")
        elif any(n > 365 for n in offsets):
            errors["days_before"] = gettext("Reminders can start at most 365 days before the deadline")
    for name, too_short, too_long in (
            ("overdue_every_days", N_("The overdue interval must be 1 day or more"),
             N_("The overdue interval can be at most 365 days")),
            ("escalate_to_lead_after", N_("The first escalation must be 1 day or more"),
             N_("The first escalation can be at most 365 days")),
            ("escalate_to_strategic_after", N_("The second escalation must be 1 day or more"),
             N_("The second escalation can be at most 365 days"))):
        value = values.get(name)
        if value is None or value < 1:
            errors[name] = gettext(too_short)
        elif value > 365:
            errors[name] = gettext(too_long)
    if not errors and values["escalate_to_strategic_after"] < values["escalate_to_lead_after"]:
        errors["escalate_to_strategic_after"] = gettext("The strategic group member is told after the agency lead, "
                                                        "not before")
    if errors:
        raise ValidationFailed(errors)
    record = policy_record(partnership.id) or ReminderPolicy(partnership_id=partnership.id)
    record.days_before = ",".join(str(n) for n in sorted(offsets, reverse=True))
    record.on_the_day = bool(values.get("on_the_day"))
    for name in ("overdue_every_days", "escalate_to_lead_after", "escalate_to_strategic_after"):
        setattr(record, name, values[name])
    db.session.add(record)
    db.session.flush()
    reschedule_partnership(partnership.id)
    db.session.commit()
    return record


def reschedule_partnership(partnership_id):
    """Work out again when each open action of the partnership is next due a reminder."""
    policy = policy_for(partnership_id)
    rows = db.session.execute(sa.select(Action.id, Action.deadline).where(
        Action.partnership_id == partnership_id, Action.status.in_(OPEN_STATUSES),
        Action.deadline.is_not(None))).all()
    _set_next(rows and [{"action": i, "next": schedule.first_reminder_on(d, policy)} for i, d in rows])


def _set_next(rows):
    # Core update: scheduling is not an edit, so it must not bump the version a person's open form holds
    if rows:
        table = Action.__table__
        db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("action"))
                           .values(next_reminder_on=sa.bindparam("next")), rows)


def schedule_action(action, session, policies):
    """Called as an action is flushed: a new or moved deadline starts a fresh series; done actions stop.
    `policies` holds each partnership's policy once read, so that a flush of many actions reads it once."""
    status = action.status if action.status is not None else ActionStatus.NOT_STARTED  # the insert's default
    if action.deadline is None or status not in OPEN_STATUSES:
        action.next_reminder_on = None
        return
    if action.partnership_id not in policies:
        policies[action.partnership_id] = schedule.Policy.of(session.scalar(
            sa.select(ReminderPolicy).where(ReminderPolicy.partnership_id == action.partnership_id)))
    action.next_reminder_on = schedule.first_reminder_on(action.deadline, policies[action.partnership_id])


def _before_flush(session, _context, _instances):
    policies = {}
    for action in list(session.new) + list(session.dirty):
        if not isinstance(action, Action):
            continue
        state = sa.inspect(action)
        changed = state.pending or any(state.attrs[name].history.has_changes()
                                       for name in ("deadline", "status"))
        if changed:
            schedule_action(action, session, policies)


def install():
    from sqlalchemy.orm import Session

    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)


# The run


#: why a lead agency's escalation fell back, by what it lacks (both tiers can fall back on one day)
LACKING = {
    ("no agency lead",): N_("the action is led by %(agency)s, which has no agency lead"),
    ("no agency lead other than its owner",): N_("the action is led by %(agency)s, which has no agency lead other "
                                                 "than its owner"),
    ("no strategic group member",): N_("the action is led by %(agency)s, which has no strategic group member"),
    ("no agency lead", "no strategic group member"): N_("the action is led by %(agency)s, which has no agency lead "
                                                        "and no strategic group member"),
    ("no agency lead other than its owner", "no strategic group member"): N_(
        "the action is led by %(agency)s, which has no agency lead other than its owner and no strategic group "
        "member"),
}


#: what an email says to whoever stands in, by whom it fell back to and whether the action wants an owner
STANDING_IN = {
    ("coordinator", False): N_("You are receiving this as coordinator: %(reason)s."),
    ("coordinator", True): N_("You are receiving this as coordinator: %(reason)s. Please give it an owner."),
    ("administrator", False): N_("You are receiving this as an administrator: %(reason)s."),
    ("administrator", True): N_("You are receiving this as an administrator: %(reason)s. Please give it an owner."),
}


@dataclass
class Item:
    """One entry of one person's email: an action and the reminder it is due."""

    action: Action
    kind: str
    days_overdue: int = 0
    #: the date the reminder is about: the deadline, or the assurance check's date
    on: object = None
    #: the owner who counts: active and holding a role in the action's partnership (None: nobody owns it)
    owner: User | None = None
    #: "coordinator" or "administrator" when the recipient stands in for someone the action lacks
    fell_back_to: str | None = None
    #: for an escalation that fell back, what the lead agency lacks (keys of LACKING), e.g. "no agency lead"
    gaps: tuple = ()
    #: every reminder this entry carries: both escalation tiers can fall due on one day
    kinds: tuple = ()

    def __post_init__(self):
        self.on = self.on or self.action.deadline
        self.kinds = self.kinds or (self.kind,)

    @property
    def reason(self):
        """Why the recipient stands in, e.g. "the action is led by Thames Valley Police, which has no agency lead",
        in the reader's language."""
        if self.fell_back_to is None:
            return ""
        lacks = ""
        if self.kind in schedule.ESCALATIONS:
            agency = self.action.lead_agency
            lacks = gettext(LACKING[self.gaps], agency=agency.name) if agency \
                else gettext("the action has no lead agency")
        elif self.kind != "assurance":
            lacks = _no_owner(self.action)
        if self.fell_back_to != "administrator":
            return lacks
        partnership = self.action.partnership.name
        if lacks:
            return gettext("%(reason)s, and %(partnership)s has no coordinator", reason=lacks, partnership=partnership)
        return gettext("%(partnership)s has no coordinator", partnership=partnership)

    @property
    def note(self):
        """What the email says to someone who stands in, so they know why it came to them."""
        if self.fell_back_to is None:
            return ""
        asks_for_owner = self.kind not in (*schedule.ESCALATIONS, "assurance")
        return gettext(STANDING_IN[(self.fell_back_to, asks_for_owner)], reason=self.reason)


@dataclass
class Plan:
    """What a run decided: per recipient, the reminder items and the escalation items."""

    today: object
    digests: dict = field(default_factory=dict)
    escalations: dict = field(default_factory=dict)
    #: (action, kind, outcome, people told, date it is about, whom it fell back to)
    logs: list = field(default_factory=list)
    next_dates: list = field(default_factory=list)

    @property
    def message_count(self):
        return len(self.digests) + len(self.escalations)


class _Audience:
    """Who holds which role in some partnerships (one query), and so who hears of each reminder: the same answer
    for the run that decides and for a late message brought up to date as it goes."""

    def __init__(self, partnership_ids, session):
        self.session = session
        self.coordinators, self.leads, self.strategic, self.members, self.users = {}, {}, {}, set(), {}
        self.administrators = None
        for partnership_id, agency_id, role, user in session.execute(
                sa.select(Membership.partnership_id, Membership.agency_id, Membership.role, User)
                .join(User, User.id == Membership.user_id)
                .where(Membership.partnership_id.in_(partnership_ids), User.is_active.is_(True))):
            self.members.add((partnership_id, user.id))
            self.users[user.id] = user
            if role is Role.COORDINATOR:
                self.coordinators.setdefault(partnership_id, []).append(user)
            elif role is Role.AGENCY_LEAD and agency_id:
                self.leads.setdefault(agency_id, []).append(user)
            elif role is Role.STRATEGIC_MEMBER and agency_id:
                self.strategic.setdefault(agency_id, []).append(user)

    def owner(self, action):
        """The owner who counts: active and holding a role in the action's partnership (None: nobody owns it)."""
        return self.users[action.owner_id] if (action.partnership_id, action.owner_id) in self.members else None

    def stand_in(self, partnership_id):
        """Who hears when nobody holds the role a reminder is for: never a reminder that nobody receives."""
        if self.coordinators.get(partnership_id):
            return self.coordinators[partnership_id], "coordinator"
        if self.administrators is None:
            self.administrators = self.session.scalars(
                sa.select(User).where(User.is_administrator.is_(True), User.is_active.is_(True))
                .order_by(User.id)).all()
        return self.administrators, "administrator"

    def told(self, kind, action, owner):
        """The people one reminder goes to, whom it fell back to (None: the people it is for), and for an
        escalation what the lead agency lacks."""
        if kind == "assurance":  # the check is the coordinator's own, so only an administrator stands in
            told, fell_back_to = self.stand_in(action.partnership_id)
            return told, None if fell_back_to == "coordinator" else fell_back_to, ()
        if kind in schedule.ESCALATIONS:
            told, gaps = _escalation_to(kind, action, owner, self.leads, self.strategic)
        else:
            told, gaps = [owner] if owner else [], ()
        if told:
            return told, None, gaps
        return *self.stand_in(action.partnership_id), gaps


def unowned_actions(partnership):
    """The partnership's open actions that nobody owns: no owner, or one who has left the partnership or whose
    account is closed. Their reminders go to the coordinator until someone takes them on."""
    return db.session.scalars(
        sa.select(Action)
        .where(Action.partnership_id == partnership.id, Action.status.in_(OPEN_STATUSES), is_unowned(partnership.id))
        .options(joinedload(Action.owner), joinedload(Action.lead_agency))
        .order_by(Action.deadline.is_(None), Action.deadline, Action.id)).all()


def _no_owner(action):
    """Why an action counts as unowned, for whoever hears in the owner's place."""
    if action.owner is None:
        return gettext("the action has no owner")
    if not action.owner.is_active:
        return gettext("the account of its owner, %(name)s, is closed", name=action.owner.name)
    return gettext("its owner, %(name)s, no longer holds a role in %(partnership)s", name=action.owner.name,
                   partnership=action.partnership.name)


def _escalation_to(kind, action, owner, leads, strategic):
    """The people an escalation tier is for, and what the lead agency lacks when there is nobody."""
    if action.lead_agency_id is None:
        return [], ()
    if kind == "escalate:lead":
        agency_leads = leads.get(action.lead_agency_id, [])
        told = [u for u in agency_leads if u != owner]  # the owner already hears every overdue reminder
        return told, ("no agency lead other than its owner" if agency_leads else "no agency lead",)
    return strategic.get(action.lead_agency_id, []), ("no strategic group member",)


class _Escalations(list):
    """A person's escalation items, one per action: a second tier reaching them the same day raises the entry to
    it. Each action's place is kept, so that a chair told of thousands of actions is not searched once per item."""

    def __init__(self):
        super().__init__()
        self._places = {}

    def add(self, new):
        n = self._places.get(new.action.id)
        if n is None:
            self._places[new.action.id] = len(self)
            self.append(new)
            return
        lower, higher = sorted((self[n], new), key=lambda i: schedule.ESCALATIONS.index(i.kind))
        gaps = lower.gaps + higher.gaps if lower.fell_back_to and higher.fell_back_to else higher.gaps
        self[n] = replace(higher, gaps=gaps, kinds=lower.kinds + higher.kinds)


#: what decides an action's reminders and who hears of them: the reminders page plans with these alone
_DECIDING = (Action.id, Action.partnership_id, Action.deadline, Action.owner_id, Action.lead_agency_id,
             Action.assurance_check_on)


def _read(where, preview):
    """The actions matching `where`: as records for a run, which writes emails about them, as the columns that
    decide for a preview, which shows a few of each person's (the page puts records in place of those it shows).
    An email names the action's owner, lead agency and partnership, and hides a confidential review's title."""
    if preview:
        return db.session.execute(sa.select(*_DECIDING).where(*where)).all()
    return db.session.scalars(
        sa.select(Action).where(*where)
        .options(joinedload(Action.owner), joinedload(Action.lead_agency), joinedload(Action.partnership),
                 joinedload(Action.recommendation).joinedload(Recommendation.review))).unique().all()


def plan_run(today, partnership_id=None, preview=False):
    """Decide, without writing anything, what today's run would send (in one partnership, for its preview).

    preview: only who would hear of what, for the reminders page: each item's action is the columns that decide
    (preview() reads in full the ones it lists), and no decision a run records is kept."""
    ours = Action.partnership_id == partnership_id if partnership_id else sa.true()
    due = (Action.next_reminder_on <= today, Action.status.in_(OPEN_STATUSES), Action.deadline.is_not(None), ours)
    # sorted here: asked to sort, SQLite walks the partnership's every action in deadline order to skip the sort
    candidates = sorted(_read(due, preview), key=lambda action: (action.deadline, action.id))
    plan = Plan(today)
    checks = sorted(_read(_assurance_due(today, ours), preview),
                    key=lambda action: (action.assurance_check_on, action.id))
    if not candidates and not checks:
        return plan
    logged = {}
    for action_id, kind, deadline in db.session.execute(  # the due actions' logs, read as the actions were
            sa.select(ReminderLog.action_id, ReminderLog.kind, ReminderLog.deadline)
            .join(Action, Action.id == ReminderLog.action_id).where(*due)):
        logged.setdefault((action_id, deadline), set()).add(kind)
    partnership_ids = {a.partnership_id for a in candidates + checks}
    policies = {p.partnership_id: schedule.Policy.of(p) for p in db.session.scalars(
        sa.select(ReminderPolicy).where(ReminderPolicy.partnership_id.in_(partnership_ids)))}
    audience = _Audience(partnership_ids, db.session)
    for action in candidates:
        policy = policies.get(action.partnership_id, schedule.Policy())
        owner = audience.owner(action)
        weekly = owner is not None and owner.upcoming_frequency is DigestFrequency.WEEKLY
        deferred = weekly and not schedule.is_digest_day(today)
        deadline = action.deadline
        decision = schedule.decide(deadline, policy, today, logged.get((action.id, deadline), set()),
                                   upcoming_deferred=deferred)
        days_overdue = max(0, (today - deadline).days)
        for kind in decision.send:
            told, fell_back_to, gaps = audience.told(kind, action, owner)
            item = Item(action, kind, days_overdue, deadline, owner=owner, fell_back_to=fell_back_to, gaps=gaps)
            for person in told:
                if kind in schedule.ESCALATIONS:
                    plan.escalations.setdefault(person, _Escalations()).add(item)
                else:
                    plan.digests.setdefault(person, []).append(item)
            plan.logs.append((action, kind, ReminderOutcome.SENT, told, deadline, fell_back_to))
        if preview:
            continue
        plan.logs += [(action, kind, ReminderOutcome.SUPERSEDED, [], deadline, None) for kind in decision.superseded]
        plan.next_dates.append({"action": action.id, "next": schedule.next_reminder_on(
            deadline, policy, today, schedule.next_monday(today) if decision.deferred else None)})
    for action in checks:  # a closed action's assurance check: the coordinator confirms the change has stuck
        told, fell_back_to, _ = audience.told("assurance", action, None)
        for person in told:
            plan.digests.setdefault(person, []).append(
                Item(action, "assurance", 0, action.assurance_check_on, fell_back_to=fell_back_to))
        plan.logs.append((action, "assurance", ReminderOutcome.SENT, told, action.assurance_check_on, fell_back_to))
    return plan


def _assurance_due(today, ours):
    """SQL: the closed actions whose assurance check has come, not yet confirmed and not yet reminded."""
    reminded = sa.select(ReminderLog.id).where(ReminderLog.action_id == Action.id, ReminderLog.kind == "assurance",
                                               ReminderLog.deadline == Action.assurance_check_on)
    return (Action.status == ActionStatus.CLOSED, Action.assurance_check_on <= today,
            Action.assurance_confirmed_on.is_(None), ~reminded.exists(), ours)


def run_reminders(today, dry_run=False):
    """The daily run for `today` (Europe/London). Returns the plan it carried out (or would, with dry_run)."""
    if not dry_run and not is_working_day(today):
        log.info("%s is not a working day: no reminders; the next working day catches up.", today)
        return Plan(today)
    for attempt in range(3):
        plan = plan_run(today)
        if dry_run:
            db.session.rollback()
            return plan
        try:
            message_ids = _record(plan)
            db.session.commit()
        except IntegrityError:
            # another scheduler decided the same reminders first: its decisions stand, ours are dropped
            db.session.rollback()
            log.warning("Reminder run for %s met decisions already taken (attempt %s); re-planning", today,
                        attempt + 1)
            continue
        log.info("Reminder run for %s: %s decisions, %s messages queued", today, len(plan.logs), len(message_ids))
        return plan
    raise RuntimeError(f"Reminder run for {today} kept colliding with another run")


def _record(plan):
    """Write the decisions and their messages with a fixed number of statements, however many are due."""
    if plan.logs:  # the unique key trips here if another run was first
        db.session.execute(sa.insert(ReminderLog), [
            dict(action_id=action.id, kind=kind, deadline=on, run_on=plan.today, outcome=outcome,
                 recipients=",".join(str(u.id) for u in told)[:500], fell_back_to=fell_back_to, created_at=utcnow())
            for action, kind, outcome, told, on, fell_back_to in plan.logs])
    ids = {(action_id, kind, deadline): log_id for log_id, action_id, kind, deadline in db.session.execute(
        sa.select(ReminderLog.id, ReminderLog.action_id, ReminderLog.kind, ReminderLog.deadline)
        .where(ReminderLog.run_on == plan.today,
               ReminderLog.action_id.in_({action.id for action, *_ in plan.logs})))}
    logs = {(action.id, kind): ids[(action.id, kind, on)] for action, kind, _outcome, _told, on, _ in plan.logs}
    messages, carried = [], []
    for template, by_person in (("reminders/digest", plan.digests), ("reminders/escalation", plan.escalations)):
        for person, items in by_person.items():
            log_ids = [logs[(item.action.id, kind)] for item in items for kind in item.kinds]
            key = f"{template}:{person.id}:{min(log_ids)}"  # new by construction: one message per person per run
            messages.append(_compose(template, person, items, plan.today, key))
            carried += [(key, log_id) for log_id in log_ids]
    message_ids = queue_many(messages)
    if carried:
        db.session.execute(sa.insert(ReminderDelivery), [
            dict(reminder_log_id=log_id, outbox_message_id=message_ids[key]) for key, log_id in carried])
    _set_next(plan.next_dates)
    return list(message_ids.values())


def _compose(template, person, items, today, key):
    """One person's digest or escalation, in their language, as the run queues it and as a late one is brought up
    to date."""
    with in_language_of(person):
        return compose(template, to=person.email, subject=_subject(template, items), dedupe_key=key,
                       user_id=person.id, person=person, today=today, label=schedule.kind_label,
                       escalated_to=schedule.escalated_to, shown_title=shown_title,
                       items=sorted(items, key=lambda i: (-i.days_overdue, i.on)))


def _subject(template, items):
    """Subjects count actions, not the reminders about them."""
    count = len({item.action.id for item in items})
    if template == "reminders/escalation":
        return ngettext("Action tracker: %(num)d overdue action escalated to you",
                        "Action tracker: %(num)d overdue actions escalated to you", count)
    overdue = len({item.action.id for item in items if item.days_overdue > 0})
    if overdue:
        return ngettext("Action tracker: %(num)d action needs your attention, %(overdue)d overdue",
                        "Action tracker: %(num)d actions need your attention, %(overdue)d overdue", count,
                        overdue=overdue)
    return ngettext("Action tracker: %(num)d action needs your attention",
                    "Action tracker: %(num)d actions need your attention", count)


def shown_title(action):
    """What an email may say about an action: nothing of a review that is still confidential."""
    review = action.recommendation.review if action.recommendation_id else None
    if review is not None and not review.is_published:
        return confidential_title(review.review_type)
    return action.title


def confidential_title(review_type):
    """What stands for the title of an action from a confidential review of this type."""
    return gettext("An action from a confidential %(review_type)s (sign in to see it)", review_type=review_type.label)


# A reminder that goes late

#: the outbox kinds that carry reminders, and so are brought up to date when they are held up
REMINDER_KINDS = ("reminders.digest", "reminders.escalation")


def rerender_reminder(message, today):
    """What a digest or escalation that was held up says if it goes `today`: only the reminders in it that are
    still true (the action open with the same deadline, or its assurance check still awaited; the recipient still
    the person it is for; no later reminder of the same approach already decided), in today's words. Returns the
    outbox fields to change, or None when nothing is still true and the message is superseded. The reminder log
    is left as it is: each decision was taken once; what became of its message is the send log's to show."""
    session = object_session(message)
    person = session.get(User, message.user_id) if message.user_id else None
    carried = session.scalars(
        sa.select(ReminderLog).join(ReminderDelivery).where(ReminderDelivery.outbox_message_id == message.id)
        .options(joinedload(ReminderLog.action).options(
            joinedload(Action.owner), joinedload(Action.lead_agency), joinedload(Action.partnership),
            joinedload(Action.recommendation).joinedload(Recommendation.review)))
        .order_by(ReminderLog.id)).unique().all()
    if person is None or not carried:
        return None
    latest = {(action_id, deadline): run_on for action_id, deadline, run_on in session.execute(
        # the day of the latest approach reminder (before, due, overdue) decided for each deadline
        sa.select(ReminderLog.action_id, ReminderLog.deadline, sa.func.max(ReminderLog.run_on))
        .where(ReminderLog.action_id.in_({r.action_id for r in carried}), ReminderLog.outcome == ReminderOutcome.SENT,
               ReminderLog.kind.not_in(("assurance", *schedule.ESCALATIONS)))
        .group_by(ReminderLog.action_id, ReminderLog.deadline))}
    audience = _Audience({r.action.partnership_id for r in carried}, session)
    items = _Escalations()
    for reminder in carried:
        action, kind = reminder.action, reminder.kind
        if kind == "assurance":
            still_true = (action.status is ActionStatus.CLOSED and action.assurance_check_on == reminder.deadline
                          and action.assurance_confirmed_on is None)
        else:
            still_true = action.status in OPEN_STATUSES and action.deadline == reminder.deadline and (
                kind in schedule.ESCALATIONS or latest.get((action.id, reminder.deadline)) == reminder.run_on)
        if not still_true:
            continue
        owner = audience.owner(action)
        told, fell_back_to, gaps = audience.told(kind, action, owner)
        if person.id not in {p.id for p in told}:
            continue  # the action changed hands, or the person left the role it was for
        if kind == "assurance":
            item = Item(action, kind, 0, reminder.deadline, fell_back_to=fell_back_to)
        else:
            if kind.startswith("before:") and action.deadline <= today:
                kind = "due"  # its day has come since: say so, not "due in -1 days"
            item = Item(action, kind, max(0, (today - action.deadline).days), owner=owner,
                        fell_back_to=fell_back_to, gaps=gaps)
        if kind in schedule.ESCALATIONS:
            items.add(item)
        else:
            items.append(item)
    if not items:
        return None
    row = _compose(message.kind.replace(".", "/"), person, items, today, message.dedupe_key)
    return {name: row[name] for name in ("to_address", "subject", "body_text", "body_html")}


# What the coordinator sees


def send_log(partnership, page, per_page):
    """Messages that carried reminders about this partnership's actions, newest first."""
    query = sa.select(OutboxMessage).where(partnership_messages(partnership.id)) \
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def escalations_carried(partnership, messages):
    """{message id: [(action, what became of its escalation)]} for a page of the send log: the escalations each
    message carried about this partnership's actions, one line per action at its highest tier."""
    rows = db.session.execute(
        sa.select(ReminderDelivery.outbox_message_id, Action, ReminderLog.kind, ReminderLog.fell_back_to)
        .join(ReminderLog, ReminderLog.id == ReminderDelivery.reminder_log_id)
        .join(Action, Action.id == ReminderLog.action_id)
        .where(ReminderDelivery.outbox_message_id.in_([m.id for m in messages]),
               Action.partnership_id == partnership.id, ReminderLog.kind.in_(schedule.ESCALATIONS))
        .order_by(ReminderDelivery.outbox_message_id, Action.id, ReminderLog.kind)).all()
    carried = {}
    for message_id, action, kind, fell_back_to in rows:  # by kind, so the strategic tier replaces the lead's
        carried.setdefault(message_id, {})[action] = schedule.escalation_label(kind, fell_back_to)
    return {message_id: list(by_action.items()) for message_id, by_action in carried.items()}


def retry_message(partnership, message_id):
    """A coordinator's "Try again" of a failed message. Returns the message and whether this press queued it
    again: only a failed message moves, so a second press or a form sent twice does nothing."""
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                               partnership_messages(partnership.id)))
    if message is None:
        raise ValidationFailed({"__form__": gettext("That message is not one of this partnership's")})
    moved = bool(retry_failed([message.id]))
    db.session.commit()
    return message, moved


def preview(partnership, today, listed):
    """Who the next run will remind of what, for this partnership only: planned for it alone, so the page's work
    follows its own reminders, not the country's, and read in full only for the first `listed` of each person's."""
    from tracker.reminders.calendar import next_working_day

    day = today if is_working_day(today) else next_working_day(today)
    plan = plan_run(day, partnership.id, preview=True)
    shown = [*plan.digests.values(), *plan.escalations.values()]
    ids = {item.action.id for items in shown for item in items[:listed]}
    if ids:
        actions = {action.id: action for action in db.session.scalars(
            sa.select(Action).where(Action.id.in_(ids))
            .options(joinedload(Action.owner), joinedload(Action.lead_agency)))}
        for items in shown:
            items[:listed] = [replace(item, action=actions[item.action.id]) for item in items[:listed]]
    return day, plan.digests, plan.escalations
