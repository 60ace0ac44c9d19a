"""Milestones: dated steps of an action, each done or not. A plan's cell holds them one a line, "31 January 2027:
Draft the protocol (done)"; a line without a date stays as written, an undated step. Reading a cell and writing it
back gives the same lines (a date typed another way, "31/1/2027", comes back as the plan's long date)."""
import re

from flask_babel import gettext

from tracker.actions.models import Milestone
from tracker.actions.state import london_today
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import N_, in_every_language, long_date

#: the word after a step that is done, "(done)", written in the reader's language and read in either
DONE = N_("done")
#: "<date>: <title>", the date short enough to be one
_DATED = re.compile(r"^(?P<date>[^:]{1,40}):\s+(?P<title>\S.*)$")


def _done_marks():
    return {f"({word})".casefold() for word in in_every_language(DONE)}


def parse_line(line):
    """(title, due_on or None, is_done) of one line of a plan's milestones."""
    from tracker.plans.cells import parse_date

    title, is_done = line.strip(), False
    for mark in _done_marks():
        if title.casefold().endswith(mark) and title[:-len(mark)].strip():
            title, is_done = title[:-len(mark)].rstrip(), True
            break
    due_on = None
    if found := _DATED.match(title):
        when = parse_date(found["date"])
        if when is not None and not when.is_month:
            title, due_on = found["title"].strip(), when.day
    return title, due_on, is_done


def as_line(milestone):
    """One milestone as a plan's line, in the reader's language."""
    text = f"{long_date(milestone.due_on)}: {milestone.title}" if milestone.due_on else milestone.title
    return f"{text} ({gettext(DONE)})" if milestone.is_done else text


def as_lines(milestones):
    return "\n".join(as_line(m) for m in milestones)


def items_from_lines(text, existing=()):
    """The milestones a plan's cell lists, in its order. A line that matches one of `existing` keeps it (and the day
    it was marked done); a line newly marked done is done today."""
    pool = list(existing)
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        title, due_on, is_done = parse_line(line)
        same = next((m for m in pool if (m.title, m.due_on, m.is_done) == (title, due_on, is_done)), None)
        if same is not None:
            pool.remove(same)
        else:
            same = Milestone(title=title, due_on=due_on, done_on=london_today() if is_done else None)
        same.position = len(items)
        items.append(same)
    return items


def add_milestone(action, title, due_on):
    """A new step at the end of the action's list."""
    if not (title or "").strip():
        raise ValidationFailed({"title": gettext("Enter the milestone")})
    action.milestone_items.append(Milestone(title=title.strip(), due_on=due_on,
                                            position=len(action.milestone_items)))
    db.session.commit()


def mark_done(action, milestone_id, is_done=True):
    """Mark a step done today, or not done after all."""
    milestone = _milestone_of(action, milestone_id)
    milestone.done_on = london_today() if is_done else None
    db.session.commit()
    return milestone


def remove_milestone(action, milestone_id):
    milestone = _milestone_of(action, milestone_id)
    action.milestone_items.remove(milestone)
    for position, item in enumerate(action.milestone_items):
        item.position = position
    db.session.commit()
    return milestone


def _milestone_of(action, milestone_id):
    milestone = next((m for m in action.milestone_items if m.id == milestone_id), None)
    if milestone is None:
        raise ValidationFailed({"__form__": gettext("This milestone is no longer on the action")})
    return milestone

