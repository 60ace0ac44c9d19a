from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from tracker.actions.state import london_today
from tracker.benchmarks import rebenchmark, services
from tracker.benchmarks.forms import (
    BenchmarkForm,
    ComponentForm,
    ImportBenchmarkForm,
    ImportSpreadsheetForm,
    NoActionForm,
    RebenchmarkForm,
)
from tracker.benchmarks.models import Component, Finding
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm
from tracker.partnerships.models import Partnership
from tracker.permissions import require
from tracker.spreadsheets import csv_bytes, xlsx_bytes
from tracker.web import attachment, submitted

bp = Blueprint("benchmarks", __name__)


def _benchmark(benchmark_id, verb="view"):
    benchmark = services.load_benchmark(benchmark_id)
    if benchmark is None:
        abort(404)
    return require(verb, benchmark)


def _to(benchmark, anchor=None):
    return redirect(url_for("benchmarks.show_benchmark", benchmark_id=benchmark.id, _anchor=anchor))


def _framework_choices():
    return [("", gettext("Choose a framework")), *[(f.id, f.name) for f in services.frameworks()]]


@bp.get("/partnerships/<int:partnership_id>/benchmarks")
def list_benchmarks(partnership_id):
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    return render_template("benchmarks/list.html", partnership=partnership,
                           benchmarks=services.benchmarks_of(partnership),
                           upcoming=rebenchmark.next_benchmark(partnership), today=london_today())


@bp.route("/partnerships/<int:partnership_id>/benchmarks/interval", methods=["GET", "POST"])
def rebenchmark_interval(partnership_id):
    """How often the partnership is benchmarked, which sets when its coordinators are reminded."""
    partnership = require("manage", db.get_or_404(Partnership, partnership_id))
    form = RebenchmarkForm(obj=partnership)
    done = submitted(form, lambda: rebenchmark.save_interval(partnership, form.rebenchmark_months.data),
                     gettext("How often the partnership is benchmarked has been saved."),
                     lambda _: redirect(url_for("benchmarks.list_benchmarks", partnership_id=partnership.id)))
    return done or render_template("benchmarks/interval.html", form=form, partnership=partnership)


@bp.route("/partnerships/<int:partnership_id>/benchmarks/new", methods=["GET", "POST"])
@bp.route("/benchmarks/<int:benchmark_id>/edit", methods=["GET", "POST"], endpoint="edit_benchmark")
def new_benchmark(partnership_id=None, benchmark_id=None):
    if benchmark_id is not None:
        benchmark = _benchmark(benchmark_id, "edit")
        partnership = benchmark.partnership
    else:
        benchmark = None
        partnership = require("create_benchmark", db.get_or_404(Partnership, partnership_id))
    form = BenchmarkForm(obj=benchmark)
    form.framework_id.choices = _framework_choices()
    if request.method == "GET" and benchmark is not None:
        form.overall_score.data = services.score_text(benchmark.overall_score)
        form.key_issues.data = "\n".join(f.text for f in benchmark.findings if f.component_id is None)
    done = submitted(form, lambda: services.save_benchmark(partnership, benchmark, {
        name: field.data for name, field in form._fields.items()}), gettext("The benchmark has been saved."), _to)
    return done or render_template("benchmarks/edit.html", form=form, partnership=partnership, benchmark=benchmark)


@bp.route("/partnerships/<int:partnership_id>/benchmarks/import", methods=["GET", "POST"])
def import_benchmark(partnership_id):
    partnership = require("create_benchmark", db.get_or_404(Partnership, partnership_id))
    form = ImportBenchmarkForm()

    def save():
        upload = form.file.data
        if not upload or not upload.filename:
            raise ValidationFailed({"file": gettext("Choose a JSON file to import")})
        return services.import_json(partnership, upload.read())

    done = submitted(form, save, gettext("The benchmark has been imported."), _to)
    return done or render_template("benchmarks/import.html", form=form, partnership=partnership)


