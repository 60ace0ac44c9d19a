from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.accounts.forms import ProfileForm
from tracker.accounts.models import User
from tracker.accounts.services import send_invitation
from tracker.email import deliver_outbox
from tracker.errors import ValidationFailed, show_on_form
from tracker.extensions import db
from tracker.forms import ConfirmForm, page_number
from tracker.partnerships import services
from tracker.partnerships.forms import AgencyForm, InvitePersonForm, MembershipForm, PartnershipForm
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
            partnership = services.save_partnership(partnership, form.name.data, form.area.data)
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(f"{partnership.name} has been saved.", "success")
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
            flash(f"{agency.name} has been saved.", "success")
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
        flash(f"{agency.name} has been deleted.", "success")
        return redirect(url_for("partnerships.show_partnership", partnership_id=partnership.id))
    return render_template("partnerships/delete_agency.html", form=form, partnership=partnership, agency=agency,
                           in_use=in_use)


# People and their roles


@bp.get("/partnerships/<int:partnership_id>/people")
def list_people(partnership_id):
    partnership = _partnership(partnership_id, "manage")
    page = services.people_page(partnership, page_number(request.args),
                                current_app.config["ITEMS_PER_PAGE"])
    return render_template("partnerships/people.html", partnership=partnership, page=page)


@bp.route("/partnerships/<int:partnership_id>/people/invite", methods=["GET", "POST"])
def invite_person(partnership_id):
    partnership = _partnership(partnership_id, "manage")
    form = InvitePersonForm()
    form.set_agencies(partnership.agencies)
    if form.validate_on_submit():
        try:
            membership, is_new = services.invite_person(
                partnership, form.name.data, form.email.data, form.role.data, form.agency_id.data,
                form.is_chair.data,
            )
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            person = membership.user
            if is_new:
                message = send_invitation(person, partnership, current_user)
                db.session.commit()
                deliver_outbox(ids=[message.id])
                flash(f"{person.name} has been added and sent an invitation to set a password.", "success")
            else:
                flash(f"{person.name} already had an account; the role has been added to it.", "success")
            return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))
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
            services.update_person(person, form.name.data, form.email.data, current_user)
        except ValidationFailed as failure:
            show_on_form(form, failure)
        else:
            flash(f"{person.name}'s details have been saved.", "success")
            return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))
    return render_template("partnerships/person.html", form=form, partnership=partnership, person=person,
                           memberships=services.memberships_of(person, partnership))


@bp.post("/partnerships/<int:partnership_id>/people/<int:user_id>/invitation")
def resend_invitation(partnership_id, user_id):
    partnership = _partnership(partnership_id, "manage")
    person = _person(partnership, user_id)
    if person.password_hash is not None:
        flash(f"{person.name} has already set a password: they can reset it themselves from the sign-in page.",
              "error")
    elif ConfirmForm().validate_on_submit():
        message = send_invitation(person, partnership, current_user)
        db.session.commit()
        deliver_outbox(ids=[message.id])
        flash(f"A new invitation has been sent to {person.email}. Earlier links no longer work.", "success")
    return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))


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
            flash(f"The role has been added to {person.name}.", "success")
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
        flash(f"{person.name} no longer holds that role.", "success")
        if services.memberships_of(person, partnership):
            return redirect(url_for("partnerships.show_person", partnership_id=partnership.id, user_id=person.id))
        return redirect(url_for("partnerships.list_people", partnership_id=partnership.id))
    return render_template("partnerships/remove_role.html", form=form, partnership=partnership,
                           membership=membership)
