"""Which reminders an action's deadline calls for on a given day: pure rules, no database.

The series for one deadline: "before:N" for each offset, "due" on the day, "overdue:K" every few days after,
and the escalations. Runs happen on working days only. A "before" reminder whose day is a weekend or a bank
holiday comes on the working day before it, so that "due tomorrow" for a bank holiday Monday arrives on the
Friday; the others fall to the next run, the next working day. Only the latest reminder of the approach
(before/due/overdue) is sent when several fell due while no run happened; the earlier ones are recorded as
superseded, never silently dropped.
"""
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask_babel import gettext, ngettext

from tracker.i18n import N_
from tracker.reminders.calendar import is_working_day, working_day_on_or_before


@dataclass(frozen=True)
class Policy:
    offsets: tuple = (28, 7, 1)
    on_the_day: bool = True
    overdue_every_days: int = 7
    escalate_to_lead_after: int = 7
    escalate_to_strategic_after: int = 21

    @classmethod
    def of(cls, record):
        if record is None:
            return cls()
        return cls(tuple(record.offsets), record.on_the_day, record.overdue_every_days,
                   record.escalate_to_lead_after, record.escalate_to_strategic_after)


#: the escalations, lowest tier first: to the lead agency's agency lead, then to its strategic group member
ESCALATIONS = ("escalate:lead", "escalate:strategic")


@lru_cache(maxsize=4096)
def _approach(deadline, policy):
    """The before and on-the-day reminders, earliest first (a run asks once per action: remembered, as a
    partnership's deadlines gather on a few days)."""
    triggers = tuple((f"before:{n}", working_day_on_or_before(deadline - timedelta(days=n)))
                     for n in sorted(policy.offsets, reverse=True))
    return (*triggers, ("due", deadline)) if policy.on_the_day else triggers


@lru_cache(maxsize=512)
def _overdue_kinds(count):
    return tuple(f"overdue:{k}" for k in range(1, count + 1))


def _overdue_count(deadline, policy, today):
    """How many of the weekly (or so) overdue reminders have fallen due by today."""
    every = policy.overdue_every_days
    return max(0, (today - deadline).days // every) if every > 0 else 0


def _escalations(deadline, policy):
    return (("escalate:lead", deadline + timedelta(days=policy.escalate_to_lead_after)),
            ("escalate:strategic", deadline + timedelta(days=policy.escalate_to_strategic_after)))


@dataclass
class Decision:
    send: list
    superseded: list
    deferred: list


def decide(deadline, policy, today, logged, upcoming_deferred=False):
    """What to send today for this deadline, given the kinds already logged for it.

    upcoming_deferred: the owner wants upcoming reminders weekly and today is not their day, so "before"
    reminders wait (unlogged) rather than being sent.
    """
    chain = [kind for kind, day in _approach(deadline, policy) if day <= today and kind not in logged]
    chain += [kind for kind in _overdue_kinds(_overdue_count(deadline, policy, today)) if kind not in logged]
    decision = Decision([], [], [])
    if chain:
        latest_kind = chain[-1]
        if upcoming_deferred and latest_kind.startswith("before:"):
            decision.deferred.append(latest_kind)
        else:
            decision.send.append(latest_kind)
        decision.superseded += chain[:-1]
    decision.send += [kind for kind, day in _escalations(deadline, policy) if day <= today and kind not in logged]
    return decision


def next_reminder_on(deadline, policy, after, deferred_until=None):
    """The first day after `after` on which this deadline calls for a reminder."""
    days = [day for _, day in _approach(deadline, policy) + _escalations(deadline, policy) if day > after]
    every = policy.overdue_every_days
    if every > 0:
        k = max(1, (after - deadline).days // every + 1)
        days.append(deadline + timedelta(days=k * every))
    if deferred_until is not None:
        days.append(deferred_until)
    return min(days) if days else None


def first_reminder_on(deadline, policy):
    """For a new or moved deadline: the earliest day of its series (a day already past means 'at the next run')."""
    return min(day for _, day in _approach(deadline, policy) + _escalations(deadline, policy)
               + ((None, deadline + timedelta(days=max(policy.overdue_every_days, 1))),))


def next_monday(day):
    return day + timedelta(days=(7 - day.weekday()) % 7 or 7)


def is_digest_day(day):
    """The weekly digest goes on the week's first working day: Monday, or Tuesday after a bank holiday Monday."""
    monday = day - timedelta(days=day.weekday())
    return is_working_day(day) and not any(is_working_day(monday + timedelta(days=n)) for n in range(day.weekday()))


def kind_label(kind, deadline, today):
    """The words an email uses for one reminder."""
    if kind == "assurance":
        return gettext("closed: the assurance check is due, to confirm the change has stuck")
    days = (deadline - today).days
    # a reminder before the deadline that goes out late (a missed run caught up) says what is true on the day
    if days >= 0 and (kind.startswith("before:") or kind == "due"):
        return gettext("due today") if days == 0 else ngettext("due in %(num)d day", "due in %(num)d days", days)
    return ngettext("overdue by %(num)d day", "overdue by %(num)d days", -days)


#: what became of an escalation, by its tier and whom it fell back to when nobody held the role it is for (as the
#: log records them)
ESCALATION_LABELS = {
    ("escalate:lead", None): N_("Escalated to the agency lead"),
    ("escalate:strategic", None): N_("Escalated to the strategic group member"),
    ("escalate:lead", "coordinator"): N_("Escalation to the agency lead fell back to the coordinator"),
    ("escalate:strategic", "coordinator"): N_("Escalation to the strategic group member fell back to the coordinator"),
    ("escalate:lead", "administrator"): N_("Escalation to the agency lead fell back to an administrator"),
    ("escalate:strategic", "administrator"): N_("Escalation to the strategic group member fell back to an "
                                                "administrator"),
}
#: whom an escalation email says it is for: its reader in the role, or the role its reader stands in for
ESCALATED_TO = {
    ("escalate:lead", False): N_("escalated to you as agency lead"),
    ("escalate:strategic", False): N_("escalated to you as strategic group member"),
    ("escalate:lead", True): N_("escalated to the agency lead"),
    ("escalate:strategic", True): N_("escalated to the strategic group member"),
}


def escalation_label(kind, fell_back_to=None):
    """What became of an escalation, in the same words on the reminders page, in the reports and in the pack."""
    return gettext(ESCALATION_LABELS[(kind, fell_back_to or None)])


def escalated_to(kind, fell_back_to=None):
    """Whom an escalation email is for, in its reader's words."""
    return gettext(ESCALATED_TO[(kind, bool(fell_back_to))])