@bp.route("/partnerships/<int:partnership_id>/benchmarks/import-spreadsheet", methods=["GET", "POST"])
def import_spreadsheet(partnership_id):
    partnership = require("create_benchmark", db.get_or_404(Partnership, partnership_id))
    form = ImportSpreadsheetForm()
    form.framework_id.choices = _framework_choices()
    row_errors = {}
    if form.validate_on_submit():
        upload = form.file.data
        values = {name: form[name].data for name in ("framework_id", "started_on", "ended_on", "reviewer")}
        try:
            result = services.import_table(partnership, values, upload.filename if upload else "",
                                           upload.read() if upload else b"", current_app.config["IMPORT_MAX_BYTES"])
        except ValidationFailed as failure:
            db.session.rollback()
            row_errors = {k: v for k, v in failure.errors.items() if k.startswith("row ")}
            show_on_form(form, ValidationFailed({k: v for k, v in failure.errors.items() if k not in row_errors}))
            if row_errors:
                form.form_errors.append(ngettext("%(num)d row of the file need correcting. Nothing has been imported.",
                                                 "%(num)d rows of the file need correcting. Nothing has been "
                                                 "imported.", len(row_errors)))
        else:
            # two counts, each with its own plural, in one sentence
            flash(gettext("Imported the benchmark: %(scores)s and %(key_issues)s.",
                          scores=ngettext("%(num)d score", "%(num)d scores", result.scores),
                          key_issues=ngettext("%(num)d key issue", "%(num)d key issues", result.key_issues)),
                  "success")
            return _to(result.benchmark)
    return render_template("benchmarks/import_spreadsheet.html", form=form, partnership=partnership,
                           row_errors=row_errors, frameworks=services.frameworks(), columns=services.sheet_header())


@bp.get("/benchmarks/template-<framework_key>.csv")
def spreadsheet_template(framework_key):
    framework = services.framework_by_key(framework_key)
    if framework is None:
        abort(404)
    return Response(csv_bytes(*services.template_rows(framework)), mimetype="text/csv",
                    headers=attachment(f"benchmark-template-{framework.key}.csv"))


@bp.get("/benchmarks/<int:benchmark_id>/export.<any(csv, xlsx):kind>")
def export_benchmark(benchmark_id, kind):
    benchmark = _benchmark(benchmark_id)
    header, rows = services.export_rows(benchmark)
    filename = f"{benchmark.partnership.name} benchmark {benchmark.started_on:%Y-%m}.{kind}".replace(" ", "-")
    if kind == "csv":
        return Response(csv_bytes(header, rows), mimetype="text/csv", headers=attachment(filename))
    return Response(xlsx_bytes(header, rows, title=gettext("Benchmark")),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=attachment(filename))


@bp.get("/benchmarks/<int:benchmark_id>")
def show_benchmark(benchmark_id):
    benchmark = _benchmark(benchmark_id)
    rows, previous, overall_reference = services.picture(benchmark)
    return render_template(
        "benchmarks/show.html", benchmark=benchmark, rows=rows, previous=previous,
        overall_reference=overall_reference, position=services.position_of(benchmark),
        lowest=services.lowest(rows), overall_findings=[f for f in benchmark.findings if f.component_id is None],
        without_action=services.without_action(benchmark),
        earlier=services.load_benchmark(previous.id) if previous else None,
        finding_state=services.finding_state, scale=services.SCALE, described_score=services.described_score,
        score_meaning=services.score_meaning, fates=services.fates)


@bp.route("/benchmarks/<int:benchmark_id>/components/<int:component_id>", methods=["GET", "POST"])
def edit_component(benchmark_id, component_id):
    benchmark = _benchmark(benchmark_id, "edit")
    component = db.get_or_404(Component, component_id)
    if component.framework_id != benchmark.framework_id:
        abort(404)
    entry = next(s for s in benchmark.scores if s.component_id == component.id)
    form = ComponentForm()
    if request.method == "GET":
        form.score.data = services.score_text(entry.score)
        form.commentary.data = entry.commentary
        form.key_issues.data = "\n".join(f.text for f in benchmark.findings if f.component_id == component.id)
    done = submitted(form, lambda: services.save_component(benchmark, component, form.score.data,
                                                        form.commentary.data, form.key_issues.data),
                  gettext("%(component)s has been saved.", component=component.title),
                  lambda _: _to(benchmark, f"component-{component.key}"))
    return done or render_template("benchmarks/component.html", form=form, benchmark=benchmark,
                                   component=component)


def _finding(finding_id):
    finding = db.get_or_404(Finding, finding_id)
    require("edit", finding.benchmark)
    return finding


@bp.route("/findings/<int:finding_id>/no-action", methods=["GET", "POST"])
def mark_no_action(finding_id):
    finding = _finding(finding_id)
    form = NoActionForm()
    done = submitted(form, lambda: services.mark_no_action(finding, form.reason.data),
                  gettext("The key issue is marked as needing no action."), lambda _: _to(finding.benchmark))
    return done or render_template("benchmarks/no_action.html", form=form, finding=finding,
                                   benchmark=finding.benchmark)


@bp.post("/findings/<int:finding_id>/needs-action")
def clear_no_action(finding_id):
    finding = _finding(finding_id)
    if ConfirmForm().validate_on_submit():
        services.clear_no_action(finding)
        flash(gettext("The key issue needs action again."), "success")
    return _to(finding.benchmark)
