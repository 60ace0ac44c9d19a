from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from tracker.accounts.forms import ProfileForm
from tracker.accounts.models import User
from tracker.accounts.services import normalise_email
from tracker.email import deliver_outbox
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm, page_number
from tracker.partnerships import services
from tracker.partnerships.forms import AgencyForm, InvitePersonForm, LinkAnswerForm, MembershipForm, PartnershipForm
from tracker.partnerships.models import Agency, Membership, Partnership
from tracker.permissions import require

bp = Blueprint("partnerships", __name__)


def _partnership(partnership_id, verb="view"):
    return require(verb, db.get_or_404(Partnership, partnership_id))


def _in_partnership(model, object_id, partnership):
    obj = db.get_or_404(model, object_id)
    if obj.partnership_id != partnership.id:
        abort(404)
    return obj


# Administrators: the partnerships of this instance


@bp.get("/admin/partnerships")
def list_partnerships():
    require("manage")
    return render_template("partnerships/list.html", partnerships=services.partnerships_for(current_user))


@bp.route("/admin/partnerships/new", methods=["GET", "POST"])
@bp.route("/admin/partnerships/<int:partnership_id>/edit", methods=["GET", "POST"])
def edit_partnership(partnership_id=None):
    require("manage")
    partnership = db.get_or_404(Partnership, partnership_id) if partnership_id else None
    form = PartnershipForm(obj=partnership)
    if form.validate_on_submit():
        try:
            partnership = services.save_partnership(partnership, form.name.data, form.area.data,
                                                       form.nation.data)
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(gettext("%(name)s has been saved.", name=partnership.name), "success")
            return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))
    return render_template("partnerships/edit.html", form=form, partnership=partnership)


# A partnership and its agencies


@bp.get("/partnerships/<int:partnership_id>")
def show_partnership(partnership_id):
    partnership = _partnership(partnership_id)
    return render_template(
        "partnerships/show.html",
        partnership=partnership,
        agencies=services.agencies_with_counts(partnership),
        my_memberships=services.memberships_of(current_user, partnership),
    )


@bp.route("/partnerships/<int:partnership_id>/agencies/new", methods=["GET", "POST"])
@bp.route("/partnerships/<int:partnership_id>/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
def edit_agency(partnership_id, agency_id=None):
    partnership = _partnership(partnership_id, "manage")
    agency = _in_partnership(Agency, agency_id, partnership) if agency_id else None
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        try:
            agency = services.save_agency(partnership, agency, form.name.data, form.sector.data)
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(gettext("%(name)s has been saved.", name=agency.name), "success")
            return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))
    return render_template("partnerships/edit_agency.html", form=form, partnership=partnership, agency=agency)


@bp.route("/partnerships/<int:partnership_id>/agencies/<int:agency_id>/delete", methods=["GET", "POST"])
def delete_agency(partnership_id, agency_id):
    partnership = _partnership(partnership_id, "manage")
    agency = _in_partnership(Agency, agency_id, partnership)
    form = ConfirmForm()
    in_use = services.agency_in_use(agency)
    if form.validate_on_submit() and not in_use:
        services.delete_agency(agency)
        flash(gettext("%(name)s has been deleted.", name=agency.name), "success")
        return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))
    return render_template("partnerships/delete_agency.html", form=form, partnership=partnership, agency=agency,
                           in_use=in_use)


# People and their roles


@bp.get("/partnerships/<int:partnership_id>/people")
def list_people(partnership_id):
    partnership = _partnership(partnership_id, "manage")
    page = services.people_page(partnership, page_number(request.args),
                                current_app.config["ITEMS_PER_PAGE"])
    return render_template("partnerships/people.html", partnership=partnership, page=page,
                           invitations=services.invitations_waiting(partnership))


@bp.route("/partnerships/<int:partnership_id>/people/invite", methods=["GET", "POST"])
def invite_person(partnership_id):
    partnership = _partnership(partnership_id, "manage")
    form = InvitePersonForm()
    form.set_agencies(partnership.agencies)
    if form.validate_on_submit():
        try:
            invited, message_ids = services.invite_person(
                partnership, form.name.data, form.email.data, form.role.data, form.agency_id.data,
                form.is_chair.data, invited_by=current_user,
            )
        except ValidationFailed as failure:
            db.session.rollback()
            show_on_form(form, failure)
        else:
            deliver_outbox(ids=message_ids)
            email = normalise_email(form.email.data)
            if invited:
                # the same words whether or not the address had an account: the coordinator learns nothing of it
                flash(gettext("We have sent an invitation to %(email)s. The role starts when they accept it.",
                              email=email), "success")
            else:
                flash(gettext("%(email)s already has a role here: the new role has been added.", email=email),
                      "success")
            return redirect(url_for("partnerships.list_people", partnership_id=partnership.id))
    return render_template("partnerships/invite.html", form=form, partnership=partnership)


