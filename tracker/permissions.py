"""The one place access is decided: can(user, verb, obj). Views and templates ask; nothing else decides."""
from flask import abort
from flask_login import current_user

from tracker.enums import Role


def roles_in(user, partnership_id):
    """The roles a person holds in one partnership (administrators hold none by virtue of being one)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {m.role for m in user.memberships if m.partnership_id == partnership_id}


def partnership_ids(user):
    return {m.partnership_id for m in user.memberships}


def _is_admin(user):
    return bool(getattr(user, "is_administrator", False))


def _partnership_id(obj):
    return obj.id if type(obj).__name__ == "Partnership" else obj.partnership_id


def _member(user, obj):
    return _is_admin(user) or bool(roles_in(user, _partnership_id(obj)))


def _coordinator(user, obj):
    return _is_admin(user) or Role.COORDINATOR in roles_in(user, _partnership_id(obj))


def _memberships(user, partnership_id):
    return [m for m in user.memberships if m.partnership_id == partnership_id]


def _leads_agency(user, action):
    return action.lead_agency_id is not None and any(
        m.role is Role.AGENCY_LEAD and m.agency_id == action.lead_agency_id
        for m in _memberships(user, action.partnership_id))


def _updates_action(user, action):
    """Coordinators update any action of their partnership; agency leads and owners only their own."""
    if _coordinator(user, action):
        return True
    if not _member(user, action):
        return False
    return _leads_agency(user, action) or action.owner_id == user.id


def _moves_deadline(user, action):
    return _coordinator(user, action) or _leads_agency(user, action)


def _signs_off(user, action):
    """Partnership and benchmark actions are closed by the strategic group, not by those who deliver them."""
    return Role.STRATEGIC_MEMBER in roles_in(user, action.partnership_id)


def _reopens(user, action):
    return _signs_off(user, action) or _coordinator(user, action)


#: (verb, type name) -> rule. A pair not listed is refused.
RULES = {
    ("manage", "Instance"): lambda user, obj: _is_admin(user),
    ("view", "Partnership"): _member,
    ("manage", "Partnership"): _coordinator,
    ("read_audit", "Partnership"): _coordinator,
    ("edit", "Agency"): _coordinator,
    ("edit", "Membership"): _coordinator,
    ("create_action", "Partnership"): _coordinator,
    ("reassign_actions", "Partnership"): _coordinator,
    ("view", "Action"): _member,
    ("edit", "Action"): _coordinator,
    ("update", "Action"): _updates_action,
    ("move_deadline", "Action"): _moves_deadline,
    ("sign_off", "Action"): _signs_off,
    ("reopen", "Action"): _reopens,
    ("confirm_assurance", "Action"): _coordinator,
}


class Instance:
    """Stands for the whole installation in rules that are not about one partnership."""


INSTANCE = Instance()


def can(user, verb, obj=INSTANCE):
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    rule = RULES.get((verb, type(obj).__name__))
    return bool(rule and rule(user, obj))


def require(verb, obj=INSTANCE):
    """Abort with 403 unless the signed-in person may do this (anonymous people are sent to sign in first)."""
    if not can(current_user, verb, obj):
        abort(403)
    return obj
