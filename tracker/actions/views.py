import contextlib
import io
from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from tracker.actions import bulk, services, smart, state
from tracker.actions import milestones as milestone_items
from tracker.actions.evidence import STORAGE_FULL, refused_when_storage_full
from tracker.actions.forms import (
    COMPONENT_LABELS,
    WAITING,
    ActionForm,
    AssuranceForm,
    BulkChangeForm,
    DeadlineForm,
    DeadlineRuleForm,
    FilterForm,
    MilestoneForm,
    MoveDecisionForm,
    PerAgencyForm,
    ReasonForm,
    ReassignForm,
    SignOffForm,
    SignOffManyForm,
    UpdateForm,
)
from tracker.actions.models import Action, DeadlineChange, ProgressUpdate
from tracker.benchmarks.models import Finding
from tracker.benchmarks.services import finding_action_values
from tracker.enums import ActionSource, ActionStatus, MoveStatus, Rag
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm, page_marks, page_number, record_ids
from tracker.i18n import long_date
from tracker.partnerships.models import Partnership
from tracker.permissions import can, require
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.services import review_action_values
from tracker.spreadsheets import csv_lines
from tracker.web import attachment, hyphenated, submitted

bp = Blueprint("actions", __name__)


def _action(action_id, verb="view"):
    return require(verb, db.get_or_404(Action, action_id))


def _per_page():
    return current_app.config["ITEMS_PER_PAGE"]


def _show(action):
    return redirect(url_for("actions.show_action", action_id=action.id))


@bp.get("/my-actions")
def my_actions():
    today = state.london_today()
    page = services.my_actions(current_user, today, page_number(request.args), _per_page())
    return render_template("actions/mine.html", page=page, today=today)


def _filters_from(partnership, args):
    form = FilterForm(args)
    agencies, owners = services.filter_options(partnership)
    form.agency.choices = [("", gettext("Any agency")), *agencies]
    form.owner.choices = [("", gettext("Anyone")), *owners]
    # not validated: a filter value the list does not know is ignored below, not an error to show
    filters = services.ActionFilters(
        agency_id=form.agency.data, owner_id=form.owner.data,
        status=ActionStatus(form.status.data) if form.status.data in ActionStatus._value2member_map_ else None,
        rag=Rag(form.rag.data) if form.rag.data in Rag._value2member_map_ else None,
        overdue=bool(form.overdue.data),
        source=ActionSource(form.source.data) if form.source.data in ActionSource._value2member_map_ else None,
        component=form.component.data if form.component.data in COMPONENT_LABELS else None,
        waiting=form.waiting.data if form.waiting.data in dict(WAITING) else None,
        sort=form.sort.data or "deadline",
    )
    return form, filters


@bp.get("/partnerships/<int:partnership_id>/actions.csv")
def export_actions(partnership_id):
    """The filtered action list as CSV, streamed as it is read."""
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    _form, filters = _filters_from(partnership, request.args)
    user, today = current_user._get_current_object(), state.london_today()
    lines = csv_lines(services.export_header(), services.export_rows(user, partnership, filters, today))
    filename = hyphenated(f"{partnership.name} actions {today:%Y-%m-%d}")
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers=attachment(f"{filename}.csv"))


@bp.get("/partnerships/<int:partnership_id>/actions")
def list_actions(partnership_id):
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    form, filters = _filters_from(partnership, request.args)
    today = state.london_today()
    page = services.action_page(current_user, partnership, filters, today, page_number(request.args),
                                _per_page(), *page_marks(request.args))
    # the filters only: another parameter (`partnership_id`, say) would clash with the links' own arguments
    args = {field.name: value for field in form if (value := request.args.get(field.name))}
    # the boxes to tick for a bulk change carry the version each row shows, so a later edit is not overwritten
    versions = bulk.versions_of([action.id for action, _derived in page.items]) \
        if bulk.offers_bulk_changes(current_user, partnership) else None
    return render_template("actions/list.html", partnership=partnership, form=form, page=page, args=args,
                           today=today, component_labels=COMPONENT_LABELS, versions=versions,
                           filters=urlencode(args))


