from flask import Blueprint, current_app, render_template, request

from tracker.audit.services import entries_for_partnership
from tracker.extensions import db
from tracker.forms import page_number
from tracker.partnerships.models import Partnership
from tracker.permissions import require

bp = Blueprint("audit", __name__)


@bp.get("/partnerships/<int:partnership_id>/audit")
def partnership_log(partnership_id):
    partnership = require("read_audit", db.get_or_404(Partnership, partnership_id))
    page = entries_for_partnership(partnership.id, page_number(request.args),
                                   current_app.config["ITEMS_PER_PAGE"])
    return render_template("audit/log.html", partnership=partnership, page=page)
