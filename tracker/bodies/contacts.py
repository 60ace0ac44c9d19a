"""The people who answer for a body: added by an administrator, since a body's contact reads what every partnership
has sent it. A new address gets an account and an invitation to set a password; an existing account is told."""
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from tracker.accounts.models import User
from tracker.accounts.services import _account_link, invitation_language, issue_token, normalise_email
from tracker.bodies.models import BodyContact
from tracker.db import length_of
from tracker.email import queue_email
from tracker.enums import TokenPurpose
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.i18n import in_language_of


def people_of(body):
    """(contact, person) of the body, in name order."""
    return db.session.execute(
        sa.select(BodyContact, User).join(User, User.id == BodyContact.user_id)
        .where(BodyContact.body_id == body.id).order_by(sa.func.lower(User.name), User.id)).all()


def contact_counts():
    """{body id: how many people answer for it}."""
    return dict(db.session.execute(sa.select(BodyContact.body_id, sa.func.count()).group_by(BodyContact.body_id)).all())


def add_contact(body, name, email, added_by):
    name, email = (name or "").strip(), normalise_email(email or "")
    errors = {}
    if not email or "@" not in email:
        errors["email"] = gettext("Enter an email address in the correct format, like name@example.gov.uk")
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    if user is None and not name:
        errors["name"] = gettext("Enter the person's full name: they have no account yet")
    elif len(name) > length_of(User.name):
        errors["name"] = gettext("The name must be %(length)s characters or fewer", length=length_of(User.name))
    if user is not None and any(c.body_id == body.id for c in user.body_contacts):
        errors["email"] = gettext("%(name)s already answers for %(body)s", name=user.name, body=body.name)
    if errors:
        raise ValidationFailed(errors)
    is_new = user is None
    if is_new:
        user = User(name=name, email=email)
        db.session.add(user)
    db.session.add(BodyContact(body=body, user=user))
    db.session.flush()
    if is_new:
        raw, token = issue_token(user, TokenPurpose.INVITATION)
        language, link, key = invitation_language(user), _account_link(raw), f"token:{token.id}"
    else:
        language, link, key = in_language_of(user), None, f"body_contact:{body.id}:{user.id}:{user.updated_at}"
    with language:
        queue_email("bodies/contact_added", to=user.email, dedupe_key=key, user_id=user.id,
                    subject=gettext("Action tracker: you answer for %(body)s", body=body.name), user=user,
                    body=body, added_by=added_by, link=link, days=current_app.config["INVITATION_LIFETIME"].days,
                    path=f"/bodies/{body.id}/recommendations")
    db.session.commit()
    return user


def remove_contact(contact):
    db.session.delete(contact)
    db.session.commit()
