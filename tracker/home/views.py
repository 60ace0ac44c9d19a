from flask import Blueprint, render_template
from flask_login import current_user

from tracker.actions.services import my_action_counts
from tracker.actions.state import london_today
from tracker.email import delivery_health
from tracker.enums import Role
from tracker.home.queues import queues_for
from tracker.partnerships.services import partnerships_for
from tracker.reports import services as reports
from tracker.reviews.models import PanelMember, Review
from tracker.reviews.services import recommendation_state, recommendations_of

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Each person's own view: their actions, then what their roles make theirs to watch."""
    today = london_today()
    partnerships = partnerships_for(current_user)
    roles = {}
    for membership in current_user.memberships:
        roles.setdefault(membership.partnership_id, []).append(membership)
    watching = []
    for partnership in partnerships:
        held = {m.role for m in roles.get(partnership.id, [])}
        if held & {Role.STRATEGIC_MEMBER, Role.COORDINATOR}:
            scope = reports.scope_for(current_user, partnership)
            watching.append(dict(partnership=partnership, glance=reports.glance(scope, today),
                                 responses=reports.overdue_responses(scope, partnership, today, listed=0)))
    return render_template("home/index.html", partnerships=partnerships, roles=roles, bodies=_bodies(),
                           counts=my_action_counts(current_user, today), watching=watching,
                           panels=_panel_plans(), queues=queues_for(current_user, today), mail=_mail_health(roles))


def _bodies():
    """The bodies the person answers for, each with (awaiting, overdue, answered)."""
    from tracker.bodies.services import counts_of

    return [(contact.body, counts_of(contact.body)) for contact in
            sorted(current_user.body_contacts, key=lambda c: c.body.name.lower())]


def _mail_health(roles):
    """Emails failing or held up, for those who can act on it: each coordinator for their partnership, the
    administrator for the whole instance."""
    warnings = []
    if current_user.is_administrator:
        health = delivery_health()
        if not health.is_healthy:
            warnings.append((None, health))
    for memberships in roles.values():
        for membership in memberships:
            if membership.role is Role.COORDINATOR:
                health = delivery_health(membership.partnership)
                if not health.is_healthy:
                    warnings.append((membership.partnership, health))
    return warnings


def _panel_plans():
    """The reviews whose panel the person sits on, with how much of each plan is still without action."""
    from tracker.extensions import db

    reviews = db.session.scalars(db.select(Review).join(PanelMember).where(PanelMember.user_id == current_user.id)
                                 .order_by(Review.reference)).all()
    plans = []
    for review in reviews:
        recommendations = recommendations_of(review)
        states = [recommendation_state(r).value for r in recommendations]
        plans.append(dict(review=review, recommendations=len(recommendations),
                          without_action=states.count("no_action"), closed=states.count("closed")))
    return plans


@bp.get("/accessibility")
def accessibility():
    return render_template("home/accessibility.html")
