"""The one place access is decided: can(user, verb, obj). Views and templates ask; nothing else decides."""
from flask import abort
from flask_login import current_user

from tracker.enums import Role


def roles_in(user, partnership_id):
    """The roles a person holds in one partnership (administrators hold none by virtue of being one)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {m.role for m in user.memberships if m.partnership_id == partnership_id}


def partnership_ids(user, *roles):
    """The partnerships where the person holds one of the roles (any role when none are named), in order, as values
    from the memberships already loaded: a query then reads only those rows, and nothing for someone without."""
    return sorted({m.partnership_id for m in user.memberships if not roles or m.role in roles})


def led_agency_ids(user):
    """The agencies the person leads, as values from the memberships already loaded."""
    return sorted(m.agency_id for m in user.memberships if m.role is Role.AGENCY_LEAD)


def owned_or_led(user):
    """SQL: the person's own work, which they may always open: the actions they own where they still hold a role (a
    leaver's are nobody's), and those an agency they lead delivers. As values from the memberships loaded, so that
    the database reads them through the owner and lead-agency indexes, and never asks of each whether the person
    may open its review (for an agency lead of the largest partnership, two thirds of "My actions")."""
    import sqlalchemy as sa

    from tracker.actions.models import Action

    led = led_agency_ids(user)
    owned = sa.and_(Action.owner_id == user.id, Action.partnership_id.in_(partnership_ids(user)))
    return sa.or_(owned, *([Action.lead_agency_id.in_(led)] if led else []))


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


def _on_panel(user, review, as_chair=False):
    """A panel seat counts only while the person still holds a role in the review's partnership."""
    return _member(user, review) and any(p.user_id == user.id and (p.is_chair or not as_chair) for p in review.panel)


def _sees_review(user, review):
    """Before publication: the panel, the partnership's coordinators and administrators. After: every member."""
    if _coordinator(user, review) or _on_panel(user, review):
        return True
    return review.is_published and _member(user, review)


def _builds_plan(user, review):
    """The panel, not the chair alone, builds the action plan; the coordinator supports it. An archived review is
    kept as it was: nobody changes it."""
    return not review.is_archived and (_coordinator(user, review) or _on_panel(user, review))


def _chairs(user, review):
    """Its panel and publication are decided by the coordinator or the panel's chair, until it is archived."""
    return not review.is_archived and (_coordinator(user, review) or _on_panel(user, review, as_chair=True))


def _creates_review(user, partnership):
    return _coordinator(user, partnership) or Role.PANEL_MEMBER in roles_in(user, partnership.id)


def _review_of(action):
    return action.recommendation.review if action.recommendation_id is not None else None


def _sees_action(user, action):
    """An unpublished review's action is seen by those who see the review, and by the agency that delivers it."""
    review = _review_of(action)
    if review is None or review.is_published:
        return _member(user, action)
    return _sees_review(user, review) or (
        _member(user, action) and (_leads_agency(user, action) or action.owner_id == user.id))


def _edits_action(user, action):
    review = _review_of(action)
    return _coordinator(user, action) or (review is not None and _on_panel(user, review))


def _leads_supporting_agency(user, action):
    led = {m.agency_id for m in _memberships(user, action.partnership_id) if m.role is Role.AGENCY_LEAD}
    return bool(led) and any(agency.id in led for agency in action.supporting_agencies)


def _updates_action(user, action):
    """Coordinators update any action of their partnership; agency leads and owners only their own, and the leads of
    its supporting agencies post updates on it too (nothing more: its plan and deadline stay the lead agency's)."""
    if _coordinator(user, action):
        return True
    if not _sees_action(user, action):
        return False
    return _leads_agency(user, action) or action.owner_id == user.id or _leads_supporting_agency(user, action)


def _moves_deadline(user, action):
    return _edits_action(user, action) or (_sees_action(user, action) and _leads_agency(user, action))


def _signs_off(user, action):
    """Those who deliver an action do not close it: the strategic group does (the panel chair or coordinator for
    a review's action)."""
    review = _review_of(action)
    if review is not None:
        return _coordinator(user, action) or _on_panel(user, review, as_chair=True)
    return Role.STRATEGIC_MEMBER in roles_in(user, action.partnership_id)


def _reopens(user, action):
    return _signs_off(user, action) or _coordinator(user, action)


def visible_reviews(user, by_email=False):
    """The SQL twin of _sees_review, and the one rule of every report, export, pack and feed: a review, its
    reference, pseudonym, recommendations and addressees, and the actions that answer it, reach a reader only
    where this holds. An email leaves the tracker's sign-in, so by email only what every member may open counts:
    published reviews."""
    import sqlalchemy as sa

    from tracker.partnerships.models import Membership
    from tracker.reviews.models import Review

    if _is_admin(user):
        return _open_to_members(user, by_email) if by_email else sa.true()
    mine = sa.select(Membership.partnership_id).where(Membership.user_id == user.id)
    if by_email:
        return sa.and_(Review.partnership_id.in_(mine), _open_to_members(user, by_email))
    coordinating = mine.where(Membership.role == Role.COORDINATOR)
    return sa.or_(Review.partnership_id.in_(coordinating),
                  sa.and_(Review.partnership_id.in_(mine), _open_to_members(user, by_email)))


