"""Partnerships, agencies and memberships: the rules, the queries and the commits."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.accounts.models import User
from tracker.accounts.services import normalise_email
from tracker.db import is_taken
from tracker.enums import Role, Sector
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.partnerships.models import Agency, Membership, Partnership


def _clean(text):
    return " ".join((text or "").split())


def save_partnership(partnership, name, area):
    """Create (partnership=None) or rename a partnership; names are unique across the instance."""
    name, area = _clean(name), _clean(area)
    if not name:
        raise ValidationFailed({"name": "Enter the partnership's name"})
    if is_taken(Partnership.name, name, partnership):
        raise ValidationFailed({"name": "A partnership with this name already exists"})
    partnership = partnership or Partnership()
    partnership.name, partnership.area = name, area
    db.session.add(partnership)
    db.session.commit()
    return partnership


def save_agency(partnership, agency, name, sector):
    """Create (agency=None) or edit an agency; names are unique within a partnership."""
    name = _clean(name)
    errors = {}
    if not name:
        errors["name"] = "Enter the agency's name"
    try:
        sector = Sector(sector)
    except ValueError:
        errors["sector"] = "Choose the agency's sector"
    if name and is_taken(Agency.name, name, agency, Agency.partnership_id == partnership.id):
        errors["name"] = "This partnership already has an agency with this name"
    if errors:
        raise ValidationFailed(errors)
    agency = agency or Agency(partnership_id=partnership.id)
    agency.name, agency.sector = name, sector
    db.session.add(agency)
    db.session.commit()
    return agency


def agency_in_use(agency):
    """Whether people, actions or recommendations still refer to the agency."""
    from tracker.actions.models import Action, action_supporting_agency
    from tracker.reviews.models import recommendation_agency

    return any(db.session.scalar(sa.select(sa.func.count()).select_from(table).where(column == agency.id)) > 0
               for table, column in ((Membership, Membership.agency_id), (Action, Action.lead_agency_id),
                                     (recommendation_agency, recommendation_agency.c.agency_id),
                                     (action_supporting_agency, action_supporting_agency.c.agency_id)))


def delete_agency(agency):
    if agency_in_use(agency):
        raise ValidationFailed({"agency": "People, actions or recommendations refer to this agency."})
    db.session.delete(agency)
    db.session.commit()


def _membership_errors(partnership, user, role, agency_id, is_chair):
    errors = {}
    try:
        role = Role(role)
    except ValueError:
        return {"role": "Choose a role"}, None, None
    agency = None
    if agency_id not in (None, ""):
        try:
            agency = db.session.get(Agency, int(agency_id))
        except (TypeError, ValueError):
            agency = None
        if agency is None or agency.partnership_id != partnership.id:
            errors["agency_id"] = "Choose an agency of this partnership"
            agency = None
    if role is Role.AGENCY_LEAD and agency is None and "agency_id" not in errors:
        errors["agency_id"] = "Choose the agency this agency lead works for"
    if role not in (Role.AGENCY_LEAD, Role.STRATEGIC_MEMBER) and agency is not None:
        errors["agency_id"] = f"A {role.label.lower()} is not tied to an agency: choose 'No agency'"
    if is_chair and role is not Role.STRATEGIC_MEMBER:
        errors["is_chair"] = "Only a strategic group member can chair the strategic group"
    if user is not None and not errors:
        duplicate = db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.partnership_id == partnership.id,
                Membership.role == role,
                Membership.agency_id.is_(None) if agency is None else Membership.agency_id == agency.id,
            )
        )
        if duplicate:
            errors["role"] = "This person already holds this role here"
    return errors, role, agency


def add_membership(partnership, user, role, agency_id=None, is_chair=False):
    errors, role, agency = _membership_errors(partnership, user, role, agency_id, is_chair)
    if errors:
        raise ValidationFailed(errors)
    membership = Membership(
        user=user, partnership_id=partnership.id, role=role, agency_id=agency.id if agency else None,
        is_chair=bool(is_chair),
    )
    db.session.add(membership)
    db.session.commit()
    return membership


def _person_errors(name, email):
    errors = {}
    if not name:
        errors["name"] = "Enter the person's full name"
    if not email:
        errors["email"] = "Enter an email address"
    return errors


def invite_person(partnership, name, email, role, agency_id=None, is_chair=False):
    """Give a person a role here, creating their account if the address is new.

    Returns (membership, is_new_account): a new account needs an invitation to set its password.
    """
    name, email = _clean(name), normalise_email(email)
    errors = _person_errors(name, email)
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    role_errors, _, _ = _membership_errors(partnership, user, role, agency_id, is_chair)
    errors.update(role_errors)
    if errors:
        raise ValidationFailed(errors)
    is_new = user is None
    if is_new:
        user = User(name=name, email=email)
        db.session.add(user)
        db.session.flush()
    return add_membership(partnership, user, role, agency_id, is_chair), is_new


def update_person(user, name, email, actor):
    """A coordinator corrects the details of someone in their partnership; only an administrator may change the
    address of an account already in use (it holds a password, an administrator's rights, or roles elsewhere),
    because the address is where its password links go."""
    name, email = _clean(name), normalise_email(email)
    errors = _person_errors(name, email)
    in_use = user.is_administrator or user.password_hash is not None or \
        len({m.partnership_id for m in user.memberships}) > 1
    if email and email != user.email and in_use and not actor.is_administrator:
        errors["email"] = ("This account is in use, so only an administrator can change its email address. Ask "
                           "an administrator, or ask the person to change it themselves.")
    taken = sa.select(User.id).where(User.email == email, User.id != user.id)
    if email and "email" not in errors and db.session.scalar(taken):
        errors["email"] = "Another account already uses this email address"
    if errors:
        raise ValidationFailed(errors)
    if email != user.email:
        user.end_all_sessions()
    user.name, user.email = name, email
    db.session.commit()
    return user


def remove_membership(membership):
    """Remove a role; with the person's last role here go their seats on this partnership's review panels."""
    from tracker.reviews.models import PanelMember, Review

    user_id, partnership_id = membership.user_id, membership.partnership_id
    db.session.delete(membership)
    db.session.flush()
    if not db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user_id,
                                                            Membership.partnership_id == partnership_id)):
        for seat in db.session.scalars(sa.select(PanelMember).join(Review).where(
                PanelMember.user_id == user_id, Review.partnership_id == partnership_id)):
            db.session.delete(seat)
    db.session.commit()


def partnerships_for(user):
    """Every partnership an administrator can see, or the ones a person holds a role in."""
    query = sa.select(Partnership).order_by(Partnership.name)
    if not user.is_administrator:
        query = query.where(Partnership.id.in_(sa.select(Membership.partnership_id)
                                                .where(Membership.user_id == user.id)))
    return db.session.scalars(query).all()


def people_page(partnership, page, per_page):
    """People with any role here, with their memberships loaded in one extra query."""
    query = (
        sa.select(User)
        .where(User.id.in_(sa.select(Membership.user_id).where(Membership.partnership_id == partnership.id)))
        .options(selectinload(User.memberships).selectinload(Membership.agency))
        .order_by(sa.func.lower(User.name), User.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def memberships_of(user, partnership):
    return [m for m in user.memberships if m.partnership_id == partnership.id]


def agencies_with_counts(partnership):
    """Each agency with how many people hold roles in it, in one query."""
    counts = (
        sa.select(Membership.agency_id, sa.func.count(Membership.id).label("people"))
        .where(Membership.partnership_id == partnership.id)
        .group_by(Membership.agency_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Agency, sa.func.coalesce(counts.c.people, 0))
        .outerjoin(counts, counts.c.agency_id == Agency.id)
        .where(Agency.partnership_id == partnership.id)
        .order_by(sa.func.lower(Agency.name))
    ).all()
    return [(agency, people) for agency, people in rows]