def _person(partnership, user_id):
    person = db.get_or_404(User, user_id)
    if not services.memberships_of(person, partnership):
        abort(404)
    return person


@bp.route("/partnerships/<int:partnership_id>/people/<int:user_id>", methods=["GET", "POST"])
def show_person(partnership_id, user_id):
    partnership = _partnership(partnership_id, "manage")
    person = _person(partnership, user_id)
    form = ProfileForm(obj=person)
    if form.validate_on_submit():
        try:
            services.update_person(person, partnership, form.name.data, form.email.data, current_user)
        except ValidationFailed as failure:
            db.session.rollback()
            show_on_form(form, failure)
        else:
            flash(gettext("%(name)s's details have been saved.", name=person.name), "success")
            return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))
    return render_template("partnerships/person.html", form=form, partnership=partnership, person=person,
                           memberships=services.memberships_of(person, partnership),
                           can_edit=services.details_editable_by(person, partnership, current_user))


def _invited(partnership, user_id):
    person = services.invited_person(partnership, user_id)
    if person is None:
        abort(404)
    return person


@bp.post("/partnerships/<int:partnership_id>/people/<int:user_id>/invitation")
def resend_invitation(partnership_id, user_id):
    partnership = _partnership(partnership_id, "manage")
    person = _invited(partnership, user_id)
    if ConfirmForm().validate_on_submit():
        message_ids = services.resend_invitation(partnership, person, current_user)
        if message_ids:
            deliver_outbox(ids=message_ids)
            flash(gettext("A new invitation has been sent to %(email)s. Earlier links no longer work.",
                          email=person.email), "success")
        else:
            flash(gettext("Nothing is waiting for %(email)s: they have already joined, or they can reset their "
                          "password themselves from the sign-in page.", email=person.email), "error")
    return redirect(url_for("partnerships.list_people", partnership_id=partnership.id))


@bp.post("/partnerships/<int:partnership_id>/people/<int:user_id>/invitation/withdraw")
def withdraw_invitation(partnership_id, user_id):
    partnership = _partnership(partnership_id, "manage")
    person = _invited(partnership, user_id)
    if ConfirmForm().validate_on_submit():
        if services.withdraw_invitation(partnership, person):
            flash(gettext("The invitation to %(email)s has been withdrawn.", email=person.email), "success")
        else:
            flash(gettext("Nothing is waiting for %(email)s: they have already joined. Remove their roles from "
                          "their page instead.", email=person.email), "error")
    return redirect(url_for("partnerships.list_people", partnership_id=partnership.id))


# The person's side of an invitation to an account they already have


@bp.route("/account-links/<link_token>", methods=["GET", "POST"])
def answer_link(link_token):
    """Signed-in people only (the sign-in check sends others to sign in and back here): the link in the email
    never signs anyone in, and it answers "not found" to anyone but the person it was sent to."""
    link = services.link_for(link_token, current_user)
    if link is None:
        return render_template("partnerships/link_invalid.html"), 404
    form = LinkAnswerForm()
    if form.validate_on_submit():
        partnership = link.partnership
        if form.answer.data == "accept":
            services.accept_link(link)
            flash(gettext("You have joined %(partnership)s.", partnership=partnership.name), "success")
            return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))
        services.decline_link(link)
        flash(gettext("You have declined the invitation to %(partnership)s. Nothing has changed.",
                      partnership=partnership.name), "success")
        return redirect(url_for("home.index"))
    return render_template("partnerships/answer_link.html", link=link, form=form)


@bp.route("/partnerships/<int:partnership_id>/people/<int:user_id>/roles/new", methods=["GET", "POST"])
def add_role(partnership_id, user_id):
    partnership = _partnership(partnership_id, "manage")
    person = _person(partnership, user_id)
    form = MembershipForm()
    form.set_agencies(partnership.agencies)
    if form.validate_on_submit():
        try:
            services.add_membership(partnership, person, form.role.data, form.agency_id.data, form.is_chair.data)
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(gettext("The role has been added to %(name)s.", name=person.name), "success")
            return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))
    return render_template("partnerships/add_role.html", form=form, partnership=partnership, person=person)


@bp.route("/partnerships/<int:partnership_id>/roles/<int:membership_id>/remove", methods=["GET", "POST"])
def remove_role(partnership_id, membership_id):
    partnership = _partnership(partnership_id, "manage")
    membership = _in_partnership(Membership, membership_id, partnership)
    require("edit", membership)
    form = ConfirmForm()
    if form.validate_on_submit():
        person = membership.user
        services.remove_membership(membership)
        flash(gettext("%(name)s no longer holds that role.", name=person.name), "success")
        if services.memberships_of(person, partnership):
            return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))
        return redirect(url_for("partnerships.list_people", partnership_id=partnership.id))
    return render_template("partnerships/remove_role.html", form=form, partnership=partnership,
                           membership=membership)