def _open_to_members(user, by_email):
    """SQL on Review: what a member of its partnership who is no coordinator may open: a published review, or one
    on whose panel they sit; by email, published ones only."""
    import sqlalchemy as sa

    from tracker.enums import ReviewStatus
    from tracker.reviews.models import PanelMember, Review

    published = Review.status == ReviewStatus.PUBLISHED
    if by_email:
        return published
    return sa.or_(published, Review.id.in_(sa.select(PanelMember.review_id).where(PanelMember.user_id == user.id)))


def visible_actions(user, by_email=False, within=None):
    """The SQL twin of _sees_action, for lists and reports: the actions this person may open. An action of a
    review they cannot open only where their agency delivers it or they own it, and never by email. `within`, the
    partnership the actions are known to be in: its coordinator sees them all, and the clause then says so rather
    than have the database test each of a large partnership's rows, and anyone else's is written with what their
    memberships there say."""
    import sqlalchemy as sa

    from tracker.actions.models import Action
    from tracker.partnerships.models import Membership
    from tracker.reviews.models import Review

    if not by_email and (_is_admin(user) or (within is not None and Role.COORDINATOR in roles_in(user, within))):
        return sa.true()
    if within is not None and not _is_admin(user):
        return _opened_within(user, within, by_email)
    # the action's review as the database copies it from its recommendation (Action.review_id); should a copy ever
    # be missing, the action is withheld, not shown: IN is not true of NULL
    open_reviews = sa.select(Review.id).where(visible_reviews(user, by_email))
    if _is_admin(user):
        return sa.or_(Action.recommendation_id.is_(None), Action.review_id.in_(open_reviews))
    mine = sa.select(Membership.partnership_id).where(Membership.user_id == user.id)
    # an action is only ever seen in the person's own partnerships: so are the reviews worth reading
    open_reviews = open_reviews.where(Review.partnership_id.in_(mine))
    opened = sa.or_(Action.recommendation_id.is_(None), Action.review_id.in_(open_reviews))
    if by_email:
        return sa.and_(Action.partnership_id.in_(mine), opened)
    coordinating = mine.where(Membership.role == Role.COORDINATOR)
    led_agencies = sa.select(Membership.agency_id).where(Membership.user_id == user.id,
                                                         Membership.role == Role.AGENCY_LEAD)
    return sa.or_(Action.partnership_id.in_(coordinating),
                  sa.and_(Action.partnership_id.in_(mine),
                          sa.or_(opened, Action.lead_agency_id.in_(led_agencies), Action.owner_id == user.id)))


def _opened_within(user, partnership_id, by_email):
    """visible_actions for actions known to be in one partnership where the person is no coordinator, written with
    what their memberships there already say (nothing for an outsider; which agencies they lead), so that the
    database tests each of a large partnership's actions against values and the reviews open to them, not against
    the person's memberships row by row."""
    import sqlalchemy as sa

    from tracker.actions.models import Action
    from tracker.reviews.models import Review

    if not roles_in(user, partnership_id):
        return sa.false()
    branches = [Action.recommendation_id.is_(None),
                Action.review_id.in_(sa.select(Review.id).where(Review.partnership_id == partnership_id,
                                                                _open_to_members(user, by_email)))]
    if not by_email:
        led = [m.agency_id for m in _memberships(user, partnership_id) if m.role is Role.AGENCY_LEAD]
        branches += [*([Action.lead_agency_id.in_(led)] if led else []), Action.owner_id == user.id]
    # the callers bound their rows by the partnership already; the clause does too, so that it never depends on it
    return sa.and_(Action.partnership_id == partnership_id, sa.or_(*branches))


def signed_off_by_strategic_group():
    """The SQL twin of _signs_off for the strategic group: the actions it closes (a review's are its panel's).
    Asked of the column's value, not as "IS NULL" of the column: SQLite, which knows only how few actions share a
    recommendation on average, took the recommendation's index for it and walked every strategy and benchmark
    action in the country (173 ms for a typical partnership's pack at ten times national scale)."""
    import sqlalchemy as sa

    from tracker.actions.models import Action

    return sa.func.coalesce(Action.recommendation_id, 0) == 0  # ids start at 1


