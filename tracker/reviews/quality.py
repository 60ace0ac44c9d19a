"""The Home Office's quality assurance of a review's report, submission by submission: each submission, the panel's
feedback and its outcome; a resubmission is the next submission, until the report is approved.

The review keeps the dates that reports, exports, the calendar feed and the timeliness read: submitted_on is the
first submission (the clock stops when the report first goes), qa_feedback_on the latest feedback, approved_on the
approval; and its stage follows the latest submission. They are set here, from the submissions, and nowhere else
once there are any."""
from flask_babel import gettext

from tracker.actions.state import london_today
from tracker.enums import QualityOutcome, ReviewStatus
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.reviews.models import QualitySubmission

#: the review's fields that follow its submissions
FOLLOWED = ("submitted_on", "qa_feedback_on", "approved_on")


def dates_from(submissions):
    """{field: date} of the review as its submissions have it."""
    approved = next((s for s in submissions if s.outcome is QualityOutcome.APPROVED), None)
    feedback = [s.feedback_on for s in submissions if s.feedback_on]
    return dict(submitted_on=submissions[0].submitted_on if submissions else None,
                qa_feedback_on=max(feedback, default=None),
                approved_on=(approved.outcome_on or approved.feedback_on) if approved else None)


def stage_from(submission):
    """The review's stage while this is its latest submission."""
    if submission.outcome is QualityOutcome.APPROVED:
        return ReviewStatus.APPROVED
    if submission.feedback_on is not None or submission.outcome is not None:
        return ReviewStatus.QA_FEEDBACK
    return ReviewStatus.SUBMITTED


def _follow(review):
    """The review's dates and stage from its submissions; a published review stays published."""
    submissions = review.quality_submissions
    for field, value in dates_from(submissions).items():
        setattr(review, field, value)
    if submissions and not review.is_published:
        review.status = stage_from(submissions[-1])


def _latest(review):
    return review.quality_submissions[-1] if review.quality_submissions else None


def can_submit(review):
    """Whether a (re)submission can be recorded now, or else why not."""
    latest = _latest(review)
    if latest is None:
        return True, None
    if latest.outcome is QualityOutcome.APPROVED:
        return False, gettext("The Home Office has approved the report: there is nothing more to submit")
    if latest.outcome is None:
        return False, gettext("Record the Home Office's outcome of the last submission before a resubmission")
    return True, None


def record_submission(review, submitted_on):
    """The report (again) sent to the Home Office's quality assurance panel."""
    if not review.goes_to_home_office:
        raise ValidationFailed({"__form__": gettext("Only a review that meets the Domestic Homicide Review criteria "
                                                    "goes to the Home Office")})
    allowed, why = can_submit(review)
    if not allowed:
        raise ValidationFailed({"__form__": why})
    latest = _latest(review)
    if submitted_on is None:
        error = gettext("Enter the date the report was submitted")
    elif submitted_on > london_today():
        error = gettext("The date submitted cannot be in the future")
    elif review.commissioned_on and submitted_on < review.commissioned_on:
        error = gettext("The report cannot be submitted before the review was commissioned")
    elif latest and submitted_on < (latest.outcome_on or latest.feedback_on or latest.submitted_on):
        error = gettext("A resubmission cannot be before the Home Office's answer to the last submission")
    else:
        error = None
    if error:
        raise ValidationFailed({"submitted_on": error})
    review.quality_submissions.append(QualitySubmission(submitted_on=submitted_on))
    _follow(review)
    db.session.commit()
    return review.quality_submissions[-1]


def record_feedback(submission, values):
    """The panel's feedback on the latest submission, and its outcome when it has decided (later, if need be)."""
    review = submission.review
    if submission is not _latest(review):
        raise ValidationFailed({"__form__": gettext("Only the latest submission's feedback can be changed")})
    feedback_on, outcome_on = values.get("feedback_on"), values.get("outcome_on")
    feedback = (values.get("feedback") or "").strip()
    outcome = QualityOutcome(values["outcome"]) if values.get("outcome") else None
    errors = {}
    if feedback_on is None:
        errors["feedback_on"] = gettext("Enter the date the feedback came")
    elif feedback_on < submission.submitted_on:
        errors["feedback_on"] = gettext("The feedback cannot come before the report was submitted")
    elif feedback_on > london_today():
        errors["feedback_on"] = gettext("The date of the feedback cannot be in the future")
    if not feedback:
        errors["feedback"] = gettext("Summarise what the Home Office said")
    if outcome_on is not None and outcome is None:
        errors["outcome"] = gettext("Choose the outcome, or leave its date empty")
    elif outcome_on is not None and feedback_on is not None and outcome_on < feedback_on:
        errors["outcome_on"] = gettext("The outcome cannot come before the feedback")
    elif outcome_on is not None and outcome_on > london_today():
        errors["outcome_on"] = gettext("The date of the outcome cannot be in the future")
    if errors:
        raise ValidationFailed(errors)
    submission.feedback_on, submission.feedback, submission.outcome = feedback_on, feedback, outcome
    submission.outcome_on = (outcome_on or feedback_on) if outcome else None
    _follow(review)
    db.session.commit()
    return submission


# The review's own form


def review_form_errors(review, values):
    """The review's form edits a review's one submission through its dates; once there are several, the dates follow
    them and the form may not give them other values. Nor may it drop a submission the Home Office has answered."""
    submissions = review.quality_submissions if review is not None else []
    if len(submissions) == 1 and "submitted_on" in values and values["submitted_on"] is None \
            and submissions[0].feedback:
        return {"submitted_on": gettext("The Home Office's feedback on this submission is recorded: change it on the "
                                        "quality assurance page")}
    if len(submissions) < 2:
        return {}
    held = dates_from(submissions)
    return {field: gettext("This date follows the submissions to the Home Office: change it on the quality "
                           "assurance page") for field in FOLLOWED if field in values and values[field] != held[field]}


def follow_review_form(review):
    """The review's one submission (made, changed or removed) as its form's dates have it: a review submitted before
    submissions were recorded got the same from the migration."""
    submissions = review.quality_submissions
    if len(submissions) > 1 or not review.goes_to_home_office:
        return
    if review.submitted_on is None:
        for submission in submissions:
            submissions.remove(submission)
            db.session.delete(submission)  # deleted, not only orphaned, so that the audit log records it
        return
    if not submissions:
        submissions.append(QualitySubmission(submitted_on=review.submitted_on))
    submission = submissions[0]
    submission.submitted_on, submission.feedback_on = review.submitted_on, review.qa_feedback_on
    if review.approved_on is not None:
        submission.outcome, submission.outcome_on = QualityOutcome.APPROVED, review.approved_on
    elif submission.outcome is QualityOutcome.APPROVED:
        submission.outcome, submission.outcome_on = None, None
