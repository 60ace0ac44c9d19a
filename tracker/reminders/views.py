from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

from tracker.actions.state import london_today
from tracker.db import utcnow
from tracker.email import deliver_outbox
from tracker.enums import DigestFrequency, HandoffFrequency, OutboxStatus
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm, page_number
from tracker.i18n import N_
from tracker.partnerships.models import Partnership
from tracker.permissions import require
from tracker.reminders import services
from tracker.reminders.forms import PolicyForm, PreferencesForm
from tracker.reminders.schedule import escalation_label, kind_label

bp = Blueprint("reminders", __name__)
#: reminders shown of each person's next email; the rest are counted
LISTED = 10

#: what a second press of "Try again" (or a form sent twice) is told: the first press already acted
ALREADY = {OutboxStatus.SENT: N_("This email was already sent."),
           OutboxStatus.SUPERSEDED: N_("This email was not sent: nothing in it was still true when it could go.")}
QUEUED_AGAIN = N_("This email was already queued again.")


def _partnership(partnership_id):
    return require("manage", db.get_or_404(Partnership, partnership_id))


@bp.get("/partnerships/<int:partnership_id>/reminders")
def overview(partnership_id):
    partnership = _partnership(partnership_id)
    run_on, digests, escalations = services.preview(partnership, london_today(), LISTED)
    page = services.send_log(partnership, page_number(request.args),
                             current_app.config["ITEMS_PER_PAGE"])
    return render_template("reminders/overview.html", partnership=partnership, run_on=run_on, digests=digests,
                           escalations=escalations, page=page, policy=services.policy_for(partnership.id),
                           carried=services.escalations_carried(partnership, page.items), label=kind_label,
                           escalated=escalation_label, now=utcnow(), form=ConfirmForm(), listed=LISTED)


@bp.route("/partnerships/<int:partnership_id>/reminders/policy", methods=["GET", "POST"])
def edit_policy(partnership_id):
    partnership = _partnership(partnership_id)
    policy = services.policy_for(partnership.id)
    form = PolicyForm()
    if request.method == "GET":
        form.days_before.data = ", ".join(str(n) for n in policy.offsets)
        form.on_the_day.data = policy.on_the_day
        form.overdue_every_days.data = policy.overdue_every_days
        form.escalate_to_lead_after.data = policy.escalate_to_lead_after
        form.escalate_to_strategic_after.data = policy.escalate_to_strategic_after
    if form.validate_on_submit():
        try:
            services.save_policy(partnership, {name: field.data for name, field in form._fields.items()})
        except ValidationFailed as failure:
            db.session.rollback()
            show_on_form(form, failure)
        else:
            flash(gettext("The reminder schedule has been saved and every open action rescheduled."), "success")
            return redirect(url_for("reminders.overview", partnership_id=partnership.id))
    return render_template("reminders/policy.html", form=form, partnership=partnership)


@bp.post("/partnerships/<int:partnership_id>/reminders/messages/<int:message_id>/retry")
def retry(partnership_id, message_id):
    partnership = _partnership(partnership_id)
    if ConfirmForm().validate_on_submit():
        try:
            message, moved = services.retry_message(partnership, message_id)
        except ValidationFailed as failure:
            flash(failure.errors["__form__"], "error")
        else:
            if moved:
                deliver_outbox(ids=[message.id])
                flash(gettext("The message to %(address)s has been queued again.", address=message.to_address),
                      "success")
            else:
                flash(gettext(ALREADY.get(message.status, QUEUED_AGAIN)), "info")
    return redirect(url_for("reminders.overview", partnership_id=partnership.id))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token):
    """Public by design (calendar programs cannot sign in): the secret address is the key."""
    from tracker.reminders.feed import calendar_for, owner_of

    person = owner_of(token)
    if person is None:
        abort(404)
    return Response(calendar_for(person), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=900"})


@bp.post("/account/calendar")
def new_calendar():
    from tracker.reminders.feed import new_feed, revoke_feed

    if ConfirmForm().validate_on_submit():
        if request.form.get("revoke"):
            revoke_feed(current_user)
            flash(gettext("Your calendar address has been turned off."), "success")
        else:
            token = new_feed(current_user)
            flash(gettext("Your new calendar address is shown below, only this once. Any earlier address no longer "
                          "works."), "success")
            session["calendar_url"] = url_for("reminders.calendar_feed", token=token, _external=False)
    return redirect(url_for("reminders.preferences"))


@bp.route("/account/preferences", methods=["GET", "POST"])
def preferences():
    form = PreferencesForm()
    if request.method == "GET":
        form.upcoming_frequency.data = current_user.upcoming_frequency.value
        form.handoff_frequency.data = current_user.handoff_frequency.value
    if form.validate_on_submit():
        current_user.upcoming_frequency = DigestFrequency(form.upcoming_frequency.data)
        current_user.handoff_frequency = HandoffFrequency(form.handoff_frequency.data)
        db.session.commit()
        flash(gettext("Your email preference has been saved."), "success")
        return redirect(url_for("reminders.preferences"))
    calendar_path = session.pop("calendar_url", None)
    calendar_url = current_app.config["TRACKER_BASE_URL"].rstrip("/") + calendar_path if calendar_path else None
    return render_template("reminders/preferences.html", form=form, calendar_url=calendar_url,
                           has_calendar=current_user.calendar_token_hash is not None, confirm=ConfirmForm())
