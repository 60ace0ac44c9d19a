from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf.file import FileField

from tracker.enums import ActionStatus, Sector
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm, Form
from tracker.partnerships.models import Partnership
from tracker.permissions import require
from tracker.plans import exports, services
from tracker.plans.columns import FIELDS, choices
from tracker.reviews.models import Review
from tracker.reviews.services import log_view
from tracker.spreadsheets import csv_bytes
from tracker.web import attachment, hyphenated

bp = Blueprint("plans", __name__)
#: the status each action of a preview will have, as the preview says it
STATUS_WORDS = {ActionStatus.NOT_STARTED: lazy_gettext("not started"),
                ActionStatus.IN_PROGRESS: lazy_gettext("in progress"), ActionStatus.BLOCKED: lazy_gettext("blocked"),
                ActionStatus.COMPLETED: lazy_gettext("completed"), ActionStatus.CLOSED: lazy_gettext("closed")}


class UploadForm(Form):
    file = FileField(lazy_gettext("Action plan file"), description=lazy_gettext(
        "An Excel workbook (.xlsx), a CSV file (UTF-8) or a Word document (.docx) with the plan as a table, up to "
        "2 MB."))


def _upload(form, partnership, review):
    """Keep a readable upload and go to its next step; otherwise say why beside the field."""
    if not form.validate_on_submit():
        return None
    upload = form.file.data
    try:
        if not upload or not upload.filename:
            raise ValidationFailed({"file": gettext("Choose the file to import")})
        pending = services.start_import(current_user, partnership, review, upload.filename, upload.read(),
                                        current_app.config["IMPORT_MAX_BYTES"])
    except ValidationFailed as failure:
        db.session.rollback()
        show_on_form(form, failure)
        return None
    return _next_step(pending)


def _next_step(pending):
    _columns, problems = services.column_step(pending)
    endpoint = "plans.map_columns" if problems else "plans.preview_import"
    return redirect(url_for(endpoint, token=pending.token))


@bp.route("/reviews/<int:review_id>/import", methods=["GET", "POST"])
def upload_plan(review_id):
    review = require("edit", db.get_or_404(Review, review_id))
    form = UploadForm()
    return _upload(form, review.partnership, review) or render_template(
        "plans/upload.html", form=form, review=review, partnership=review.partnership, fields=FIELDS)


@bp.route("/partnerships/<int:partnership_id>/import-register", methods=["GET", "POST"])
def upload_register(partnership_id):
    partnership = require("manage", db.get_or_404(Partnership, partnership_id))
    form = UploadForm()
    return _upload(form, partnership, None) or render_template(
        "plans/upload.html", form=form, review=None, partnership=partnership, fields=FIELDS)


def _pending(token):
    """The signed-in person's own upload, while they may still change what it imports into."""
    pending = services.pending_import(token, current_user)
    if pending is None:
        abort(404)
    if pending.review_id is not None:
        require("edit", db.session.get(Review, pending.review_id))
    else:
        require("manage", db.session.get(Partnership, pending.partnership_id))
    return pending


def _back(pending):
    if pending.review_id is not None:
        return url_for("reviews.show_review", review_id=pending.review_id)
    return url_for("reviews.list_reviews", partnership_id=pending.partnership_id)


@bp.route("/imports/<token>/columns", methods=["GET", "POST"])
def map_columns(token):
    pending = _pending(token)
    form = ConfirmForm()
    columns, problems = services.column_step(pending)
    chosen = {header: request.form.get(f"column-{n}", "") for n, (header, _field) in enumerate(columns)}
    if form.validate_on_submit():
        try:
            services.save_columns(pending, chosen)
        except ValidationFailed as failure:
            db.session.rollback()
            problems = list(failure.errors.values())
        else:
            return redirect(url_for("plans.preview_import", token=pending.token))
    else:
        chosen = {header: field or "" for header, field in columns}
    return render_template("plans/columns.html", form=form, pending=pending, columns=columns, chosen=chosen,
                           problems=problems if request.method == "POST" else [], choices=choices(),
                           back=_back(pending), review=pending.review, partnership=pending.partnership)


@bp.route("/imports/<token>", methods=["GET", "POST"])
def preview_import(token):
    pending = _pending(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        names = {key[len("decision:"):]: value for key, value in request.form.items() if key.startswith("decision:")}
        services.save_decisions(pending, names, request.form.get("number_by_position") == "yes")
        if request.form.get("confirm") == "yes":
            try:
                result = services.confirm_import(pending, current_user, request.form.get("fingerprint", ""))
            except ValidationFailed as failure:
                db.session.rollback()
                form.form_errors.extend(failure.errors.values())
            else:
                flash(str(result), "success")
                return redirect(_back(pending))
    try:
        plan = services.preview(pending, current_user)
    except ValidationFailed:
        return redirect(url_for("plans.map_columns", token=pending.token))
    agencies = pending.partnership.agencies
    return render_template("plans/preview.html", form=form, pending=pending, plan=plan, agencies=agencies,
                           sectors=list(Sector), back=_back(pending), review=pending.review,
                           partnership=pending.partnership, status_words=STATUS_WORDS)


@bp.post("/imports/<token>/cancel")
def cancel_import(token):
    pending = _pending(token)
    if ConfirmForm().validate_on_submit():
        back = _back(pending)
        services.cancel_import(pending)
        flash(gettext("The import was cancelled: nothing was saved."), "success")
        return redirect(back)
    return redirect(url_for("plans.preview_import", token=pending.token))


def _download(data, mimetype, filename):
    return Response(data, mimetype=mimetype, headers=attachment(filename))


@bp.get("/reviews/<int:review_id>/action-plan.<any(csv, xlsx, docx):kind>")
def export_plan(review_id, kind):
    review = require("view", db.get_or_404(Review, review_id))
    log_view(review, current_user)
    name = hyphenated(f"{review.reference} action plan")
    if kind == "docx":
        return _download(exports.word(review), exports.DOCX, f"{name}.docx")
    data, mimetype = exports.spreadsheet(review.partnership, [review], kind)
    return _download(data, mimetype, f"{name}.{kind}")


@bp.get("/partnerships/<int:partnership_id>/register.<any(csv, xlsx):kind>")
def export_register(partnership_id, kind):
    """Every review the person can open, one row per action, with the review column an import reads back."""
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    reviews = exports.reviews_for_register(current_user, partnership)
    for review in reviews:
        log_view(review, current_user)
    data, mimetype = exports.spreadsheet(partnership, reviews, kind, with_review=True, title=gettext("Register"))
    return _download(data, mimetype, f"{hyphenated(partnership.name)}-review-register.{kind}")


@bp.get("/reviews/action-plan-template.csv")
def csv_template():
    return _download(csv_bytes(exports.template_header(), []), "text/csv", "action-plan-template.csv")


@bp.get("/partnerships/<int:partnership_id>/action-plan-template.xlsx")
def xlsx_template(partnership_id):
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    return _download(exports.template(partnership), exports.XLSX, "action-plan-template.xlsx")

