from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from tracker.actions.forms import COMPONENT_LABELS
from tracker.actions.state import london_today
from tracker.db import utcnow
from tracker.enums import ActionSource, ReviewType
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


def _document(partnership, title, review_type=None):
    """A report's PDF, saying which type of review it is about when it is filtered to one."""
    document = pdf.Document(title, partnership.name, current_app.config["TRACKER_PROTECTIVE_MARKING"],
                            london_today())
    if review_type:
        document.paragraph(gettext("Type of review: %(type)s", type=review_type.label))
    return document


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
        header = [gettext("Table"), gettext("Values")]
        rows = [[title, *row] for title, table_header, table_rows in tables for row in [table_header, *table_rows]]
    return csv_bytes(header, rows)


#: the overdue report's query parameters: only these go into its links (another, like `kind`, would clash)
OVERDUE_FILTERS = ("agency", "source", "component", "review_type")


def _review_type():
    """The type of review a report is filtered to, or None for all types."""
    chosen = request.args.get("review_type")
    return ReviewType(chosen) if chosen in ReviewType._value2member_map_ else None


def _args(names):
    """The report's filters as chosen, for its links and downloads."""
    return {k: request.args[k] for k in names if request.args.get(k)}


def _overdue_filters(partnership):
    agency = request.args.get("agency", type=int)
    source = request.args.get("source")
    component = request.args.get("component")
    return dict(agency_id=agency if agency in {a.id for a in partnership.agencies} else None,
                source=ActionSource(source) if source in ActionSource._value2member_map_ else None,
                component=component if component in COMPONENT_LABELS else None, review_type=_review_type())


@bp.get("/partnerships/<int:partnership_id>/reports/overdue")
@bp.get(f"/partnerships/<int:partnership_id>/reports/overdue.{FORMATS}")
def overdue(partnership_id, kind=None):
    """Overdue actions counted by agency and by source, a page of them in full; the spreadsheets hold them all."""
    partnership = _partnership(partnership_id)
    scope = services.scope_for(_user(), partnership)
    today = london_today()
    filters = _overdue_filters(partnership)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    # the spreadsheets hold every overdue answer; the page and the PDF the most overdue
    responses = services.overdue_responses(scope, partnership, today,
                                           listed=None if kind in ("csv", "xlsx") else per_page)
    if kind in ("csv", "xlsx"):
        rows = services.overdue_register(scope, today, **filters)
        return _download(kind, "overdue-actions", partnership, _spreadsheet(kind, [
            (gettext("Overdue actions"), *services.overdue_table(rows)),
            (gettext("Overdue responses"), *responses.table())]))
    if kind == "pdf":
        document = _document(partnership, gettext("Overdue actions"), filters["review_type"])
        pdf.add_overdue(document, services.overdue_report(scope, today, **filters))
        pdf.add_responses(document, responses)
        return _download(kind, "overdue-actions", partnership, document.render())
    page = page_number(request.args)
    report = services.overdue_report(scope, today, **filters, listed=per_page, offset=(page - 1) * per_page)
    return render_template("reports/overdue.html", partnership=partnership, report=report, scope=scope,
                           page=services.page_of(report, page, per_page), responses=responses,
                           components=COMPONENT_LABELS, sources=ActionSource, review_types=ReviewType,
                           args=_args(OVERDUE_FILTERS))


@bp.get("/partnerships/<int:partnership_id>/reports/progress")
@bp.get(f"/partnerships/<int:partnership_id>/reports/progress.{FORMATS}")
def progress(partnership_id, kind=None):
    partnership = _partnership(partnership_id)
    scope = services.scope_for(_user(), partnership)
    review_type = _review_type()
    report = services.progress_report(scope, london_today(), review_type)
    if kind is None:
        plans = services.page_of_rows(report.reviews, page_number(request.args), current_app.config["ITEMS_PER_PAGE"])
        return render_template("reports/progress.html", partnership=partnership, report=report, scope=scope,
                               plans=plans, review_types=ReviewType, args=_args(["review_type"]))
    if kind == "pdf":
        document = _document(partnership, gettext("Progress report"), review_type)
        pdf.add_progress(document, report)
        return _download(kind, "progress", partnership, document.render())
    return _download(kind, "progress", partnership, _spreadsheet(kind, report.tables()))


@bp.get("/partnerships/<int:partnership_id>/reports/learning")
@bp.get(f"/partnerships/<int:partnership_id>/reports/learning.{FORMATS}")
def learning(partnership_id, kind=None):
    partnership = _partnership(partnership_id)
    scope = services.scope_for(_user(), partnership)
    review_type = _review_type()
    report = services.learning_report(scope, london_today(), review_type)
    if kind is None:
        return render_template("reports/learning.html", partnership=partnership, report=report,
                               review_types=ReviewType, args=_args(["review_type"]))
    if kind == "pdf":
        document = _document(partnership, gettext("Learning across reviews"), review_type)
        pdf.add_learning(document, report)
        return _download(kind, "learning-across-reviews", partnership, document.render())
    return _download(kind, "learning-across-reviews", partnership,
                     _spreadsheet(kind, [(gettext("Themes"), *services.learning_table(report))]))


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
                flash(ngettext("%(num)d meeting date added.", "%(num)d meeting dates added.", added), "success")
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
            flash(gettext("The meeting date has been removed."), "success")
    return redirect(url_for("reports.meetings", partnership_id=partnership.id))


def _user():
    from flask_login import current_user

    return current_user._get_current_object()