def _smart_of_form(form, deadline, created_on):
    return smart.smart_check(
        title=form.title.data, outcome=form.outcome.data, measure=form.measure.data, owner_id=form.owner_id.data,
        lead_agency_id=form.lead_agency_id.data, deadline=deadline,
        estimated_cost=form.estimated_cost.data, funding_source=form.funding_source.data,
        staff_time=form.staff_time.data, within_existing_resources=form.within_existing_resources.data,
        created_on=created_on)


@bp.route("/partnerships/<int:partnership_id>/actions/new", methods=["GET", "POST"])
@bp.route("/recommendations/<int:recommendation_id>/actions/new", methods=["GET", "POST"],
          endpoint="new_review_action")
@bp.route("/findings/<int:finding_id>/actions/new", methods=["GET", "POST"], endpoint="new_benchmark_action")
@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"], endpoint="edit_action")
def new_action(partnership_id=None, action_id=None, recommendation_id=None, finding_id=None):
    """One form for every action: of the strategy plan, of a review's recommendation, of a benchmark's finding."""
    action = recommendation = finding = None
    if action_id is not None:
        action = _action(action_id, "edit")
        partnership, recommendation, finding = action.partnership, action.recommendation, action.finding
    elif recommendation_id is not None:
        recommendation = require("edit", db.get_or_404(Recommendation, recommendation_id))
        partnership = recommendation.review.partnership
    elif finding_id is not None:
        finding = db.get_or_404(Finding, finding_id)
        require("edit", finding.benchmark)
        partnership = finding.benchmark.partnership
    else:
        partnership = require("create_action", db.get_or_404(Partnership, partnership_id))
    form = ActionForm(obj=action)
    if request.method == "GET" and action is None and (recommendation or finding) is not None:
        starting = review_action_values(recommendation) if recommendation else finding_action_values(finding)
        for name, value in starting.items():
            getattr(form, name).data = value
    form.set_people(partnership.agencies, services.agency_members(partnership.id))
    recommendations, findings = services.answerable(current_user, partnership)
    form.set_answers([r for r in recommendations if recommendation is None or r[0] != recommendation.id],
                     [f for f in findings if finding is None or f[0] != finding.id])
    if action is not None and action.deadline is not None:
        del form.deadline  # a set deadline moves only through "Move the deadline", with a reason
    conflict = None
    created_on = services.created_on(action) if action else state.london_today()
    if request.method == "POST" and "check" not in request.form and form.validate():
        try:
            saved = services.save_action(partnership, action, form.plan_values(), form.version.data,
                                         form.deadline.data if form.deadline else None, recommendation or finding,
                                         editor=current_user)
        except (services.StaleAction, StaleDataError):
            db.session.rollback()
            db.session.refresh(action)
            show_on_form(form, services.StaleAction(action))
            conflict = action
            form.version.data = action.version  # saving again now is a deliberate choice over their version
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(gettext("The action has been saved.") if action else gettext("The action has been added."),
                  "success")
            return _show(saved)
    elif request.method == "GET" and action is not None:
        form.version.data = action.version
        form.supporting_agency_ids.data = [a.id for a in action.supporting_agencies]
        form.also_recommendation_ids.data = [r.id for r in action.also_recommendations]
        form.also_finding_ids.data = [f.id for f in action.also_findings]
    if request.method == "POST" or action is None:
        letters = _smart_of_form(form, form.deadline.data if form.deadline else action.deadline, created_on)
    else:
        letters = smart.check_action(action, created_on)
    return render_template("actions/edit.html", form=form, partnership=partnership, action=action,
                           recommendation=recommendation, finding=finding, letters=letters, conflict=conflict,
                           component_labels=COMPONENT_LABELS)


