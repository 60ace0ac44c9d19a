"""Partnerships, agencies and memberships: the rules, the queries and the commits."""
import hashlib
import secrets
from datetime import UTC, datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy.orm import selectinload

from tracker.accounts.models import AccountToken, User
from tracker.accounts.services import invitation_language, invitation_subject, normalise_email, send_invitation
from tracker.db import is_taken, utcnow
from tracker.email import queue_email
from tracker.enums import Nation, Role, Sector, TokenPurpose
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import N_
from tracker.partnerships.models import AccountLink, Agency, Membership, Partnership


def _clean(text):
    return " ".join((text or "").split())


def save_partnership(partnership, name, area, nation=Nation.ENGLAND):
    """Create (partnership=None) or rename a partnership; names are unique across the instance. Its nation decides
    the reviews it starts from now on; reviews it already has keep their type."""
    name, area = _clean(name), _clean(area)
    errors = {}
    if not name:
        errors["name"] = gettext("Enter the partnership's name")
    elif is_taken(Partnership.name, name, partnership):
        errors["name"] = gettext("A partnership with this name already exists")
    try:
        nation = Nation(nation)
    except ValueError:
        errors["nation"] = gettext("Choose whether the partnership is in England or in Wales")
    if errors:
        raise ValidationFailed(errors)
    partnership = partnership or Partnership()
    partnership.name, partnership.area, partnership.nation = name, area, nation
    db.session.add(partnership)
    db.session.commit()
    return partnership


def save_agency(partnership, agency, name, sector):
    """Create (agency=None) or edit an agency; names are unique within a partnership."""
    name = _clean(name)
    errors = {}
    if not name:
        errors["name"] = gettext("Enter the agency's name")
    try:
        sector = Sector(sector)
    except ValueError:
        errors["sector"] = gettext("Choose the agency's sector")
    if name and is_taken(Agency.name, name, agency, Agency.partnership_id == partnership.id):
        errors["name"] = gettext("This partnership already has an agency with this name")
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
        raise ValidationFailed({"agency": gettext("People, actions or recommendations refer to this agency.")})
    db.session.delete(agency)
    db.session.commit()


ALREADY_HELD = N_("This person already holds this role here")
#: what the coordinator is told when a role is already held or already offered; the same words either way
ALREADY_OFFERED = N_("This person already holds this role here, or has been invited to it")


def _membership_errors(partnership, user, role, agency_id, is_chair):
    errors = {}
    try:
        role = Role(role)
    except ValueError:
        return {"role": gettext("Choose a role")}, None, None
    agency = None
    if agency_id not in (None, ""):
        try:
            agency = db.session.get(Agency, int(agency_id))
        except (TypeError, ValueError):
            agency = None
        if agency is None or agency.partnership_id != partnership.id:
            errors["agency_id"] = gettext("Choose an agency of this partnership")
            agency = None
    if role is Role.AGENCY_LEAD and agency is None and "agency_id" not in errors:
        errors["agency_id"] = gettext("Choose the agency this agency lead works for")
    if role not in (Role.AGENCY_LEAD, Role.STRATEGIC_MEMBER) and agency is not None:
        errors["agency_id"] = gettext("A %(role)s is not tied to an agency: choose 'No agency'",
                                       role=role.label.lower())
    if is_chair and role is not Role.STRATEGIC_MEMBER:
        errors["is_chair"] = gettext("Only a strategic group member can chair the strategic group")
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
            errors["role"] = gettext(ALREADY_HELD)
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
        errors["name"] = gettext("Enter the person's full name")
    if not email:
        errors["email"] = gettext("Enter an email address")
    return errors


def _link_hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def _offered(partnership, user, role, agency_id):
    """Whether a link offering this very role here is already waiting for this account."""
    return db.session.scalar(sa.select(AccountLink.id).where(
        AccountLink.partnership_id == partnership.id, AccountLink.user_id == user.id, AccountLink.role == role,
        AccountLink.agency_id.is_(None) if agency_id is None else AccountLink.agency_id == agency_id)) is not None


