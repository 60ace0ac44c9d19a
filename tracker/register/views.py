"""The national register's pages, for national observers and reviewers (and administrators)."""
from flask import Blueprint, abort, render_template, request

from tracker.bodies import services as loops
from tracker.bodies.services import all_bodies
from tracker.forms import page_number
from tracker.permissions import require
from tracker.register import services

bp = Blueprint("register", __name__)


@bp.get("/register")
def overview():
    require("read_national_register")
    return render_template("register/overview.html", overview=services.overview())


@bp.get("/register/recommendations")
def recommendations():
    require("read_national_register")
    filters = services.filters_from(request.args)
    return render_template("register/list.html", filters=filters, rows=services.rows(filters,
                                                                                     page_number(request.args)),
                           bodies=all_bodies(), years=services.years(), labels=services.state_labels())


@bp.get("/register/recommendations/<int:item_id>")
def show(item_id):
    require("read_national_register")
    found = services.row(item_id)
    if found is None:
        abort(404)
    item = loops.loop_of(item_id)
    return render_template("register/show.html", found=found, item=item, review=item.recommendation.review,
                           state=loops.loop_state(item), shown_text=found.shown_text,
                           duplicates=services.duplicates_of(item_id, item.body_id) if found.shown_text else [])


@bp.get("/register/duplicates")
def duplicates():
    require("read_national_register")
    filters = services.filters_from(request.args)
    return render_template("register/duplicates.html", groups=services.duplicate_groups(filters.body_id),
                           bodies=all_bodies(), filters=filters)