#: what the action's page shows of the records around it, loaded with it: the same statements for an action of a
#: review, of a benchmark or of the strategy
SHOWN = (joinedload(Action.partnership), joinedload(Action.lead_agency), joinedload(Action.owner),
         joinedload(Action.closed_by),
         joinedload(Action.recommendation).joinedload(Recommendation.review).joinedload(Review.panel),
         joinedload(Action.finding).joinedload(Finding.component), selectinload(Action.supporting_agencies),
         selectinload(Action.also_recommendations).joinedload(Recommendation.review),
         selectinload(Action.also_findings).options(joinedload(Finding.component), joinedload(Finding.benchmark)),
         selectinload(Action.milestone_items))


@bp.get("/actions/<int:action_id>")
def show_action(action_id):
    action = require("view", db.get_or_404(Action, action_id, options=SHOWN))
    today = state.london_today()
    return render_template(
        "actions/show.html", action=action, derived=state.state_of(action, today), today=today,
        # a link to a review's recommendation is shown only to those who may open that review
        also_recommendations=[r for r in action.also_recommendations if can(current_user, "view", r)],
        letters=smart.check_action(action, services.created_on(action)), timeline=services.timeline(action),
        deadline_changes=action_deadline_changes(action), component_labels=COMPONENT_LABELS)


def action_deadline_changes(action):
    return db.session.scalars(db.select(DeadlineChange).where(DeadlineChange.action_id == action.id)
                              .order_by(DeadlineChange.at)).all()


def _act(action, form, template, change, success, **context):
    """Apply a change from a submitted form: on success back to the action, on refusal the form again with
    everything typed kept (a stale form also learns the current version, so saving again is deliberate)."""
    if request.method == "GET" and form.version.data is None:
        form.version.data = action.version
    if form.validate_on_submit():
        try:
            services.check_version(action, form.version.data)
            result = change()
        except (services.StaleAction, StaleDataError):
            db.session.rollback()
            show_on_form(form, services.StaleAction(db.session.get(Action, action.id)))
            form.version.data = db.session.get(Action, action.id).version
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(success(result) if callable(success) else success, "success")
            return _show(action)
    return render_template(template, form=form, action=action, **context)


@bp.route("/actions/<int:action_id>/update", methods=["GET", "POST"])
def post_update(action_id):
    action = _action(action_id, "update")
    if action.status is ActionStatus.CLOSED:
        flash(gettext("This action is closed. Reopen it to report more progress."), "error")
        return _show(action)
    form = UpdateForm()
    if request.method == "GET":
        form.status.data = action.status.value
        form.lead_assessment.data = action.lead_assessment.value if action.lead_assessment else None
        form.version.data = action.version

    def change():
        upload = form.evidence_file.data
        evidence = (upload.filename, upload.read()) if upload and upload.filename else None
        with refused_when_storage_full() if evidence else contextlib.nullcontext():
            services.post_update(
                action, current_user, note=form.note.data, status=form.status.data,
                lead_assessment=form.lead_assessment.data, blocked_reason=form.blocked_reason.data,
                evidence_url=form.evidence_url.data, evidence_upload=evidence,
                completion_note=form.completion_note.data, expected_version=form.version.data)

    page = _act(action, form, "actions/update.html", change,
                gettext("Your update has been added to the action's timeline."))
    # 507 Insufficient Storage: the server refused the file, not the person's input
    return (page, 507) if gettext(STORAGE_FULL) in form.evidence_file.errors else page


def _milestones_of(action_id, verb=None):
    """An action whose milestones this person may keep: those who edit its plan add and remove them (`verb`
    "edit"); those who report its progress mark them done."""
    action = db.get_or_404(Action, action_id)
    if not any(can(current_user, v, action) for v in ([verb] if verb else ["update", "edit"])):
        abort(403)
    return action


