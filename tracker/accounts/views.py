import math
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, logout_user

from tracker.accounts import services
from tracker.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    NationalRoleForm,
    SetPasswordForm,
    SetUpCodeForm,
    SignInCodeForm,
    SignInForm,
)
from tracker.accounts.models import User
from tracker.accounts.sessions import (
    await_second_factor,
    awaiting_second_factor,
    clear_session,
    safe_next,
    start_session,
)
from tracker.enums import TokenPurpose
from tracker.extensions import db
from tracker.forms import ConfirmForm
from tracker.i18n import adopt_session_language
from tracker.permissions import require
from tracker.web import submitted

bp = Blueprint("accounts", __name__)


def _wait_message(wait):
    minutes = math.ceil(wait / timedelta(minutes=1))
    return ngettext("There have been too many attempts to sign in. Wait %(num)d minute, then try again.",
                    "There have been too many attempts to sign in. Wait %(num)d minutes, then try again.", minutes)


def _signed_in(user):
    adopt_session_language(user)
    services.record_sign_in(user)
    start_session(user)
    if not user.has_two_factor and services.two_factor_required(user):
        return redirect(url_for("accounts.set_up_two_factor"))
    return redirect(safe_next(request.args.get("next")) or url_for("home.index"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user, problem = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        if isinstance(problem, timedelta):
            form.form_errors.append(_wait_message(problem))
        elif problem:
            form.email.errors.append(gettext("The email address or password is not right"))
        elif user.has_two_factor:
            await_second_factor(user)
            return redirect(url_for("accounts.sign_in_code", next=safe_next(request.args.get("next"))))
        else:
            return _signed_in(user)
    return render_template("accounts/sign_in.html", form=form), 200 if not form.errors else 400


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user, lapsed = awaiting_second_factor()
    if user is None:
        if lapsed:
            minutes = int(current_app.config["TWO_FACTOR_PENDING_LIFETIME"] / timedelta(minutes=1))
            flash(gettext("More than %(minutes)d minutes passed before the code was entered. Sign in again.",
                          minutes=minutes), "info")
        return redirect(url_for("accounts.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        problem = services.check_second_factor(user, form.code.data, request.remote_addr or "")
        if isinstance(problem, timedelta):
            form.form_errors.append(_wait_message(problem))
        elif problem:
            form.code.errors.append(gettext("The code is not right, or it has been used already. Enter the code "
                                            "the app shows now"))
        else:
            return _signed_in(user)
    return render_template("accounts/sign_in_code.html", form=form), 200 if not form.errors else 400


@bp.post("/sign-out")
def sign_out():
    signed_out = gettext("You have signed out.")  # in the person's language, read before they are signed out
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    clear_session()
    flash(signed_out, "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # queued only: the scheduler delivers within a minute, so the answer takes as long whether or not the
        # address has an account
        services.send_password_reset(form.email.data, request.remote_addr or "")
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    account_token = services.valid_token(token)
    if account_token is None:
        return render_template("accounts/token_invalid.html"), 404
    form = SetPasswordForm(person=account_token.user)
    if form.validate_on_submit():
        services.use_token(account_token, form.password.data)
        flash(gettext("Your password has been set. Sign in with your new password."), "success")
        return redirect(url_for("accounts.sign_in"))
    is_invitation = account_token.purpose is TokenPurpose.INVITATION
    return render_template("accounts/set_password.html", form=form, user=account_token.user,
                           is_invitation=is_invitation)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm(person=current_user)
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append(gettext("Your current password is not right"))
        else:
            services.set_password(current_user, form.password.data)
            db.session.commit()
            start_session(current_user._get_current_object())
            flash(gettext("Your password has been changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.get("/account/two-factor")
def two_factor():
    user = current_user
    return render_template("accounts/two_factor.html", is_required=services.two_factor_required(user),
                           codes_left=services.remaining_recovery_codes(user) if user.has_two_factor else 0,
                           form=ConfirmForm())


@bp.route("/account/two-factor/set-up", methods=["GET", "POST"])
def set_up_two_factor():
    user = current_user._get_current_object()
    if user.has_two_factor:
        return redirect(url_for("accounts.two_factor"))
    # kept in the (signed) session until a code confirms it, so a wrong code or a reload keeps the same secret
    secret = session.setdefault("totp_secret", services.new_totp_secret())
    form = SetUpCodeForm()

    def recovery_codes(codes):
        session.pop("totp_secret", None)
        return render_template("accounts/recovery_codes.html", codes=codes)

    shown = submitted(form, lambda: services.enable_two_factor(user, secret, form.code.data),
                      gettext("Two-factor sign-in is on. From now on you will be asked for a code when you sign in."),
                      recovery_codes)
    if shown is not None:
        return shown
    return render_template("accounts/set_up_two_factor.html", form=form, secret=secret,
                           qr_code=services.totp_qr_code(user, secret),
                           is_required=services.two_factor_required(user)), 200 if not form.errors else 400


@bp.post("/account/two-factor/recovery-codes")
def new_recovery_codes():
    form = ConfirmForm()
    if not form.validate_on_submit() or not current_user.has_two_factor:
        return redirect(url_for("accounts.two_factor"))
    codes = services.replace_recovery_codes(current_user._get_current_object())
    flash(gettext("You have new recovery codes. The old ones no longer work."), "success")
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
def turn_off_two_factor():
    if not current_user.has_two_factor:
        return redirect(url_for("accounts.two_factor"))
    if services.two_factor_required(current_user):
        flash(gettext("Your role needs two-factor sign-in, so it cannot be turned off."), "error")
        return redirect(url_for("accounts.two_factor"))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.turn_off_two_factor(current_user._get_current_object())
        flash(gettext("Two-factor sign-in is off. You will sign in with your password alone."), "success")
        return redirect(url_for("accounts.two_factor"))
    return render_template("accounts/turn_off_two_factor.html", form=form)


@bp.get("/admin/people")
def list_people():
    require("manage")
    search = (request.args.get("q") or "").strip()
    query = sa.select(User).order_by(sa.func.lower(User.name), User.id)
    if search:
        like = f"%{search.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    page = db.paginate(query, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("accounts/people.html", page=page, search=search)


@bp.route("/admin/people/<int:user_id>/access", methods=["GET", "POST"])
def change_access(user_id):
    require("manage")
    person = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if person.id == current_user.id:
            flash(gettext("You cannot deactivate your own account."), "error")
        else:
            services.set_active(person, not person.is_active)
            db.session.commit()
            flash(gettext("%(name)s's account is now active.", name=person.name) if person.is_active
                  else gettext("%(name)s's account is now deactivated.", name=person.name), "success")
        return redirect(url_for("accounts.list_people"))
    return render_template("accounts/confirm_access.html", person=person, form=form)


@bp.route("/admin/people/<int:user_id>/national-role", methods=["GET", "POST"])
def national_role(user_id):
    """A role across every partnership: it reads (or for a reviewer, also assesses) every recommendation to a body,
    so only an administrator gives it, and the person then signs in with a second factor."""
    require("manage")
    person = db.get_or_404(User, user_id)
    form = NationalRoleForm()
    if request.method == "GET":
        form.national_role.data = person.national_role.value if person.national_role else ""
    done = submitted(form, lambda: services.set_national_role(person, form.national_role.data),
                     gettext("%(name)s's national role has been saved.", name=person.name),
                     lambda _: redirect(url_for("accounts.list_people")))
    return done or render_template("accounts/national_role.html", form=form, person=person)


@bp.route("/admin/people/<int:user_id>/two-factor", methods=["GET", "POST"])
def reset_two_factor(user_id):
    require("manage")
    person = db.get_or_404(User, user_id)
    if person.id == current_user.id:
        flash(gettext("You cannot reset your own second factor. Ask another administrator."), "error")
        return redirect(url_for("accounts.list_people"))
    if not person.has_two_factor:
        flash(gettext("%(name)s has not set up two-factor sign-in: there is nothing to reset.", name=person.name),
              "info")
        return redirect(url_for("accounts.list_people"))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.reset_two_factor(person, current_user._get_current_object())
        flash(gettext("%(name)s's second factor has been reset and they have been signed out. They will set up "
                      "two-factor sign-in again when they next sign in.", name=person.name), "success")
        return redirect(url_for("accounts.list_people"))
    return render_template("accounts/reset_two_factor.html", person=person, form=form)
