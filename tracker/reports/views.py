from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from tracker.actions.forms import COMPONENT_LABELS
from tracker.actions.state import london_today
from tracker.db import utcnow
from tracker.enums import ActionSource
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm, page_number
from tracker.partnerships.models import Partnership
from tracker.permissions import require
from tracker.reports import pdf, services
from tracker.reports.meetings import (
    MeetingForm,
    MonthlyRuleForm,
    add_meeting,
    add_monthly,
    meetings_of,
    next_meeting,
    remove_meeting,
)
from tracker.spreadsheets import csv_bytes, workbook_bytes
from tracker.web import attachment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

bp = Blueprint("reports", __name__)
FORMATS = "<any(pdf, csv, xlsx):kind>"


def _partnership(partnership_id):
    return require("view_reports", db.get_or_404(Partnership, partnership_id))


def _document(partnership, title):
    return pdf.Document(title, partnership.name, current_app.config["TRACKER_PROTECTIVE_MARKING"], london_today())


def _download(kind, name, partnership, body):
    mimetype = {"pdf": "application/pdf", "xlsx": XLSX, "csv": "text/csv"}[kind]
    return Response(body, mimetype=mimetype,
                    headers=attachment(services.download_name(partnership.name, name, london_today(), kind)))


def _spreadsheet(kind, tables):
    """The tables as an XLSX workbook (a sheet each) or one CSV file."""
    if kind == "xlsx":
        return workbook_bytes(tables)
    if len(tables) == 1:
        _title, header, rows = tables[0]
    else:  # several tables in one file: each row names its table, and each table starts with its header
        header = ["Table", "Values"]
        rows = [[title, *row] for title, table_header, table_rows in tables for row in [table_header, *table_rows]]
    return csv_bytes(header, rows)


#: the overdue report's query parameters: only these go into its links (another, like `kind`, would clash)
OVERDUE_FILTERS = ("agency", "source", "component")


def _overdue_filters(partnership):
    agency = request.args.get("agency", type=int)
    source = request.args.get("source")
    component = request.args.get("component")
    return dict(agency_id=agency if agency in {a.id for a in partnership.agencies} else None,
                source=ActionSource(source) if source in ActionSource._value2member_map_ else None,
                component=component if component in COMPONENT_LABELS else None)


@bp.get("/partnerships/<int:partnership_id>/reports/overdue")
@bp.get(f"/partnerships/<int:partnership_id>/reports/overdue.{FORMATS}")
def overdue(partnership_id, kind=None):
    """Overdue actions counted by agency and by source, a page of them in full; the spreadsheets hold them all."""
    partnership = _partnership(partnership_id)
    scope = services.scope_for(_user(), partnership)
    today = london_today()
    filters = _overdue_filters(partnership)
    responses = services.overdue_responses(scope, partnership, today)
    if kind in ("csv", "xlsx"):
        rows = services.overdue_register(scope, today, **filters)
        return _download(kind, "overdue-actions", partnership, _spreadsheet(kind, [
            ("Overdue actions", *services.overdue_table(rows)), ("Overdue responses", *responses.table())]))
    if kind == "pdf":
        document = _document(partnership, "Overdue actions")
        pdf.add_overdue(document, services.overdue_report(scope, today, **filters))
        pdf.add_responses(document, responses)
        return _download(kind, "overdue-actions", partnership, document.render())
    per_page = current_app.config["ITEMS_PER_PAGE"]
    page = page_number(request.args)
    report = services.overdue_report(scope, today, **filters, listed=per_page, offset=(page - 1) * per_page)
    return render_template("reports/overdue.html", partnership=partnership, report=report, scope=scope,
                           page=services.page_of(report, page, per_page), responses=responses,
                           components=COMPONENT_LABELS, sources=ActionSource,
                           args={k: request.args[k] for k in OVERDUE_FILTERS if request.args.get(k)})


@bp.get("/partnerships/<int:partnership_id>/reports/progress")
@bp.get(f"/partnerships/<int:partnership_id>/reports/progress.{FORMATS}")
def progress(partnership_id, kind=None):
    partnership = _partnership(partnership_id)
    scope = services.scope_for(_user(), partnership)
    report = services.progress_report(scope, london_today())
    if kind is None:
        return render_template("reports/progress.html", partnership=partnership, report=report, scope=scope)
    if kind == "pdf":
        document = _document(partnership, "Progress report")
        pdf.add_progress(document, report)
        return _download(kind, "progress", partnership, document.render())
    return _download(kind, "progress", partnership, _spreadsheet(kind, report.tables()))


@bp.get("/partnerships/<int:partnership_id>/reports/learning")
@bp.get(f"/partnerships/<int:partnership_id>/reports/learning.{FORMATS}")
def learning(partnership_id, kind=None):
    partnership = _partnership(partnership_id)
    scope = services.scope_for(_user(), partnership)
    report = services.learning_report(scope, london_today())
    if kind is None:
        return render_template("reports/learning.html", partnership=partnership, report=report)
    if kind == "pdf":
        document = _document(partnership, "Learning across reviews")
        pdf.add_learning(document, report)
        return _download(kind, "learning-across-reviews", partnership, document.render())
    return _download(kind, "learning-across-reviews", partnership,
                     _spreadsheet(kind, [("Themes", *services.learning_table(report))]))


@bp.get("/partnerships/<int:partnership_id>/reports/pack.pdf")
def pack(partnership_id):
    """The meeting pack as it would be sent now: changes since the last meeting, overdue, progress."""
    partnership = _partnership(partnership_id)
    from tracker.reports.meetings import build_pack

    meeting = next_meeting(partnership, london_today())
    return Response(build_pack(partnership, _user(), meeting, london_today()), mimetype="application/pdf",
                    headers=attachment("meeting-pack.pdf"))


@bp.route("/partnerships/<int:partnership_id>/meetings", methods=["GET", "POST"])
def meetings(partnership_id):
    partnership = require("manage_meetings", db.get_or_404(Partnership, partnership_id))
    form, rule = MeetingForm(prefix="one"), MonthlyRuleForm(prefix="rule")
    if request.method == "POST":
        chosen, action = (form, lambda: add_meeting(partnership, form.meets_on.data, form.pack_days_before.data)) \
            if "one-submit" in request.form else \
            (rule, lambda: add_monthly(partnership, rule.weekday.data, rule.nth.data, rule.months.data,
                                       rule.pack_days_before.data, london_today()))
        if chosen.validate_on_submit():
            try:
                added = action()
            except ValidationFailed as failure:
                db.session.rollback()
                show_on_form(chosen, failure)
            else:
                flash(f"{added} meeting date{'s' if added != 1 else ''} added.", "success")
                return redirect(url_for("reports.meetings", partnership_id=partnership.id))
    return render_template("reports/meetings.html", partnership=partnership, form=form, rule=rule,
                           meetings=meetings_of(partnership), today=london_today(), confirm=ConfirmForm(),
                           now=utcnow())


@bp.post("/partnerships/<int:partnership_id>/meetings/<int:meeting_id>/remove")
def remove(partnership_id, meeting_id):
    partnership = require("manage_meetings", db.get_or_404(Partnership, partnership_id))
    if ConfirmForm().validate_on_submit():
        try:
            remove_meeting(partnership, meeting_id)
        except ValidationFailed as failure:
            flash(failure.errors["__form__"], "error")
        else:
            flash("The meeting date has been removed.", "success")
    return redirect(url_for("reports.meetings", partnership_id=partnership.id))


def _user():
    from flask_login import current_user

    return current_user._get_current_object()