@bp.route("/actions/<int:action_id>/milestones", methods=["GET", "POST"])
def milestones(action_id):
    """The action's milestones, each with a button to mark it done (or not done after all), and a form to add one."""
    action = _milestones_of(action_id, "edit" if request.method == "POST" else None)
    form = MilestoneForm()
    done = submitted(form, lambda: milestone_items.add_milestone(action, form.title.data, form.due_on.data),
                     gettext("The milestone has been added."),
                     lambda _: redirect(url_for("actions.milestones", action_id=action.id)))
    return done or render_template("actions/milestones.html", action=action, form=form, today=state.london_today())


@bp.post("/actions/<int:action_id>/milestones/<int:milestone_id>/done")
def mark_milestone(action_id, milestone_id):
    action = _milestones_of(action_id, "update")
    is_done = request.form.get("done") == "y"
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            changed = milestone_items.mark_done(action, milestone_id, is_done)
        except ValidationFailed:
            abort(404)
        flash(gettext("‘%(milestone)s’ is marked done.", milestone=changed.title) if is_done else
              gettext("‘%(milestone)s’ is marked not done.", milestone=changed.title), "success")
    return redirect(url_for("actions.milestones", action_id=action.id))


@bp.route("/actions/<int:action_id>/milestones/<int:milestone_id>/remove", methods=["GET", "POST"])
def remove_milestone(action_id, milestone_id):
    action = _milestones_of(action_id, "edit")
    milestone = next((m for m in action.milestone_items if m.id == milestone_id), None)
    if milestone is None:
        abort(404)
    form = ConfirmForm()
    done = submitted(form, lambda: milestone_items.remove_milestone(action, milestone_id),
                     gettext("The milestone has been removed."),
                     lambda _: redirect(url_for("actions.milestones", action_id=action.id)))
    return done or render_template("actions/remove_milestone.html", action=action, milestone=milestone, form=form)


@bp.route("/recommendations/<int:recommendation_id>/actions/per-agency", methods=["GET", "POST"])
def actions_per_agency(recommendation_id):
    """An "all agencies should…" recommendation turned into one action per agency it names, in one step."""
    recommendation = require("edit", db.get_or_404(Recommendation, recommendation_id))
    shares = services.shares_of(recommendation, current_user)
    form = PerAgencyForm()
    form.agency_ids.choices = [(share.agency.id, share.agency.name) for share in shares]
    if request.method == "GET":
        form.agency_ids.data = [share.agency.id for share in shares if not share.actions]
    if form.validate_on_submit():
        try:
            created = services.actions_per_agency(
                recommendation, form.agency_ids.data,
                {"title": form.title.data, "outcome": form.outcome.data, "measure": form.measure.data},
                form.deadline.data)
        except ValidationFailed as failure:
            db.session.rollback()
            show_on_form(form, failure)
        else:
            flash(ngettext("%(num)d action added, one for each agency chosen. Each agency names its owner.",
                           "%(num)d actions added, one for each agency chosen. Each agency names its owner.",
                           len(created)), "success")
            return redirect(url_for("reviews.show_review", review_id=recommendation.review_id))
    return render_template("actions/per_agency.html", recommendation=recommendation, shares=shares, form=form)


@bp.get("/actions/<int:action_id>/evidence/<int:update_id>")
def download_evidence(action_id, update_id):
    action = _action(action_id)
    update = db.get_or_404(ProgressUpdate, update_id)
    if update.action_id != action.id or update.evidence_file is None:
        abort(404)
    evidence = update.evidence_file
    return send_file(io.BytesIO(evidence.data), mimetype=evidence.content_type, as_attachment=True,
                     download_name=evidence.filename)