def invite_person(partnership, name, email, role, agency_id=None, is_chair=False, *, invited_by):
    """Invite whoever has this address to a role here, with the same answer whether or not they have an account.

    A new address gets an account, the role, and an invitation to set a password, as it always has. An account that
    already exists is its owner's, not this partnership's: it is sent a link to confirm the role and nothing
    changes until they do. Only a person who has joined here (and so is on the people page) has the role added at
    once. Returns (invitation, message ids to deliver now): invitation is False in that last case.
    """
    name, email = _clean(name), normalise_email(email)
    errors = _person_errors(name, email)
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    role_errors, role, agency = _membership_errors(partnership, user, role, agency_id, is_chair)
    if role_errors.get("role") == gettext(ALREADY_HELD) or (
            user is not None and not role_errors and _offered(partnership, user, role, agency and agency.id)):
        role_errors["role"] = gettext(ALREADY_OFFERED)
    errors.update(role_errors)
    if errors:
        raise ValidationFailed(errors)
    is_here = user is not None and bool(memberships_of(user, partnership))
    if user is not None and user.password_hash is not None and is_here:
        add_membership(partnership, user, role, agency_id, is_chair)
        return False, []
    if user is None:
        user = User(name=name, email=email)
        db.session.add(user)
    if _is_unclaimed(user, partnership):
        user.name = name  # nobody else's: named as typed, as a new account is
        db.session.add(Membership(user=user, partnership_id=partnership.id, role=role,
                                  agency_id=agency.id if agency else None, is_chair=bool(is_chair)))
        db.session.flush()
        message = send_invitation(user, partnership, invited_by)
    else:
        link = AccountLink(partnership_id=partnership.id, user_id=user.id, name=name, role=role,
                           agency_id=agency.id if agency else None, is_chair=bool(is_chair),
                           invited_by_id=invited_by.id)
        message = _send_link(link)
    db.session.commit()
    return True, [message.id] if message is not None else []


def _is_unclaimed(user, partnership):
    """A new account, or one still waiting to set its password with no role outside this partnership (invited
    here before, or withdrawn everywhere): nobody else has a claim on it, so the role is added with an invitation
    to set the password, and no confirmation is asked for."""
    if user.id is None:
        return True
    return (user.password_hash is None and user.is_active and not user.is_administrator
            and all(m.partnership_id == partnership.id for m in user.memberships))


def _send_link(link):
    """Give the link a new token and lifetime, and email it to the account unless the account is deactivated.
    The email names who asks and for what, never any case detail; the link signs nobody in."""
    raw = secrets.token_urlsafe(32)
    link.token_hash = _link_hash(raw)
    link.sent_at = utcnow()
    link.expires_at = link.sent_at + current_app.config["INVITATION_LIFETIME"]
    db.session.add(link)
    db.session.flush()
    if not link.user.is_active:
        return None
    with invitation_language(link.user):
        return queue_email(
            "partnerships/account_link",
            to=link.user.email,
            subject=invitation_subject(link.partnership),
            dedupe_key=f"account-link:{link.token_hash}",
            partnership_id=link.partnership_id,
            user_id=link.user_id,
            link=link,
            url=current_app.config["TRACKER_BASE_URL"].rstrip("/") + url_for("partnerships.answer_link",
                                                                            link_token=raw),
            days=current_app.config["INVITATION_LIFETIME"].days,
        )


def link_for(raw, user):
    """The unexpired link behind this token if it was sent to this person; None for anyone else, so that the
    page cannot tell another person whether the link exists."""
    if not raw or not getattr(user, "is_authenticated", False):
        return None
    link = db.session.scalar(sa.select(AccountLink).where(AccountLink.token_hash == _link_hash(raw)))
    if link is None or link.user_id != user.id or link.expires_at <= utcnow():
        return None
    return link


def accept_link(link):
    """The person confirms: the role is theirs from now on (unless they already hold it), and the link is used up.
    Returns the new membership, or None when they already held the role."""
    errors, _, _ = _membership_errors(link.partnership, link.user, link.role, link.agency_id, link.is_chair)
    membership = None
    if not errors:
        membership = Membership(user=link.user, partnership_id=link.partnership_id, role=link.role,
                                agency_id=link.agency_id, is_chair=link.is_chair)
        db.session.add(membership)
    db.session.delete(link)
    db.session.commit()
    return membership


def decline_link(link):
    """The person says no: the offer goes and nothing else changes."""
    db.session.delete(link)
    db.session.commit()


def details_editable_by(person, partnership, actor):
    """Whether this actor may change the person's name and email address from this partnership's pages. An
    account belongs to its owner: a coordinator may correct it only while every role it holds is in their own
    partnership, since a change would otherwise reach people and records in partnerships that are not theirs."""
    if actor.is_administrator:
        return True
    return not person.is_administrator and all(m.partnership_id == partnership.id for m in person.memberships)


def update_person(user, partnership, name, email, actor):
    """A coordinator corrects the details of someone whose roles are all in their partnership. Only an
    administrator may change the address of an account whose password is set, because the address is where its
    password links go."""
    if not details_editable_by(user, partnership, actor):
        raise ValidationFailed({"__form__": gettext(
            "%(name)s also works with other partnerships, or administers the tracker, so only an administrator, or "
            "they themselves, can change their name or email address.", name=user.name)})
    name, email = _clean(name), normalise_email(email)
    errors = _person_errors(name, email)
    if email and email != user.email and user.password_hash is not None and not actor.is_administrator:
        errors["email"] = gettext("This account is in use, so only an administrator can change its email address. "
                                  "Ask an administrator, or ask the person to change it themselves.")
    taken = sa.select(User.id).where(User.email == email, User.id != user.id)
    if email and "email" not in errors and db.session.scalar(taken):
        errors["email"] = gettext("Another account already uses this email address")
    if errors:
        raise ValidationFailed(errors)
    if email != user.email:
        user.end_all_sessions()
    user.name, user.email = name, email
    db.session.commit()
    return user


