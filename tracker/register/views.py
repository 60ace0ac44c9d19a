"""The national register's pages, for national observers and reviewers (and administrators)."""
from flask import Blueprint, abort, render_template, request

from tracker.bodies import services as loops
from tracker.bodies.services import body_names
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
    found = services.listing(filters, page_number(request.args))
    return render_template("register/list.html", filters=filters, rows=found.rows, years=found.years,
                           bodies=body_names(), labels=services.state_labels())


@bp.get("/register/recommendations/<int:item_id>")
def show(item_id):
    require("read_national_register")
    item = loops.loop_of(item_id)
    if item is None:
        abort(404)
    shown_text = loops.shown_text(item)
    return render_template("register/show.html", item=item, review=item.recommendation.review,
                           state=loops.loop_state(item), shown_text=shown_text,
                           duplicates=services.duplicates_of(item_id, item.body_id) if shown_text else [])


@bp.get("/register/duplicates")
def duplicates():
    require("read_national_register")
    filters = services.filters_from(request.args)
    return render_template("register/duplicates.html", groups=services.duplicate_groups(filters.body_id),
                           bodies=body_names(), filters=filters)