@bp.route("/actions/<int:action_id>/deadline", methods=["GET", "POST"])
def move_deadline(action_id):
    action = _action(action_id, "move_deadline")
    form = DeadlineForm()
    if request.method == "GET":
        form.version.data = action.version
    return _act(action, form, "actions/deadline.html",
                lambda: services.move_deadline(action, current_user, form.deadline.data, form.reason.data,
                                               form.version.data),
                lambda change: gettext("Your request to move the deadline to %(date)s has been sent for approval. "
                                       "Until it is approved, the current deadline stands.",
                                       date=long_date(change.to_date))
                if change.status is MoveStatus.REQUESTED else
                gettext("The deadline has been moved. The original date and your reason are kept."),
                pending=services.pending_move(action), approves=can(current_user, "approve_deadline", action))


@bp.route("/partnerships/<int:partnership_id>/sign-off", methods=["GET", "POST"])
def sign_off_queue(partnership_id):
    """Completed actions awaiting sign-off; several signed off at once with one minute reference."""
    from tracker.home.queues import sign_off_queue as queue

    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    form = SignOffManyForm()
    page = queue(current_user, partnership, page_number(request.args), _per_page())
    mine = {action.id: action for action, may in page.rows if may}
    form.action_ids.choices = [(action_id, "") for action_id in mine]
    if request.method == "GET":
        form.closed_on.data = state.london_today()
    done = submitted(form, lambda: services.sign_off_many(
        [mine[i] for i in form.action_ids.data if i in mine], current_user, reference=form.reference.data,
        closed_on=form.closed_on.data),
        gettext("The chosen actions have been signed off and closed; their owners and agency leads are told."),
        lambda _: redirect(url_for("actions.sign_off_queue", partnership_id=partnership.id)))
    return done or render_template("actions/sign_off_queue.html", form=form, partnership=partnership, page=page)


@bp.route("/partnerships/<int:partnership_id>/deadline-rule", methods=["GET", "POST"])
def deadline_rule(partnership_id):
    """The partnership's rule on which deadline moves wait for approval."""
    partnership = require("manage", db.get_or_404(Partnership, partnership_id))
    form = DeadlineRuleForm(obj=partnership)
    if request.method == "GET":
        form.deadline_approval.data = partnership.deadline_approval.value
    done = submitted(form, lambda: services.save_deadline_rule(partnership, form.deadline_approval.data,
                                                               form.deadline_approval_days.data),
                     gettext("The rule on deadline moves has been saved."),
                     lambda _: redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id)))
    return done or render_template("actions/deadline_rule.html", form=form, partnership=partnership)


@bp.route("/deadline-requests/<int:change_id>", methods=["GET", "POST"])
def decide_move(change_id):
    """Approve or refuse a requested deadline move, with a reason for a refusal."""
    change = db.get_or_404(DeadlineChange, change_id)
    action = _action(change.action_id, "approve_deadline")
    form = MoveDecisionForm()
    if change.status is not MoveStatus.REQUESTED:
        flash(gettext("This request was already %(decision)s.", decision=change.status.label.lower()), "success")
        return _show(action)
    done = submitted(form, lambda: services.decide_move(change, current_user, form.decision.data == "approve",
                                                        form.reason.data),
                     gettext("The decision has been recorded and the people delivering the action told."),
                     lambda _: _show(action))
    return done or render_template("actions/decide_move.html", form=form, action=action, change=change)


@bp.route("/actions/<int:action_id>/sign-off", methods=["GET", "POST"])
def sign_off(action_id):
    action = _action(action_id, "sign_off")
    form = SignOffForm()
    if request.method == "GET":
        form.closed_on.data = state.london_today()
    return _act(action, form, "actions/sign_off.html",
                lambda: services.sign_off(action, current_user, outcome=form.outcome.data,
                                          reference=form.reference.data, reason=form.reason.data,
                                          closed_on=form.closed_on.data,
                                          assurance_check_on=form.assurance_check_on.data),
                gettext("The action has been signed off and closed."))


@bp.route("/actions/<int:action_id>/reopen", methods=["GET", "POST"])
def reopen(action_id):
    action = _action(action_id, "reopen")
    form = ReasonForm()
    return _act(action, form, "actions/reopen.html",
                lambda: services.reopen(action, current_user, form.reason.data),
                gettext("The action has been reopened and is in progress again."))