def signs_off(user):
    """The SQL twin of _signs_off, to count what waits for a person's decision without loading each action."""
    import sqlalchemy as sa

    from tracker.actions.models import Action
    from tracker.reviews.models import PanelMember, Recommendation

    strategic = partnership_ids(user, Role.STRATEGIC_MEMBER)
    coordinating = sa.true() if _is_admin(user) else Action.partnership_id.in_(partnership_ids(user, Role.COORDINATOR))
    chaired = sa.select(Recommendation.id).join(PanelMember, PanelMember.review_id == Recommendation.review_id) \
        .where(PanelMember.user_id == user.id, PanelMember.is_chair.is_(True))
    as_chair = sa.and_(Action.partnership_id.in_(partnership_ids(user)), Action.recommendation_id.in_(chaired))
    return sa.or_(sa.and_(Action.recommendation_id.is_(None), Action.partnership_id.in_(strategic)),
                  sa.and_(Action.recommendation_id.is_not(None), sa.or_(coordinating, as_chair)))


def _reads_register(user, partnership):
    """The regional and national register: coordinators, the strategic group and the review panels, each reading
    the rows of the reviews they can open."""
    import sqlalchemy as sa

    from tracker.extensions import db
    from tracker.reviews.models import PanelMember, Review

    if _coordinator(user, partnership) or Role.STRATEGIC_MEMBER in roles_in(user, partnership.id):
        return True
    return _member(user, partnership) and bool(db.session.scalar(sa.select(sa.exists().where(
        PanelMember.user_id == user.id, PanelMember.review_id == Review.id, Review.partnership_id == partnership.id))))


def _answers_for(user, body_id):
    """A contact of the body: its respondent, for that body only."""
    return any(contact.body_id == body_id for contact in user.body_contacts)


def _reads_national_register(user):
    return _is_admin(user) or getattr(user, "national_role", None) is not None


def _runs_loop(user, item):
    """The partnership's side of a loop with a body (sending it, recording an answer from a letter): its
    coordinators, until the review is archived."""
    review = item.recommendation.review
    return not review.is_archived and _coordinator(user, review)


def _assesses(user, item):
    """The partnership's coordinators, or a national reviewer, once the recommendation has been sent."""
    from tracker.enums import NationalRole

    return item.sent_on is not None and not item.recommendation.review.is_archived and (
        getattr(user, "national_role", None) is NationalRole.REVIEWER or _runs_loop(user, item))


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
    ("view", "Action"): _sees_action,
    ("edit", "Action"): _edits_action,
    ("update", "Action"): _updates_action,
    ("move_deadline", "Action"): _moves_deadline,
    ("approve_deadline", "Action"): lambda user, action: _coordinator(user, action) or (
        _review_of(action) is not None and _on_panel(user, _review_of(action), as_chair=True)),
    ("sign_off", "Action"): _signs_off,
    ("reopen", "Action"): _reopens,
    ("confirm_assurance", "Action"): _coordinator,
    ("create_review", "Partnership"): _creates_review,
    ("create_benchmark", "Partnership"): _coordinator,
    ("view_reports", "Partnership"): lambda user, p: _is_admin(user) or bool(
        roles_in(user, p.id) & {Role.COORDINATOR, Role.STRATEGIC_MEMBER, Role.VIEWER, Role.AGENCY_LEAD}),
    ("manage_meetings", "Partnership"): _coordinator,
    ("view", "Benchmark"): _member,
    ("edit", "Benchmark"): _coordinator,
    ("view_register", "Partnership"): _reads_register,
    ("manage_themes", "Partnership"): _coordinator,
    ("view", "Review"): _sees_review,
    ("edit", "Review"): _builds_plan,
    ("manage_panel", "Review"): _chairs,
    ("publish", "Review"): _chairs,
    ("manage_requests", "Review"): _chairs,
    ("record_quality_assurance", "Review"): lambda user, review: review.goes_to_home_office and _chairs(user, review),
    ("archive", "Review"): lambda user, review: not review.is_archived and _coordinator(user, review),
    ("view", "Recommendation"): lambda user, rec: _sees_review(user, rec.review),
    ("edit", "Recommendation"): lambda user, rec: _builds_plan(user, rec.review),
    ("manage_bodies", "Instance"): lambda user, obj: _is_admin(user),
    ("read_national_register", "Instance"): lambda user, obj: _reads_national_register(user),
    ("use_api", "Instance"): lambda user, obj: _reads_national_register(user) or bool(user.body_contacts),
    ("answer_for", "ExternalBody"): lambda user, body: _answers_for(user, body.id) or _reads_national_register(user),
    ("view", "BodyRecommendation"): lambda user, item: _sees_review(user, item.recommendation.review),
    ("send", "BodyRecommendation"): _runs_loop,
    ("record_response", "BodyRecommendation"): lambda user, item: item.sent_on is not None and _runs_loop(user, item),
    ("assess", "BodyRecommendation"): _assesses,
    ("read_as_body", "BodyRecommendation"): lambda user, item: item.sent_on is not None and (
        _answers_for(user, item.body_id) or _reads_national_register(user)),
    ("respond", "BodyRecommendation"): lambda user, item: (
        item.sent_on is not None and not item.recommendation.review.is_archived and _answers_for(user, item.body_id)),
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
