import contextlib
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user

from tracker.actions.evidence import STORAGE_FULL, refused_when_storage_full
from tracker.actions.services import shares_of
from tracker.actions.state import london_today
from tracker.bodies.services import all_bodies, loop_items
from tracker.extensions import db
from tracker.forms import ConfirmForm, page_number
from tracker.partnerships.models import Partnership
from tracker.permissions import can, require
from tracker.reviews import retention, services
from tracker.reviews.forms import (
    ArchiveForm,
    EndPauseForm,
    FamilyContactForm,
    NotReviewedForm,
    PanelDetailsForm,
    PanelMemberForm,
    PauseForm,
    PublishForm,
    RecommendationForm,
    ReviewForm,
    TermsForm,
    ThemeForm,
)
from tracker.reviews.models import FamilyContact, PanelMember, Recommendation, Review, Theme
from tracker.web import submitted

bp = Blueprint("reviews", __name__)


def _review(review_id, verb="view"):
    review = db.get_or_404(Review, review_id)
    if verb != "view":
        refuse_if_archived(review)
    return require(verb, review)


def _recommendation(recommendation_id):
    """A recommendation to change."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    refuse_if_archived(recommendation.review)
    return require("edit", recommendation)


def refuse_if_archived(review):
    """An archived review is kept as it was: whoever can open it is told so, rather than refused without a word."""
    if review.is_archived and can(current_user, "view", review):
        flash(gettext("This review is archived: it is kept as it was and can no longer be changed."), "error")
        abort(_to_review(review))


def _to_review(review):
    return redirect(url_for("reviews.show_review", review_id=review.id))


@bp.get("/partnerships/<int:partnership_id>/reviews")
def list_reviews(partnership_id):
    partnership = require("view", db.get_or_404(Partnership, partnership_id))
    page = services.reviews_for(current_user, partnership, page_number(request.args),
                                current_app.config["ITEMS_PER_PAGE"])
    today = london_today()
    return render_template("reviews/list.html", partnership=partnership, page=page,
                           reviews=[(r, services.timeliness(r, today)) for r in page.items])


@bp.route("/partnerships/<int:partnership_id>/reviews/new", methods=["GET", "POST"])
@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"], endpoint="edit_review")
def new_review(partnership_id=None, review_id=None):
    if review_id is not None:
        review = _review(review_id, "edit")
        partnership = review.partnership
    else:
        review = None
        partnership = require("create_review", db.get_or_404(Partnership, partnership_id))
    types = services.types_offered(partnership, review)
    form = ReviewForm(obj=review, review_type=types[0].value)
    form.offer(types, services.stages_offered(review))
    done = submitted(form, lambda: services.save_review(partnership, review, form.review_values(), current_user),
                     gettext("The review has been saved."), _to_review)
    return done or render_template("reviews/edit.html", form=form, partnership=partnership, review=review,
                                   types=types)


@bp.route("/reviews/<int:review_id>/publish", methods=["GET", "POST"])
def publish_review(review_id):
    """Says who will be able to see what before the coordinator or panel chair opens the review to them."""
    review = _review(review_id, "publish")
    if review.is_published:
        flash(gettext("The review is already published."), "success")
        return _to_review(review)
    form = PublishForm()
    if request.method == "GET":
        form.published_on.data = london_today()
    done = submitted(form, lambda: services.publish_review(review, current_user, form.published_on.data,
                                                            form.publication_url.data, form.pseudonym_in_report.data),
                     gettext("%(reference)s is published: every member of the partnership can now read it.",
                             reference=review.reference),
                     lambda _: _to_review(review))
    return done or render_template("reviews/publish.html", form=form, review=review,
                                   audience=services.publication_audience(review))


@bp.get("/reviews/<int:review_id>")
def show_review(review_id):
    review = _review(review_id)
    services.log_view(review, current_user)
    recommendations = services.recommendations_of(review)
    return render_template(
        "reviews/show.html", review=review, recommendations=recommendations,
        states={r.id: services.recommendation_state(r) for r in recommendations},
        loops=loop_items(recommendations), unsent=any(i.sent_on is None for r in recommendations for i in r.addressed),
        timeliness=services.timeliness(review), completed_on=services.plan_completed_on(recommendations),
        steps=services.steps(review, recommendations), died=services.when_died(review),
        involvement=services.family_involvement(review))


@bp.route("/reviews/<int:review_id>/panel", methods=["GET", "POST"])
def manage_panel(review_id):
    review = _review(review_id, "manage_panel")
    form = PanelMemberForm()
    form.user_id.choices = [("", gettext("Choose a person")),
                            *[(u.id, u.name) for u in services.panel_candidates(review)]]
    form.offer(review.partnership.agencies)
    done = submitted(form, lambda: services.add_panel_member(review, form.user_id.data, form.is_chair.data,
                                                             form.details()),
                  gettext("The panel has been updated."), lambda _: redirect(url_for("reviews.manage_panel",
                                                                          review_id=review.id)))
    return done or render_template("reviews/panel.html", form=form, review=review)


@bp.route("/reviews/<int:review_id>/panel/<int:member_id>/edit", methods=["GET", "POST"])
def edit_panel_member(review_id, member_id):
    review = _review(review_id, "manage_panel")
    member = db.get_or_404(PanelMember, member_id)
    if member.review_id != review.id:
        abort(404)
    form = PanelDetailsForm(obj=member)
    form.offer(review.partnership.agencies, member)
    done = submitted(form, lambda: services.edit_panel_member(member, form.is_chair.data, form.details()),
                     gettext("%(name)s's details have been saved.", name=member.user.name),
                     lambda _: redirect(url_for("reviews.manage_panel", review_id=review.id)))
    return done or render_template("reviews/panel_member.html", form=form, review=review, member=member)


@bp.route("/reviews/<int:review_id>/panel/<int:member_id>/remove", methods=["GET", "POST"])
def remove_panel_member(review_id, member_id):
    review = _review(review_id, "manage_panel")
    member = db.get_or_404(PanelMember, member_id)
    if member.review_id != review.id:
        abort(404)
    form = ConfirmForm()
    done = submitted(form, lambda: services.remove_panel_member(member),
                     gettext("%(name)s has left the panel.", name=member.user.name),
                  lambda _: redirect(url_for("reviews.manage_panel", review_id=review.id)))
    return done or render_template("reviews/remove_panel_member.html", form=form, review=review, member=member)


@bp.route("/reviews/<int:review_id>/not-reviewed", methods=["GET", "POST"])
def record_not_reviewed(review_id):
    """The partnership's decision not to commission a review, and the Home Office's answer."""
    review = _review(review_id, "edit")
    form = NotReviewedForm(obj=review)
    done = submitted(form, lambda: services.record_not_reviewed(review, form.values()),
                     gettext("The decision not to review has been recorded."), lambda _: _to_review(review))
    return done or render_template("reviews/not_reviewed.html", form=form, review=review)


@bp.route("/reviews/<int:review_id>/terms", methods=["GET", "POST"])
def edit_terms(review_id):
    review = _review(review_id, "edit")
    # not obj=review.terms: its file is the stored record, which the form's file field must never take for an upload
    form = TermsForm(text=review.terms.text if review.terms else "")

    def save():
        upload = form.file.data
        upload = (upload.filename, upload.read()) if upload and upload.filename else None
        with refused_when_storage_full("file") if upload else contextlib.nullcontext():
            services.save_terms(review, form.text.data, upload, form.remove_file.data)

    done = submitted(form, save, gettext("The terms of reference have been saved."), lambda _: _to_review(review))
    page = done or render_template("reviews/terms.html", form=form, review=review)
    # 507 Insufficient Storage: the server refused the file, not the person's input
    return (page, 507) if gettext(STORAGE_FULL) in form.file.errors else page


@bp.get("/reviews/<int:review_id>/terms/file")
def download_terms(review_id):
    review = _review(review_id)
    if review.terms is None or review.terms.file is None:
        abort(404)
    services.log_view(review, current_user)
    upload = review.terms.file
    return send_file(io.BytesIO(upload.data), mimetype=upload.content_type, as_attachment=True,
                     download_name=upload.filename)


@bp.get("/reviews/<int:review_id>/family")
def family(review_id):
    """Family and friends' involvement: personal data, seen only by whoever can open the review, each view logged
    while it is unpublished."""
    review = _review(review_id)
    services.log_view(review, current_user)
    return render_template("reviews/family.html", review=review, involvement=services.family_involvement(review))


def _family_contact(review_id, contact_id):
    review = _review(review_id, "edit")
    contact = db.get_or_404(FamilyContact, contact_id)
    if contact.review_id != review.id:
        abort(404)
    return review, contact


@bp.route("/reviews/<int:review_id>/family/new", methods=["GET", "POST"])
@bp.route("/reviews/<int:review_id>/family/<int:contact_id>/edit", methods=["GET", "POST"],
          endpoint="edit_family_contact")
def new_family_contact(review_id, contact_id=None):
    review, contact = _family_contact(review_id, contact_id) if contact_id else (_review(review_id, "edit"), None)
    form = FamilyContactForm(obj=contact)
    done = submitted(form, lambda: services.save_family_contact(review, contact, form.values()),
                     gettext("The family contact has been saved."),
                     lambda _: redirect(url_for("reviews.family", review_id=review.id)))
    return done or render_template("reviews/family_contact.html", form=form, review=review, contact=contact)


@bp.route("/reviews/<int:review_id>/family/<int:contact_id>/remove", methods=["GET", "POST"])
def remove_family_contact(review_id, contact_id):
    review, contact = _family_contact(review_id, contact_id)
    form = ConfirmForm()
    done = submitted(form, lambda: services.remove_family_contact(contact),
                     gettext("The family contact has been removed."),
                     lambda _: redirect(url_for("reviews.family", review_id=review.id)))
    return done or render_template("reviews/remove_family_contact.html", form=form, review=review, contact=contact)


@bp.route("/reviews/<int:review_id>/pause", methods=["GET", "POST"])
def pause_review(review_id):
    review = _review(review_id, "edit")
    is_paused = any(p.ended_on is None for p in review.pauses)
    form = EndPauseForm() if is_paused else PauseForm()
    if request.method == "GET":
        (form.ended_on if is_paused else form.started_on).data = london_today()
    if is_paused:
        done = submitted(form, lambda: services.end_pause(review, form.ended_on.data),
                         gettext("The review has resumed."),
                      lambda _: _to_review(review))
    else:
        done = submitted(form, lambda: services.add_pause(review, form.started_on.data, form.reason.data),
                      gettext("The pause has been recorded."), lambda _: _to_review(review))
    return done or render_template("reviews/pause.html", form=form, review=review, is_paused=is_paused)


@bp.route("/reviews/<int:review_id>/recommendations/new", methods=["GET", "POST"])
@bp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"],
          endpoint="edit_recommendation")
def new_recommendation(review_id=None, recommendation_id=None):
    if recommendation_id is not None:
        recommendation = _recommendation(recommendation_id)
        review = recommendation.review
    else:
        recommendation = None
        review = _review(review_id, "edit")
    form = RecommendationForm(obj=recommendation)
    form.set_lists(review.partnership.agencies, services.themes_of(review.partnership), all_bodies())
    if request.method == "GET" and recommendation is not None:
        form.agency_ids.data = [a.id for a in recommendation.agencies]
        form.body_ids.data = [item.body_id for item in recommendation.addressed]
        form.theme_ids.data = [t.id for t in recommendation.themes]
        form.scope.data = recommendation.scope.value
    done = submitted(form, lambda: services.save_recommendation(review, recommendation,
                                                             form.recommendation_values()),
                  gettext("The recommendation has been saved."), lambda _: _to_review(review))
    return done or render_template("reviews/recommendation.html", form=form, review=review,
                                   recommendation=recommendation,
                                   shares=shares_of(recommendation, current_user) if recommendation else None)


@bp.route("/recommendations/<int:recommendation_id>/delete", methods=["GET", "POST"])
def delete_recommendation(recommendation_id):
    recommendation = _recommendation(recommendation_id)
    review = recommendation.review
    form = ConfirmForm()
    done = submitted(form, lambda: services.delete_recommendation(recommendation),
                  gettext("Recommendation %(number)s has been deleted.", number=recommendation.number),
                  lambda _: _to_review(review))
    return done or render_template("reviews/delete_recommendation.html", form=form, review=review,
                                   recommendation=recommendation)


@bp.get("/partnerships/<int:partnership_id>/external-recommendations")
def external_register(partnership_id):
    partnership = require("view_register", db.get_or_404(Partnership, partnership_id))
    rows, withheld_note = services.external_register(partnership, current_user)
    return render_template("reviews/register.html", partnership=partnership, rows=rows, withheld_note=withheld_note)


@bp.route("/partnerships/<int:partnership_id>/themes", methods=["GET", "POST"])
def manage_themes(partnership_id):
    partnership = require("manage_themes", db.get_or_404(Partnership, partnership_id))
    form = ThemeForm()
    done = submitted(form, lambda: services.add_theme(partnership, form.name.data),
                     gettext("The theme has been added."),
                  lambda _: redirect(url_for("reviews.manage_themes", partnership_id=partnership.id)))
    return done or render_template("reviews/themes.html", form=form, partnership=partnership,
                                   themes=services.themes_of(partnership))


@bp.route("/partnerships/<int:partnership_id>/themes/<int:theme_id>/remove", methods=["GET", "POST"])
def remove_theme(partnership_id, theme_id):
    partnership = require("manage_themes", db.get_or_404(Partnership, partnership_id))
    theme = db.get_or_404(Theme, theme_id)
    if theme.partnership_id != partnership.id:
        abort(404)
    form = ConfirmForm()
    done = submitted(form, lambda: services.remove_theme(theme),
                     gettext("‘%(theme)s’ has been removed from the list.", theme=theme.name),
                  lambda _: redirect(url_for("reviews.manage_themes", partnership_id=partnership.id)))
    return done or render_template("reviews/remove_theme.html", form=form, partnership=partnership, theme=theme)


@bp.route("/reviews/<int:review_id>/archive", methods=["GET", "POST"])
def archive_review(review_id):
    """Says what anonymising removes and what it keeps before a coordinator archives the review, for a reason."""
    review = _review(review_id, "archive")
    form = ArchiveForm()
    done = submitted(form, lambda: retention.archive_review(review, current_user, form.reason.data),
                     gettext("%(reference)s is archived and its personal details have been anonymised.",
                             reference=review.reference),
                     lambda _: _to_review(review))
    return done or render_template("reviews/archive.html", form=form, review=review,
                                   died=services.when_died(review))