class Invitation(NamedTuple):
    """A row of "invitations waiting": a new account that has not set its password yet, or an existing account
    that has not answered its link, shown alike so that the list does not tell which addresses had accounts."""

    user_id: int
    name: str
    email: str
    roles: list
    sent_at: datetime | None
    expires_at: datetime | None

    @property
    def has_expired(self):
        return self.expires_at is not None and self.expires_at <= utcnow()


def invitations_waiting(partnership):
    """Everyone invited here who has not joined yet, the latest invitation first."""
    here = sa.select(Membership.user_id).where(Membership.partnership_id == partnership.id)
    new_accounts = (
        sa.select(User, sa.func.max(AccountToken.created_at), sa.func.max(AccountToken.expires_at))
        .outerjoin(AccountToken, sa.and_(AccountToken.user_id == User.id,
                                         AccountToken.purpose == TokenPurpose.INVITATION))
        .where(User.password_hash.is_(None), User.id.in_(here))
        .group_by(User.id)
        .options(selectinload(User.memberships).selectinload(Membership.agency))
    )
    rows = {person.id: Invitation(person.id, person.name, person.email,
                                  [m.role_label for m in memberships_of(person, partnership)], sent_at, expires_at)
            for person, sent_at, expires_at in db.session.execute(new_accounts)}
    links = (sa.select(AccountLink).where(AccountLink.partnership_id == partnership.id).order_by(AccountLink.id)
             .options(selectinload(AccountLink.user), selectinload(AccountLink.agency)))
    for link in db.session.scalars(links):
        row = rows.get(link.user_id) or Invitation(link.user_id, link.name, link.user.email, [], None, None)
        rows[link.user_id] = row._replace(roles=[*row.roles, link.role_label],
                                          sent_at=max(filter(None, (row.sent_at, link.sent_at))),
                                          expires_at=max(filter(None, (row.expires_at, link.expires_at))))
    return sorted(rows.values(), key=lambda row: row.sent_at or datetime.min.replace(tzinfo=UTC), reverse=True)


def invited_person(partnership, user_id):
    """The person behind a row of "invitations waiting", or anyone with a role here; None for anyone else."""
    person = db.session.get(User, user_id)
    if person is None:
        return None
    if memberships_of(person, partnership) or db.session.scalar(sa.select(AccountLink.id).where(
            AccountLink.partnership_id == partnership.id, AccountLink.user_id == person.id).limit(1)):
        return person
    return None


def resend_invitation(partnership, person, invited_by):
    """Send the person's invitation again, with a new link (earlier links stop working); returns the message ids
    to deliver now, none when nothing is waiting for them."""
    messages = []
    if person.password_hash is None and memberships_of(person, partnership):
        messages.append(send_invitation(person, partnership, invited_by))
    for link in _links_here(partnership, person):
        link.invited_by_id = invited_by.id
        messages.append(_send_link(link))
    db.session.commit()
    return [message.id for message in messages if message is not None]


def withdraw_invitation(partnership, person):
    """Take back everything offered to the person here that they have not taken up; returns whether there was any.
    A new account keeps nothing of this partnership's: its roles go, and if that leaves it none anywhere its
    password link stops working."""
    links = _links_here(partnership, person)
    for link in links:
        db.session.delete(link)
    roles = memberships_of(person, partnership) if person.password_hash is None else []
    for membership in roles:
        remove_membership(membership, commit=False)
    if roles:
        db.session.flush()
        db.session.expire(person, ["memberships"])
        if not person.memberships:
            db.session.execute(sa.update(AccountToken).where(AccountToken.user_id == person.id,
                                                             AccountToken.used_at.is_(None))
                               .values(used_at=utcnow()))
    db.session.commit()
    return bool(links or roles)


def _links_here(partnership, person):
    return db.session.scalars(sa.select(AccountLink).where(AccountLink.partnership_id == partnership.id,
                                                           AccountLink.user_id == person.id)
                              .order_by(AccountLink.id)).all()


def remove_membership(membership, commit=True):
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
    if commit:
        db.session.commit()


def partnerships_for(user):
    """Every partnership an administrator can see, or the ones a person holds a role in."""
    query = sa.select(Partnership).order_by(Partnership.name)
    if not user.is_administrator:
        query = query.where(Partnership.id.in_(sa.select(Membership.partnership_id)
                                                .where(Membership.user_id == user.id)))
    return db.session.scalars(query).all()


def people_page(partnership, page, per_page):
    """People who have joined: a role here and a password set (those still to set one are among the invitations
    waiting), with their memberships loaded in one extra query."""
    query = (
        sa.select(User)
        .where(User.id.in_(sa.select(Membership.user_id).where(Membership.partnership_id == partnership.id)),
               User.password_hash.is_not(None))
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