@bp.route("/actions/<int:action_id>/assurance", methods=["GET", "POST"])
def confirm_assurance(action_id):
    action = _action(action_id, "confirm_assurance")
    form = AssuranceForm()
    return _act(action, form, "actions/assurance.html",
                lambda: services.confirm_assurance(action, current_user, form.note.data),
                gettext("The assurance check has been recorded."))


@bp.route("/partnerships/<int:partnership_id>/actions/reassign", methods=["GET", "POST"])
def reassign(partnership_id):
    partnership = require("reassign_actions", db.get_or_404(Partnership, partnership_id))
    form = ReassignForm(request.form if request.method == "POST" else request.args)
    owners = services.owners_in(partnership)
    members = services.agency_members(partnership.id)
    form.from_user_id.choices = [("", gettext("Choose a person")), *[(u.id, u.name) for u in owners]]
    everyone = {u.id: u for people in members.values() for u in people}
    form.to_user_id.choices = [("", gettext("Choose a person")),
                               *[(u.id, u.name) for u in sorted(everyone.values(), key=lambda u: u.name.lower())]]
    actions = services.open_actions_of(partnership, form.from_user_id.data) if form.from_user_id.data else []
    if request.method == "POST" and form.validate_on_submit():
        chosen = record_ids(request.form.getlist("action_ids"))
        if not form.to_user_id.data:
            form.to_user_id.errors.append(gettext("Choose the new owner"))
        elif form.to_user_id.data == form.from_user_id.data:
            form.to_user_id.errors.append(gettext("Choose someone other than the current owner"))
        else:
            try:
                moved = services.reassign_owner(partnership, form.from_user_id.data, form.to_user_id.data, chosen)
            except ValidationFailed as failure:
                show_on_form(form, failure)
            else:
                flash(ngettext("%(num)d action reassigned to %(name)s.", "%(num)d actions reassigned to %(name)s.",
                               len(moved), name=everyone[form.to_user_id.data].name), "success")
                return redirect(url_for("actions.list_actions", partnership_id=partnership.id,
                                        owner=form.to_user_id.data))
    return render_template("actions/reassign.html", form=form, partnership=partnership, actions=actions,
                           chosen=set(request.form.getlist("action_ids")) if request.method == "POST" else None)


# Changing several actions at once: the list's ticked boxes (or every action its filters match), then what to change
# and to what, then a check of what will change and what will not, then the change and its summary


def _bulk_choice(partnership, user):
    """The actions a bulk change is for, as the form sends them: every action the list's filters match, read
    again now, or the boxes ticked (each with the version its row showed); and the filters, for the way back."""
    args = MultiDict(parse_qsl(request.form.get("filters", "")))
    shown = {field.name: value for field in FilterForm(args) if (value := args.get(field.name))}
    all_matching = request.form.get("all_matching") == "y"
    if all_matching:
        _form, filters = _filters_from(partnership, args)
        picks, total = bulk.matching(user, partnership, filters, state.london_today())
    else:
        picks = bulk.read_picks([*request.form.getlist("chosen"), request.form.get("picks", "")])
        total = len(picks)
    return {"picks": picks, "total": total, "all_matching": all_matching, "args": shown,
            "filters": urlencode(shown)}


def _bulk_form(partnership, formdata):
    form = BulkChangeForm(formdata)
    agencies, members, themes = bulk.change_options(partnership)
    form.set_options(bulk.ChangeKind.choices(), agencies, members, themes)
    return form, members


def _back_to_list(partnership, choice, message):
    flash(message, "error")
    return redirect(url_for("actions.list_actions", partnership_id=partnership.id, **choice["args"]))


def _carried(form, choice, picks):
    """What the confirmation sends on: the change as typed and the actions chosen."""
    fields = [("kind", form.kind.data), *[(name, request.form.get(name, ""))
                                          for name in form.FIELDS[form.kind.data].values()]]
    return [*fields, ("picks", picks.as_text()), ("all_matching", "y" if choice["all_matching"] else ""),
            ("filters", choice["filters"])]


