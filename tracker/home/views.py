from flask import Blueprint, render_template
from flask_login import current_user

from tracker.actions.services import my_action_counts
from tracker.actions.state import london_today
from tracker.partnerships.services import partnerships_for

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    partnerships = partnerships_for(current_user)
    roles = {}
    for membership in current_user.memberships:
        roles.setdefault(membership.partnership_id, []).append(membership)
    counts = my_action_counts(current_user, london_today())
    return render_template("home/index.html", partnerships=partnerships, roles=roles, counts=counts)


@bp.get("/accessibility")
def accessibility():
    return render_template("home/accessibility.html")
