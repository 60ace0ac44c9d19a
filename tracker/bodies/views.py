"""The loop with bodies beyond the partnership, from both ends: the partnership sends and assesses (/external/…),
the body's contact reads and answers (/bodies/<id>/recommendations, /answers/…); administrators keep the list of
bodies and their contacts."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from tracker.actions.state import london_today
from tracker.bodies import contacts, services
from tracker.bodies.forms import (
    AssessmentForm,
    BodyAnswerForm,
    BodyForm,
    ContactForm,
    ProgressForm,
    RecordedResponseForm,
    SendForm,
    SendSeveralForm,
    StepForm,
)
from tracker.bodies.models import BodyContact, ExternalBody, ResponseStep
from tracker.extensions import db
from tracker.forms import ConfirmForm, options, page_number
from tracker.permissions import can, require
from tracker.reviews.models import Review
from tracker.reviews.views import refuse_if_archived
from tracker.web import submitted

bp = Blueprint("bodies", __name__)


def _loop(item_id, verb):
    item = services.loop_of(item_id)
    if item is None:
        abort(404)
    if verb in ("send", "record_response", "assess"):
        refuse_if_archived(item.recommendation.review)
    return require(verb, item)


def _to_loop(item):
    return redirect(url_for("bodies.show_loop", item_id=item.id))


def _to_answer(item):
    return redirect(url_for("bodies.answer", item_id=item.id))


def _values(form):
    return {name: field.data for name, field in form._fields.items() if name not in ("csrf_token", "version")}


# The list of bodies (administrators)


@bp.get("/bodies")
def list_bodies():
    require("manage_bodies")
    return render_template("bodies/list.html", bodies=services.all_bodies(), counts=contacts.contact_counts())


@bp.route("/bodies/new", methods=["GET", "POST"])
@bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
def edit_body(body_id=None):
    require("manage_bodies")
    body = db.get_or_404(ExternalBody, body_id) if body_id else None
    form = BodyForm(obj=body)
    done = submitted(form, lambda: services.save_body(body, form.name.data, form.kind.data),
                     gettext("The body has been saved."),
                     lambda saved: redirect(url_for("bodies.body_contacts", body_id=saved.id)))
    return done or render_template("bodies/edit.html", form=form, body=body)


@bp.route("/bodies/<int:body_id>/contacts", methods=["GET", "POST"])
def body_contacts(body_id):
    require("manage_bodies")
    body = db.get_or_404(ExternalBody, body_id)
    form = ContactForm()
    done = submitted(form, lambda: contacts.add_contact(body, form.name.data, form.email.data, current_user),
                     gettext("The contact has been added."),
                     lambda _: redirect(url_for("bodies.body_contacts", body_id=body.id)))
    return done or render_template("bodies/contacts.html", form=form, body=body,
                                   people=contacts.people_of(body))


@bp.route("/bodies/<int:body_id>/contacts/<int:contact_id>/remove", methods=["GET", "POST"])
def remove_contact(body_id, contact_id):
    require("manage_bodies")
    contact = db.get_or_404(BodyContact, contact_id)
    if contact.body_id != body_id:
        abort(404)
    form = ConfirmForm()
    body = contact.body
    done = submitted(form, lambda: contacts.remove_contact(contact),
                     gettext("%(name)s no longer answers for %(body)s.", name=contact.user.name, body=body.name),
                     lambda _: redirect(url_for("bodies.body_contacts", body_id=body.id)))
    return done or render_template("bodies/remove_contact.html", form=form, contact=contact, body=body)


# The partnership's side


@bp.get("/external/<int:item_id>")
def show_loop(item_id):
    item = _loop(item_id, "view")
    return render_template("bodies/loop.html", item=item, review=item.recommendation.review,
                           state=services.loop_state(item), named=services.people_named(item),
                           contacts=services.contacts_of(item.body_id), recheck_due=services.recheck_due(item))


@bp.route("/external/<int:item_id>/send", methods=["GET", "POST"])
def send(item_id):
    item = _loop(item_id, "send")
    review = item.recommendation.review
    if item.sent_on is not None:
        return _to_loop(item)
    form = SendForm()
    if request.method == "GET":
        form.sent_on.data = london_today()
        form.shared_text.data = item.shared_text
    done = submitted(form, lambda: services.send(item, current_user, form.sent_on.data, form.shared_text.data),
                     gettext("Recommendation %(number)s has been sent to %(body)s.",
                             number=item.recommendation.number, body=item.body.name), lambda _: _to_loop(item))
    return done or render_template("bodies/send.html", form=form, item=item, review=review,
                                   contacts=services.contacts_of(item.body_id))


@bp.route("/reviews/<int:review_id>/send-to-bodies", methods=["GET", "POST"])
def send_several(review_id):
    review = db.get_or_404(Review, review_id)
    refuse_if_archived(review)
    require("manage", review.partnership)
    unsent = services.unsent_of(review)
    form = SendSeveralForm()
    form.item_ids.choices = options([(item.id, item.id) for item in unsent])
    if request.method == "GET":
        form.sent_on.data = london_today()
        form.item_ids.data = [item.id for item in unsent]
    done = submitted(form, lambda: services.send_several(review, current_user, form.sent_on.data,
                                                         form.item_ids.data),
                     gettext("The recommendations have been sent."),
                     lambda _: redirect(url_for("reviews.show_review", review_id=review.id)))
    return done or render_template("bodies/send_several.html", form=form, review=review, unsent=unsent)


@bp.route("/external/<int:item_id>/response", methods=["GET", "POST"])
def record_response(item_id):
    item = _loop(item_id, "record_response")
    form = RecordedResponseForm(obj=item)
    if request.method == "GET":
        form.version.data = item.version
        form.stance.data = item.stance.value if item.stance else None
    done = submitted(form, lambda: services.record_response(item, _values(form), current_user, by_body=False,
                                                            expected_version=form.version.data),
                     gettext("The answer has been recorded."), lambda _: _to_loop(item))
    return done or render_template("bodies/record_response.html", form=form, item=item,
                                   review=item.recommendation.review)


@bp.route("/external/<int:item_id>/assess", methods=["GET", "POST"])
def assess(item_id):
    item = _loop(item_id, "assess")
    form = AssessmentForm(obj=item)
    if request.method == "GET":
        form.version.data = item.version
        form.assessment.data = item.assessment.value if item.assessment else None
        form.assessed_on.data = None
        form.recheck_on.data = None
    done = submitted(form, lambda: services.assess(item, _values(form), current_user,
                                                   expected_version=form.version.data),
                     gettext("The assessment has been recorded."),
                     lambda _: _to_loop(item) if can(current_user, "view", item) else redirect(
                         url_for("register.show", item_id=item.id)))
    return done or render_template("bodies/assess.html", form=form, item=item, state=services.loop_state(item),
                                   shown_text=services.shown_text(item))


# The body's side


@bp.get("/bodies/<int:body_id>/recommendations")
def inbox(body_id):
    found = services.body_with_counts(body_id)
    if found is None:
        abort(404)
    body, counts = require("answer_for", found[0]), found[1]
    state = request.args.get("state") if request.args.get("state") in services.TABS else ""
    rows = services.inbox(body, state, page_number(request.args), counts.of_tab(state))
    today = london_today()
    return render_template("bodies/inbox.html", body=body, rows=rows, state=state, counts=counts,
                           states={row[0].id: services.loop_state(row[0], today) for row in rows.items})


@bp.route("/answers/<int:item_id>", methods=["GET", "POST"])
def answer(item_id):
    item = _loop(item_id, "read_as_body")
    duplicates = _unanswered_duplicates(item)
    form = BodyAnswerForm(obj=item)
    form.also_ids.choices = options([(other.id, other.id) for other in duplicates])
    if request.method == "GET":
        form.version.data = item.version
        form.stance.data = item.stance.value if item.stance else None
        form.also_ids.data = []
    done = request.method == "POST" and require("respond", item) and submitted(
        form, lambda: services.answer_several(
            item, services.loops_of([other.id for other in duplicates if other.id in set(form.also_ids.data or [])]),
            _values(form), current_user, expected_version=form.version.data),
        gettext("Your answer has been recorded. The partnership can see it now."), lambda _: _to_answer(item))
    return done or _answer_page(item, duplicates, form=form)


def _unanswered_duplicates(item):
    """Recommendations sent to the same body, still awaiting its answer, that say nearly the same as this one: one
    answer may serve them all."""
    from tracker.register.services import duplicates_of

    if not can(current_user, "respond", item):
        return []
    return [other for other in duplicates_of(item.id, item.body_id) if other.is_awaited]


def _answer_page(item, duplicates=None, **forms):
    duplicates = _unanswered_duplicates(item) if duplicates is None else duplicates
    blank = {"form": lambda: BodyAnswerForm(formdata=None, obj=item), "step_form": lambda: StepForm(formdata=None),
             "progress_form": lambda: ProgressForm(formdata=None)}
    forms = {name: forms[name] if name in forms else make() for name, make in blank.items()}
    if forms["form"].version.data is None:
        forms["form"].version.data = item.version
    return render_template("bodies/answer.html", item=item, state=services.loop_state(item),
                           shown_text=services.shown_text(item), review=item.recommendation.review,
                           can_respond=can(current_user, "respond", item), duplicates=duplicates, **forms)


@bp.post("/answers/<int:item_id>/steps")
def add_step(item_id):
    item = _loop(item_id, "respond")
    form = StepForm()
    done = submitted(form, lambda: services.add_step(item, form.text.data, form.due_on.data),
                     gettext("The planned action has been added."), lambda _: _to_answer(item))
    return done or _answer_page(item, step_form=form)


@bp.post("/answers/<int:item_id>/steps/<int:step_id>/done")
def step_done(item_id, step_id):
    item = _loop(item_id, "respond")
    step = db.get_or_404(ResponseStep, step_id)
    form = ConfirmForm()
    if step.item_id != item.id:
        abort(404)
    if form.validate_on_submit():
        services.mark_step(step, None if step.done_on else london_today())
    return _to_answer(item)


@bp.post("/answers/<int:item_id>/progress")
def add_progress(item_id):
    item = _loop(item_id, "respond")
    form = ProgressForm()
    done = submitted(form, lambda: services.add_progress(item, form.note.data, current_user),
                     gettext("The progress has been recorded."), lambda _: _to_answer(item))
    return done or _answer_page(item, progress_form=form)
