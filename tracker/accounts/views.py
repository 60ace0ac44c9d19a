import math
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from tracker.accounts import services
from tracker.accounts.forms import ChangePasswordForm, ForgotPasswordForm, SetPasswordForm, SignInForm
from tracker.accounts.models import User
from tracker.accounts.sessions import safe_next, start_session
from tracker.enums import TokenPurpose
from tracker.extensions import db
from tracker.forms import ConfirmForm
from tracker.permissions import require

bp = Blueprint("accounts", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user, problem = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        if isinstance(problem, timedelta):
            minutes = math.ceil(problem / timedelta(minutes=1))
            form.form_errors.append(
                f"There have been too many attempts to sign in. Wait {minutes} minute{'s' if minutes > 1 else ''}, "
                "then try again."
            )
        elif problem:
            form.email.errors.append("The email address or password is not right")
        else:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/sign_in.html", form=form), 200 if not form.errors else 400


@bp.post("/sign-out")
def sign_out():
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
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
        flash("Your password has been set. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    is_invitation = account_token.purpose is TokenPurpose.INVITATION
    return render_template("accounts/set_password.html", form=form, user=account_token.user,
                           is_invitation=is_invitation)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm(person=current_user)
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        else:
            services.set_password(current_user, form.password.data)
            db.session.commit()
            start_session(current_user._get_current_object())
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


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
            flash("You cannot deactivate your own account.", "error")
        else:
            services.set_active(person, not person.is_active)
            db.session.commit()
            flash(f"{person.name}'s account is now {'active' if person.is_active else 'deactivated'}.", "success")
        return redirect(url_for("accounts.list_people"))
    return render_template("accounts/confirm_access.html", person=person, form=form)
