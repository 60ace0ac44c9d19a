"""The audit log's pages and downloads: a partnership's log for its coordinators, the whole tracker's for
administrators. Each page's address with `.csv` is the same log, filtered alike, as a spreadsheet."""
import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_babel import gettext

from tracker.actions.state import london_today
from tracker.audit.forms import LogFilterForm
from tracker.audit.reading import (
    CSV_HEADER,
    NO_PARTNERSHIP,
    all_lines,
    csv_row,
    log_page,
    people_in_log,
    reviews_of,
)
from tracker.audit.words import audited_kinds
from tracker.extensions import db
from tracker.forms import page_number
from tracker.partnerships.models import Partnership
from tracker.permissions import require
from tracker.spreadsheets import csv_lines
from tracker.web import attachment, hyphenated

bp = Blueprint("audit", __name__)


@bp.get("/partnerships/<int:partnership_id>/audit", defaults={"kind": None})
@bp.get("/partnerships/<int:partnership_id>/audit.<any(csv):kind>")
def partnership_log(partnership_id, kind):
    """Every change to the partnership's records, and who looked at its confidential reviews."""
    partnership = require("read_audit", db.get_or_404(Partnership, partnership_id))
    form = LogFilterForm(request.args)
    form.offer(people_in_log(partnership.id), audited_kinds(), reviews_of(partnership.id))
    filters = form.filters(partnership=partnership.id)
    title = gettext("%(partnership)s audit log", partnership=partnership.name)
    return _log(form, filters, kind, title, "audit/log.html", {"partnership_id": partnership.id},
                partnership=partnership)


@bp.get("/admin/audit", defaults={"kind": None})
@bp.get("/admin/audit.<any(csv):kind>")
def instance_log(kind):
    """Administrators read every entry, including those no partnership's log shows (changes to accounts)."""
    require("manage")
    partnerships = db.session.execute(sa.select(Partnership.id, Partnership.name).order_by(Partnership.name)).all()
    scope = _chosen_partnership(request.args.get("partnership", ""), partnerships)
    form = LogFilterForm(request.args)
    form.offer(people_in_log(scope), audited_kinds(), reviews_of(scope) if isinstance(scope, int) else [],
               partnerships)
    if not isinstance(scope, int):
        form.review.description = gettext("Choose a partnership and apply the filters to choose one of its reviews.")
    return _log(form, form.filters(), kind, gettext("Tracker audit log"), "audit/instance_log.html", {})


def _chosen_partnership(value, partnerships):
    if value == NO_PARTNERSHIP:
        return value
    return next((pid for pid, _name in partnerships if str(pid) == value), None)


def _log(form, filters, kind, title, template, url_args, **context):
    """The page, or the download; with a date that is not a date, the page with the error beside it."""
    if kind == "csv" and form.is_valid:
        lines = csv_lines([gettext(heading) for heading in CSV_HEADER], (csv_row(line) for line in all_lines(filters)))
        return Response(stream_with_context(lines), mimetype="text/csv",
                        headers=attachment(f"{hyphenated(f'{title} {london_today():%Y-%m-%d}')}.csv"))
    page = log_page(filters, page_number(request.args), current_app.config["ITEMS_PER_PAGE"]) \
        if form.is_valid else None
    args = form.args()
    return render_template(template, form=form, page=page, args=args, url_args=url_args,
                           links={**url_args, **args}, **context)
