"""The pages of a review's requests to agencies and of its Home Office quality assurance, on the reviews blueprint.
Each follows the review page's rule for reading; the coordinator and the panel's chair record."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from tracker.actions.state import london_today
from tracker.extensions import db
from tracker.forms import ConfirmForm
from tracker.permissions import can
from tracker.reviews import quality, requests, services
from tracker.reviews.models import AgencyRequest, QualitySubmission
from tracker.reviews.quality_forms import FeedbackForm, SubmissionForm
from tracker.reviews.requests_forms import ChangeRequestForm, ChaseForm, ReceivedForm, SendRequestForm
from tracker.reviews.views import _review, bp
from tracker.web import submitted


def _opened(review_id, verb):
    """The review, to read (logged, as the review page logs it) or, on a POST, to record in."""
    review = _review(review_id, verb if request.method == "POST" else "view")
    if request.method == "GET":
        services.log_view(review, current_user)
    return review


def _request(review_id, request_id):
    review = _review(review_id, "manage_requests")
    agency_request = db.get_or_404(AgencyRequest, request_id)
    if agency_request.review_id != review.id:
        abort(404)
    return review, agency_request


def _to_requests(review):
    return redirect(url_for("reviews.agency_requests", review_id=review.id))


@bp.route("/reviews/<int:review_id>/requests", methods=["GET", "POST"])
def agency_requests(review_id):
    review = _opened(review_id, "manage_requests")
    form = SendRequestForm()
    form.set_lists(review.partnership.agencies, requests.people_of(review.partnership_id))
    if request.method == "GET":
        form.sent_on.data = london_today()
    done = request.method == "POST" and submitted(
        form, lambda: requests.send_requests(review, form.request_values()),
        gettext("The requests have been recorded."), lambda _: _to_requests(review))
    return done or render_template("reviews/requests.html", review=review, form=form,
                                   agencies=requests.by_agency(requests.requests_of(review)),
                                   can_manage=can(current_user, "manage_requests", review))


@bp.route("/reviews/<int:review_id>/requests/<int:request_id>/edit", methods=["GET", "POST"])
def change_request(review_id, request_id):
    review, agency_request = _request(review_id, request_id)
    form = ChangeRequestForm(obj=agency_request)
    form.set_people(requests.people_of(review.partnership_id))
    done = submitted(form, lambda: requests.change_request(agency_request, dict(
        due_on=form.due_on.data, contact_id=form.contact_id.data, note=form.note.data)),
        gettext("The request has been changed."), lambda _: _to_requests(review))
    return done or render_template("reviews/requests_change.html", review=review, form=form,
                                   agency_request=agency_request)


@bp.route("/reviews/<int:review_id>/requests/<int:request_id>/received", methods=["GET", "POST"])
def request_received(review_id, request_id):
    review, agency_request = _request(review_id, request_id)
    form = ReceivedForm()
    if request.method == "GET":
        form.received_on.data = london_today()
    done = submitted(form, lambda: requests.record_received(agency_request, form.received_on.data),
                     gettext("The request is recorded as received."), lambda _: _to_requests(review))
    return done or render_template("reviews/requests_received.html", review=review, form=form,
                                   agency_request=agency_request)


@bp.route("/reviews/<int:review_id>/requests/<int:request_id>/chase", methods=["GET", "POST"])
def chase_request(review_id, request_id):
    review, agency_request = _request(review_id, request_id)
    form = ChaseForm()
    if request.method == "GET":
        form.chased_on.data = london_today()
    done = submitted(form, lambda: requests.record_chase(agency_request, form.chased_on.data, form.note.data),
                     gettext("The chase has been recorded."), lambda _: _to_requests(review))
    return done or render_template("reviews/requests_chase.html", review=review, form=form,
                                   agency_request=agency_request, state=requests.request_state(agency_request))


@bp.route("/reviews/<int:review_id>/requests/<int:request_id>/withdraw", methods=["GET", "POST"])
def withdraw_request(review_id, request_id):
    review, agency_request = _request(review_id, request_id)
    form = ConfirmForm()
    done = submitted(form, lambda: requests.withdraw_request(agency_request),
                     gettext("The request has been withdrawn."), lambda _: _to_requests(review))
    return done or render_template("reviews/requests_withdraw.html", review=review, form=form,
                                   agency_request=agency_request)


@bp.route("/reviews/<int:review_id>/quality-assurance", methods=["GET", "POST"])
def quality_assurance(review_id):
    review = _opened(review_id, "record_quality_assurance")
    if not review.goes_to_home_office:
        abort(404)
    form = SubmissionForm()
    if request.method == "GET":
        form.submitted_on.data = london_today()
    done = request.method == "POST" and submitted(
        form, lambda: quality.record_submission(review, form.submitted_on.data),
        gettext("The submission has been recorded."),
        lambda _: redirect(url_for("reviews.quality_assurance", review_id=review.id)))
    allowed, why_not = quality.can_submit(review)
    return done or render_template("reviews/quality_assurance.html", review=review, form=form,
                                   can_record=can(current_user, "record_quality_assurance", review),
                                   can_submit=allowed, why_not=why_not)


@bp.route("/reviews/<int:review_id>/quality-assurance/<int:submission_id>/feedback", methods=["GET", "POST"])
def quality_feedback(review_id, submission_id):
    review = _review(review_id, "record_quality_assurance")
    submission = db.get_or_404(QualitySubmission, submission_id)
    if submission.review_id != review.id:
        abort(404)
    form = FeedbackForm(obj=submission)
    if request.method == "GET":
        form.outcome.data = submission.outcome.value if submission.outcome else None
        form.feedback_on.data = submission.feedback_on or london_today()
        if submission.outcome_on == submission.feedback_on:
            form.outcome_on.data = None  # the decision came with the feedback: nothing to say apart
    done = submitted(form, lambda: quality.record_feedback(submission, form.feedback_values()),
                     gettext("The Home Office's feedback has been recorded."),
                     lambda _: redirect(url_for("reviews.quality_assurance", review_id=review.id)))
    return done or render_template("reviews/quality_assurance_feedback.html", review=review, form=form,
                                   submission=submission)


@bp.app_template_global()
def agency_requests_of(review):
    """The per-agency status of a review's requests, for the review page's summary."""
    return requests.by_agency(requests.requests_of(review))