@bp.route("/partnerships/<int:partnership_id>/actions/bulk", methods=["GET", "POST"])
def bulk_change(partnership_id):
    """Change several actions at once: what to change and to what, then a check of what it would do. Nothing
    changes until the person confirms (bulk_apply)."""
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    if request.method == "GET":  # the actions come from the list's form
        return redirect(url_for("actions.list_actions", partnership_id=partnership.id))
    user = current_user._get_current_object()
    choice = _bulk_choice(partnership, user)
    if not choice["total"]:
        return _back_to_list(partnership, choice, gettext("Choose the actions to change: tick them in the "
                                                          "list, or choose all that match the filters."))
    # the steps: what kind of change ("kind"), then its value ("check"), then the check of what it would do;
    # "again" goes back to the kind, keeping the one chosen
    step, again = request.form.get("step"), bool(request.form.get("again"))
    form, members = _bulk_form(partnership, request.form if step in ("kind", "check") else None)
    too_many = bulk.too_many(choice["total"]) if choice["total"] > bulk.MAX_ACTIONS else None
    valid = step in ("kind", "check") and form.validate()
    stage = "value" if step in ("kind", "check") and form.kind.data in form.FIELDS and not again else "kind"
    if again or (step == "kind" and stage == "value"):
        form.clear_errors()  # nothing typed yet to be wrong
    elif step == "check" and valid and not too_many:
        try:
            change = bulk.change_from(form.kind.data, form.values())
            outcome = bulk.preview(user, partnership, choice["picks"], change)
        except ValidationFailed as failure:
            form.show(failure)
        else:
            return render_template("actions/bulk_confirm.html", partnership=partnership, outcome=outcome,
                                   described=bulk.describe(change, partnership, members), choice=choice,
                                   carried=_carried(form, choice, choice["picks"]), changed_since=None)
    return render_template("actions/bulk.html", partnership=partnership, form=form, choice=choice,
                           too_many=too_many, stage=stage)


@bp.post("/partnerships/<int:partnership_id>/actions/bulk/apply")
def bulk_apply(partnership_id):
    """Make the confirmed change to each action chosen, and say what changed, what waits for approval and what was
    refused, with why. Every action is checked again now: visibility, permission, its version and its status."""
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    user = current_user._get_current_object()
    choice = _bulk_choice(partnership, user)
    confirmed = bulk.read_picks([request.form.get("picks", "")])
    if not len(confirmed):
        return _back_to_list(partnership, choice, gettext("Choose the actions to change: tick them in the "
                                                          "list, or choose all that match the filters."))
    form, members = _bulk_form(partnership, request.form)
    if form.validate():
        try:
            change = bulk.change_from(form.kind.data, form.values())
            if choice["all_matching"] and set(choice["picks"].versions) != set(confirmed.versions):
                # the filters now select other actions than those confirmed: confirm again, nothing changed yet
                outcome = bulk.preview(user, partnership, choice["picks"], change)
                return render_template(
                    "actions/bulk_confirm.html", partnership=partnership, outcome=outcome,
                    described=bulk.describe(change, partnership, members), choice=choice,
                    carried=_carried(form, choice, choice["picks"]), changed_since=len(confirmed))
            outcome = bulk.apply(user, partnership, confirmed, change)
        except ValidationFailed as failure:
            form.show(failure)
        else:
            return render_template("actions/bulk_done.html", partnership=partnership, outcome=outcome,
                                   described=bulk.describe(change, partnership, members), choice=choice)
    choice = {**choice, "picks": confirmed, "total": len(confirmed)}
    return render_template("actions/bulk.html", partnership=partnership, form=form, choice=choice, too_many=None,
                           stage="value" if form.kind.data in form.FIELDS else "kind")
